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

/// The operand that ends at byte `end` of `line` (scanning back over brackets), or starts
/// at `start` (scanning forward): `expected.as_slice()`, `diff`, `0u8`.
fn operand(line: &str, from: usize, forward: bool) -> String {
    let chars: Vec<char> = if forward {
        line[from..].chars().collect()
    } else {
        line[..from].chars().rev().collect()
    };
    let (open, close) = if forward { ("([", ")]") } else { (")]", "([") };
    let mut depth = 0usize;
    let mut token = String::new();
    for c in chars.into_iter().skip_while(|c| c.is_whitespace()) {
        if open.contains(c) {
            depth += 1;
        } else if close.contains(c) {
            if depth == 0 {
                break;
            }
            depth -= 1;
        } else if depth == 0 && (c.is_whitespace() || "{};,&|!=<>".contains(c)) {
            break;
        }
        token.push(c);
    }
    if forward {
        token
    } else {
        token.chars().rev().collect()
    }
}

/// Whether an operand of `==`/`!=` is something public, not a tag: a length, a number (a
/// difference accumulated to compare with 0), a bool.
fn public(operand: &str) -> bool {
    let o = operand.trim_start_matches(['*', '&']).to_lowercase();
    o.ends_with("len()")
        || o.ends_with("len")
        || o == "true"
        || o == "false"
        || o.starts_with(|c: char| c.is_ascii_digit())
}

/// The `==` and `!=` of a line of code that compare something other than lengths and
/// numbers: what a tag compared with `==` looks like.
fn compares_bytes(line: &str) -> bool {
    let mut at = 0;
    while let Some(i) = line[at..].find(['=', '!']).map(|i| i + at) {
        let op = line.get(i..i + 2);
        at = i + 1;
        if op != Some("==") && op != Some("!=") {
            continue;
        }
        // Not the second half of `<=`, `>=`, `==` itself seen from its second `=`.
        if i > 0 && b"<>=!".contains(&line.as_bytes()[i - 1]) {
            continue;
        }
        let (left, right) = (operand(line, i, false), operand(line, i + 2, true));
        if !(public(&left) || public(&right)) {
            return true;
        }
        at = i + 2;
    }
    false
}

/// Looks for the ways a tag is compared in `source`: the constant-time ones (the `Mac`
/// trait's `verify_slice` and its kin, `subtle`'s `ct_eq`, a hand-written loop that XORs
/// every byte and ORs the differences), and the ones that stop at the first difference
/// (`==` and `!=` between anything but lengths and numbers, `starts_with`, `.eq(`, `.cmp(`,
/// `memcmp`).
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
    let early = ["starts_with", ".eq(", ".ne(", ".cmp(", "memcmp"];
    let mut xor_lines = Vec::new();
    let mut or_lines = Vec::new();
    for (i, line) in code.lines().enumerate() {
        let n = i + 1;
        let original = source.lines().nth(i).unwrap_or("").trim().to_owned();
        if constant.iter().any(|w| line.contains(w)) {
            finding.constant_time.push((n, original.clone()));
        }
        let ct_here = constant.iter().any(|w| line.contains(w));
        if !ct_here && (early.iter().any(|w| line.contains(w)) || compares_bytes(line)) {
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
