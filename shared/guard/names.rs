//! File names that arrive from the network: a plain name, or refused with a reason.
//!
//! The notes save under whatever name the header carries (`open(head['filename'], 'wb')`),
//! so a sender that writes `../../.bashrc` writes outside the folder. Lesson 09's server
//! and client check every name, on both ends, before anything is opened.

use crate::reason;
use crate::wire::header::Reason;

/// The longest name accepted, in bytes (most file systems allow 255).
pub const MAX_FILE_NAME_LEN: usize = 255;

/// Why a name is not a plain file name, or `Ok` when it is one.
///
/// Refused: empty; longer than [`MAX_FILE_NAME_LEN`]; a path separator (`/`, or `\` which
/// Windows treats as one); `..` or `.`, or anything starting with `.` (hidden files are not
/// served, and the receiver keeps its partial files under such names); a NUL or any other
/// control character, or an invisible or direction-changing one (U+202E and its kind).
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
    if let Some(c) = name.chars().find(|&c| is_invisible(c)) {
        let code = c as u32;
        return refuse(reason!(
            "it contains U+{code:04X}, an invisible or direction-changing character (a name shown \
             one way and spelled another)"
                | "它含有 U+{code:04X}，一个看不见或会改变文字方向的字符（名字显示出来是一个样，实际拼写是另一个样）"
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

/// Characters that change how a name is *shown* without being seen: the bidirectional
/// controls (U+202E makes `gnp.exe` read as `exe.png`), zero-width characters, and the
/// byte-order mark.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
