//! Reading the learner's source, for the one fault no run can show: a comparison that is
//! not constant time (lesson 10). A stopwatch would need thousands of timed calls on a
//! quiet machine and would still lie on a busy one; the source says it plainly.

/// The source with comments, string literals and char literals blanked out (each replaced
/// by spaces, lines kept), so that a word in a comment is not taken for code.
pub fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            if c == 'b' {
                out.push(' ');
                i += 1;
            }
            out.push(' ');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A char literal ('a', '\n', '\''), or a lifetime ('a): a literal closes within
            // a few characters.
            let close = (i + 2..(i + 12).min(chars.len()))
                .find(|&j| chars[j] == '\'' && (chars[j - 1] != '\\' || chars[j - 2] == '\\'));
            match close {
                Some(j) if chars[i + 1] == '\\' || j == i + 2 => {
                    for _ in i..=j {
                        out.push(' ');
                    }
                    i = j + 1;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// What a look at the source found about a comparison.
pub struct Finding {
    /// The constant-time ways found, with their line numbers.
    pub constant_time: Vec<(usize, String)>,
    /// The comparisons that return at the first difference, with their line numbers.
    pub early_exit: Vec<(usize, String)>,
}

/// Looks for the ways a tag is compared in `source`: the constant-time ones (the `Mac`
/// trait's `verify_slice` and its kin, `subtle`'s `ct_eq`, a hand-written loop that XORs
/// every byte and ORs the differences), and the ones that stop at the first difference
/// (`==`, `!=`, `starts_with`, `.eq(`, `.cmp(`, `memcmp`).
pub fn comparisons(source: &str) -> Finding {
    let code = code_only(source);
    let mut finding = Finding {
        constant_time: Vec::new(),
        early_exit: Vec::new(),
    };
    let constant = [
        "verify_slice",
        "verify_truncated_left",
        "verify_truncated_right",
        ".verify(",
        "ct_eq",
        "constant_time_eq",
        "ConstantTimeEq",
    ];
    let early = ["==", "!=", "starts_with", ".eq(", ".ne(", ".cmp(", "memcmp"];
    let mut xor_lines = Vec::new();
    let mut or_lines = Vec::new();
    for (i, line) in code.lines().enumerate() {
        let n = i + 1;
        let original = source.lines().nth(i).unwrap_or("").trim().to_owned();
        if constant.iter().any(|w| line.contains(w)) {
            finding.constant_time.push((n, original.clone()));
        }
        if early.iter().any(|w| line.contains(w)) {
            finding.early_exit.push((n, original.clone()));
        }
        if line.contains('^') {
            xor_lines.push((n, original.clone()));
        }
        if line.contains("|=") || line.contains(".fold(") || line.contains("| (") {
            or_lines.push(n);
        }
    }
    // A hand-written constant-time loop: differences XORed and ORed together.
    if !or_lines.is_empty() {
        finding.constant_time.extend(xor_lines);
    }
    finding
}
