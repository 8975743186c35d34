//! File names that arrive from the network: a plain name, or refused with a reason.
//!
//! The notes save under whatever name the header carries (`open(head['filename'], 'wb')`),
//! so a sender that writes `../../.bashrc` writes outside the folder. Lesson 09's server
//! and client check every name, on both ends, before anything is opened.

use crate::guard::quiet::is_invisible;
use crate::reason;
use crate::wire::header::Reason;

/// The longest name accepted, in bytes (most file systems allow 255).
pub const MAX_FILE_NAME_LEN: usize = 255;

/// Why a name is not a plain file name, or `Ok` when it is one.
///
/// Refused: empty; longer than [`MAX_FILE_NAME_LEN`]; a path separator (`/`, or `\` which
/// Windows treats as one); `..` or `.`, or anything starting with `.` (hidden files are not
/// served, and the receiver keeps its partial files under such names); a NUL or any other
/// control character; an invisible one (every format character, Cf, and every
/// default-ignorable code point: U+202E and the other bidirectional controls, zero-width
/// spaces and joiners, the soft hyphen, variation selectors, tags, Hangul fillers), a line
/// or paragraph separator (U+2028, U+2029); or a look-alike of `/`, `\` or `.` (U+2215
/// `∕`, U+FF0F `／`, U+FF0E `．`…; `。` stays allowed).
///
/// Names are not normalised: `é` as one code point and as `e` + U+0301 are two names, as
/// they are two names on disk. Letters that look like others (Cyrillic `а` for Latin `a`)
/// are not refused: that is Unicode Technical Standard #39's confusables, out of scope here.
///
/// And, on every system, the names Windows treats as something else, because a name
/// crosses the network (a Linux server's file is saved by a Windows client, and the
/// reverse), so one rule must hold on both ends: a character Windows forbids in names
/// (`<>:"|?*`; `:` is also a drive letter or a stream, `x.txt::$DATA`); a trailing `.` or
/// space (Windows drops it: `new.txt.` would be saved as `new.txt`); a device name
/// (`CON`, `NUL`, `COM1`, `LPT1`, `CONIN$`…, with any extension: `nul.txt` is the device
/// too); and `~`, because Windows gives files a second, short name (`.secret` answers to
/// `SECRET~1` on NTFS, to `_SEC~P54` under Wine), which would reach a hidden file.
///
/// ```
/// use socket_lessons::guard::names::check_file_name;
/// assert!(check_file_name("photo.png").is_ok());
/// assert!(check_file_name("../etc/passwd").is_err());
/// assert!(check_file_name("/etc/passwd").is_err());
/// assert!(check_file_name("").is_err());
/// ```
pub fn check_file_name(name: &str) -> Result<(), String> {
    why_refused(name).map_or(Ok(()), |why| Err(why.shown))
}

/// [`check_file_name`]'s reason in both languages: English for an answer on the wire (a
/// server's `{"error": …}` header), and the language of the moment for the log
/// ([`Reason`]). `None` for a plain file name.
pub fn why_refused(name: &str) -> Option<Reason> {
    // The name as a preview (whole up to 32 characters): a refusal of a 1 KiB name is a
    // short line, not the name escaped at four times its size.
    // (Invisible characters escaped, the Hangul fillers too: `\u{3164}`.)
    let shown = crate::guard::quiet::preview_text(name);
    let refuse = |why: Reason| {
        Some(why.within(
            |w| format!("refused name {shown}: {w}"),
            |w| format!("名字 {shown} 不可用：{w}"),
        ))
    };
    if name.is_empty() {
        return refuse(reason!("it is empty" | "它是空的"));
    }
    if name.len() > MAX_FILE_NAME_LEN {
        return refuse(reason!(
            "it is longer than {MAX_FILE_NAME_LEN} bytes" | "它超过了 {MAX_FILE_NAME_LEN} 字节"
        ));
    }
    if name.contains(['/', '\\']) {
        return refuse(reason!(
            "a file name, not a path: it must not contain / or \\"
                | "要的是文件名，不是路径：不能含有 / 或 \\"
        ));
    }
    if name == "." || name == ".." {
        return refuse(reason!("it names a directory" | "它指的是目录"));
    }
    if name.starts_with('.') {
        return refuse(reason!(
            "names starting with . are hidden files, not served or written"
                | "以 . 开头的名字是隐藏文件，既不提供也不写入"
        ));
    }
    if name.contains('\0') {
        return refuse(reason!("it contains a NUL byte" | "它含有 NUL 字节"));
    }
    if name.chars().any(char::is_control) {
        return refuse(reason!(
            "it contains a control character" | "它含有控制字符"
        ));
    }
    if let Some(c) = name.chars().find(|&c| is_direction_changing(c)) {
        let code = c as u32;
        return refuse(reason!(
            "it contains U+{code:04X}, an invisible direction-changing character (a name shown \
             one way and spelled another)"
                | "它含有 U+{code:04X}，一个看不见、会改变文字方向的字符（名字显示出来是一个样，实际拼写是另一个样）"
        ));
    }
    if let Some(c) = name.chars().find(|&c| matches!(c, '\u{2028}' | '\u{2029}')) {
        let code = c as u32;
        return refuse(reason!(
            "it contains U+{code:04X}, a line or paragraph separator (the name breaks a line)"
                | "它含有 U+{code:04X}，一个行分隔符或段落分隔符（名字会断成两行）"
        ));
    }
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        let code = c as u32;
        return refuse(reason!(
            "it contains U+{code:04X}, an invisible character (a format or default-ignorable \
             character: two names that look the same)"
                | "它含有 U+{code:04X}，一个看不见的字符（格式字符或默认可忽略的字符：两个名字看起来一模一样）"
        ));
    }
    if let Some((c, like)) = name
        .chars()
        .find_map(|c| looks_like(c).map(|like| (c, like)))
    {
        let code = c as u32;
        return refuse(reason!(
            "it contains U+{code:04X}, which looks like {like} (a name that reads as a path, .. \
             or a hidden file)"
                | "它含有 U+{code:04X}，看起来像 {like}（名字读起来像路径、.. 或隐藏文件）"
        ));
    }
    if let Some(c) = name.chars().find(|c| "<>:\"|?*".contains(*c)) {
        let why = reason!(
            "it contains {c}, which Windows does not allow in a name"
                | "它含有 {c}，Windows 不允许名字里有这个字符"
        );
        return refuse(if c == ':' {
            why.within(
                |w| format!("{w} (there it is a drive letter or a stream: C:, x.txt::$DATA)"),
                |w| format!("{w}（在那里它表示盘符或数据流：C:、x.txt::$DATA）"),
            )
        } else {
            why
        });
    }
    if name.ends_with(['.', ' ']) {
        return refuse(reason!(
            "it ends with a dot or a space, which Windows drops (it would be another name on disk)"
                | "它以点或空格结尾，Windows 会把它去掉（存到磁盘上就成了另一个名字）"
        ));
    }
    if is_windows_device(name) {
        return refuse(reason!(
            "on Windows it names a device (CON, NUL, COM1…), with any extension"
                | "在 Windows 上它指的是设备（CON、NUL、COM1…），带什么扩展名都一样"
        ));
    }
    if name.contains('~') {
        return refuse(reason!(
            "it contains ~: on Windows NAME~1 can be the short name of another file, a hidden one too"
                | "它含有 ~：在 Windows 上 NAME~1 可能是另一个文件的短名字，隐藏文件也一样"
        ));
    }
    None
}

/// Whether Windows takes `name` for a device: CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and with
/// the superscript digits ¹²³), CONIN$, CONOUT$, in any case, alone or before an extension,
/// spaces before it ignored (Microsoft's "Naming Files, Paths, and Namespaces").
fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_uppercase();
    if matches!(
        upper.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) {
        return true;
    }
    let mut chars = upper.chars();
    let prefix: String = chars.by_ref().take(3).collect();
    let digit: Vec<char> = chars.collect();
    (prefix == "COM" || prefix == "LPT")
        && digit.len() == 1
        && (digit[0].is_ascii_digit() || matches!(digit[0], '¹' | '²' | '³'))
}

/// The bidirectional controls: U+202E makes `photo\u{202E}gnp.exe` read as `photoexe.png`.
fn is_direction_changing(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What `c` would be taken for, if it is a look-alike of `/`, `\` or `.`: `etc\u{2215}passwd`
/// lists as `etc∕passwd`, and `\u{FF0E}\u{FF0E}` as `．．`. Ideographic full stops
/// (`。` U+3002, `｡` U+FF61) are the full stop of Chinese and Japanese and stay allowed: a
/// small circle, not a dot. So do `…` (U+2026, which Chinese writes doubled) and the middle
/// dots `·` and `・`.
fn looks_like(c: char) -> Option<char> {
    match c {
        // fraction slash, division slash, box diagonal, big solidus, fullwidth solidus,
        // combining long solidus overlay
        '\u{2044}' | '\u{2215}' | '\u{2571}' | '\u{29F8}' | '\u{FF0F}' | '\u{0338}' => Some('/'),
        // set minus, box diagonal, reverse solidus operator, big reverse solidus, small
        // reverse solidus, fullwidth reverse solidus
        '\u{2216}' | '\u{2572}' | '\u{29F5}' | '\u{29F9}' | '\u{FE68}' | '\u{FF3C}' => Some('\\'),
        // one dot leader, two dot leader, small full stop, fullwidth full stop
        '\u{2024}' | '\u{2025}' | '\u{FE52}' | '\u{FF0E}' => Some('.'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::quiet::INVISIBLE;

    #[test]
    fn path_tricks_are_refused_with_a_reason() {
        for bad in [
            "",
            ".",
            "..",
            "../etc/passwd",
            "/etc/passwd",
            "a/b",
            "a\\b",
            ".hidden",
            "a\0b",
            "a\nb",
            "photo\u{202E}gnp.exe",
            "zero\u{200B}width",
            // What Windows takes for something else (refused on every system).
            "C:x",
            "x.txt::$DATA",
            "q?.txt",
            "star*.txt",
            "pipe|.txt",
            "lt<gt>.txt",
            "quo\"te.txt",
            "new.txt.",
            "notes.",
            "sp ",
            "CON",
            "nul",
            "nul.txt",
            "Com1.tar.gz",
            "LPT9",
            "COM\u{b9}",
            "CONOUT$",
            "conin$.log",
            "_SEC~P54",
            "SECRET~1",
        ] {
            let why = check_file_name(bad).unwrap_err();
            assert!(why.starts_with("refused name"), "{bad:?}: {why}");
        }
        let long = check_file_name(&"x".repeat(256)).unwrap_err();
        assert_eq!(
            long,
            format!(
                "refused name {:?}…(256 chars): it is longer than 255 bytes",
                "x".repeat(32)
            )
        );
        assert!(check_file_name("a..b.txt").is_ok());
        assert!(check_file_name("新建文件夹.txt").is_ok());
        // Near the device names, but not them.
        for good in [
            "CONSOLE.txt",
            "com10",
            "lpt",
            "nul_result.txt",
            "auxiliary",
            "a.con",
        ] {
            assert!(check_file_name(good).is_ok(), "{good}");
        }
    }

    /// Each class of invisible or look-alike character, refused with a reason that names
    /// its code point (the attack's names, review 29 G).
    #[test]
    fn invisible_separators_and_look_alikes_are_refused_with_their_code_point() {
        for (name, code, why) in [
            ("a\u{00AD}b.txt", "U+00AD", "invisible"),
            ("a\u{200B}b.txt", "U+200B", "invisible"),
            ("a\u{200D}b.txt", "U+200D", "invisible"),
            ("ab\u{200E}.txt", "U+200E", "direction-changing"),
            ("photo\u{202E}gnp.exe", "U+202E", "direction-changing"),
            ("a\u{2067}b.txt", "U+2067", "direction-changing"),
            ("a\u{2060}b.txt", "U+2060", "invisible"),
            ("a\u{2064}b.txt", "U+2064", "invisible"),
            ("\u{FEFF}ab.txt", "U+FEFF", "invisible"),
            ("ab\u{E0041}.txt", "U+E0041", "invisible"),
            ("ab\u{E007F}.txt", "U+E007F", "invisible"),
            ("a\u{2028}b.txt", "U+2028", "separator"),
            ("a\u{2029}b.txt", "U+2029", "separator"),
            ("a\u{034F}b.txt", "U+034F", "invisible"),
            ("\u{115F}.txt", "U+115F", "invisible"),
            ("\u{1160}.txt", "U+1160", "invisible"),
            ("\u{3164}.txt", "U+3164", "invisible"),
            ("\u{FFA0}.txt", "U+FFA0", "invisible"),
            ("\u{2800}.txt", "U+2800", "invisible"),
            ("ab\u{FE0F}.txt", "U+FE0F", "invisible"),
            ("ab\u{FE00}.txt", "U+FE00", "invisible"),
            ("ab\u{E0100}.txt", "U+E0100", "invisible"),
            ("a\u{180B}b.txt", "U+180B", "invisible"),
            ("a\u{180E}b.txt", "U+180E", "invisible"),
            ("a\u{180F}b.txt", "U+180F", "invisible"),
            ("etc\u{2215}passwd", "U+2215", "looks like /"),
            ("etc\u{2044}passwd", "U+2044", "looks like /"),
            ("etc\u{FF0F}passwd", "U+FF0F", "looks like /"),
            ("etc\u{29F8}passwd", "U+29F8", "looks like /"),
            ("etc\u{2571}passwd", "U+2571", "looks like /"),
            ("etc\u{FF3C}passwd", "U+FF3C", "looks like \\"),
            ("etc\u{2216}passwd", "U+2216", "looks like \\"),
            ("etc\u{29F5}passwd", "U+29F5", "looks like \\"),
            ("etc\u{FE68}passwd", "U+FE68", "looks like \\"),
            ("\u{2024}\u{2024}", "U+2024", "looks like ."),
            ("\u{FF0E}\u{FF0E}", "U+FF0E", "looks like ."),
            ("\u{FF0E}bashrc", "U+FF0E", "looks like ."),
        ] {
            let refused = check_file_name(name).unwrap_err();
            assert!(refused.starts_with("refused name"), "{name:?}: {refused}");
            assert!(refused.contains(code), "{name:?}: {refused}");
            assert!(refused.contains(why), "{name:?}: {refused}");
            // The reason is one line of plain text: the name in it is escaped.
            assert!(
                !refused.contains(['\u{202E}', '\u{2028}', '\u{200B}']),
                "{refused}"
            );
        }
    }

    /// Ordinary names in Chinese, Japanese, Korean and accented Latin are plain names; the
    /// two spellings of `é` are two names, both accepted (names are not normalised), and a
    /// Cyrillic `а` is a letter like any other (confusables are out of scope).
    #[test]
    fn ordinary_chinese_japanese_and_accented_names_are_accepted() {
        for good in [
            "新建文件夹.txt",
            "报告。最终版.docx",
            "第1章……开头.md",
            "张三·李四.txt",
            "会議の資料・最終版.pdf",
            "ｶﾀｶﾅ｡txt",
            "日本語　スペース.txt",
            "한국어 파일.txt",
            "caf\u{E9}.txt",
            "cafe\u{301}.txt",
            "na\u{EF}ve r\u{E9}sum\u{E9}.pdf",
            "Gr\u{FC}\u{DF}e.txt",
            "\u{430}b.txt",
            "\u{1F600}.png",
        ] {
            assert!(
                check_file_name(good).is_ok(),
                "{good}: {:?}",
                check_file_name(good)
            );
        }
    }

    /// Every format character (Cf) that Python's `unicodedata` knows is refused, and so are
    /// U+2028 and U+2029; and nothing in [`INVISIBLE`] is something one can see, but the
    /// Hangul fillers and the blank braille pattern: the table is checked against a second
    /// source. Skipped, with a line, where there is no `python3`.
    #[test]
    fn every_format_character_pythons_unicodedata_knows_is_refused() {
        let script = "import sys, unicodedata as u\n\
            print(u.unidata_version)\n\
            for c in range(sys.maxunicode + 1):\n    \
            k = u.category(chr(c))\n    \
            if k in ('Cf', 'Zl', 'Zp'): print('refuse', c)\n\
            for a, b in RANGES:\n    \
            for c in range(a, b + 1): print('table', c, u.category(chr(c)))\n";
        let ranges: Vec<String> = INVISIBLE
            .iter()
            .map(|(a, b)| format!("({a},{b})"))
            .collect();
        let script = script.replace("RANGES", &format!("[{}]", ranges.join(",")));
        let out = match std::process::Command::new("python3")
            .args(["-c", &script])
            .output()
        {
            Ok(out) if out.status.success() => out,
            _ => {
                eprintln!("skipped: no python3 to list Unicode's format characters");
                return;
            }
        };
        let text = String::from_utf8(out.stdout).unwrap();
        let mut lines = text.lines();
        let version = lines.next().unwrap();
        let mut refused = 0;
        for line in lines {
            let fields: Vec<&str> = line.split(' ').collect();
            let c = char::from_u32(fields[1].parse().unwrap()).unwrap();
            if fields[0] == "refuse" {
                let name = format!("a{c}b.txt");
                assert!(
                    check_file_name(&name).is_err(),
                    "U+{:04X} accepted",
                    c as u32
                );
                refused += 1;
            } else {
                // In the table: a format, separator or unassigned code point, or a mark
                // nobody sees (variation selectors, the grapheme joiner, Khmer's inherent
                // vowels), or one of the five blanks named in it.
                let seen_blank = matches!(
                    c,
                    '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}'
                );
                assert!(
                    matches!(fields[2], "Cf" | "Cn" | "Mn" | "Zl" | "Zp") || seen_blank,
                    "U+{:04X} is {} in Unicode {version}",
                    c as u32,
                    fields[2]
                );
            }
        }
        assert!(
            refused > 150,
            "only {refused} format characters from Unicode {version}"
        );
    }
}
