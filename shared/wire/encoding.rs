//! What a command's output means as text: bytes are bytes until someone names an encoding.
//!
//! A command server sends the bytes the command wrote. Which text they are depends on the
//! machine that ran it: `sh` on Linux writes UTF-8 (in a UTF-8 locale); `cmd` on a Chinese
//! Windows writes GBK (code page 936), which is why the notes' clients print
//! `res.decode('gbk')` (notes B 基于tcp协议模拟ssh远程执行命令, notes C 远程执行命令,
//! notes D). That call is right only when the server is a Chinese Windows: the same bytes
//! from a Linux server are UTF-8, and read as GBK they turn into other characters or into
//! an error. The wire carries no label saying which, so the reader has to be told:
//! lesson 07's client takes `--encoding`, and guesses nothing but its own console's.
//!
//! ```
//! use socket_lessons::wire::encoding::{decode, parse};
//! let gbk = parse("gbk").unwrap();
//! // What a Chinese Windows' cmd writes for 中文, read as GBK: right.
//! assert_eq!(decode(b"\xd6\xd0\xce\xc4", gbk), "中文");
//! // What Linux writes for 你好 (UTF-8), read as GBK as the notes do: other characters.
//! assert_eq!(decode("你好".as_bytes(), gbk), "浣犲ソ");
//! ```

use encoding_rs::{Encoding, UTF_8};
use std::borrow::Cow;

/// The encoding a client assumes when not told: on Windows the console's (the code page
/// `cmd` writes in, GetConsoleOutputCP, or the system's ANSI code page, GetACP, when there
/// is no console), elsewhere UTF-8. A code page with no encoding_rs equivalent (437, the
/// US console's) falls back to UTF-8, which reads its ASCII part the same.
pub fn default_encoding() -> &'static Encoding {
    #[cfg(windows)]
    {
        use windows_sys::Win32::Globalization::GetACP;
        use windows_sys::Win32::System::Console::GetConsoleOutputCP;
        // SAFETY: both calls take no arguments and only return a number (0 when the
        // process has no console).
        let code_page = match unsafe { GetConsoleOutputCP() } {
            0 => unsafe { GetACP() },
            cp => cp,
        };
        u16::try_from(code_page)
            .ok()
            .and_then(codepage::to_encoding)
            .unwrap_or(UTF_8)
    }
    #[cfg(not(windows))]
    {
        UTF_8
    }
}

/// An encoding named the way a user would: a label (`gbk`, `utf-8`, `big5`, `shift_jis`)
/// or a Windows code page number (`936`, `65001`).
pub fn parse(name: &str) -> Result<&'static Encoding, String> {
    if let Ok(code_page) = name.parse::<u16>() {
        return codepage::to_encoding(code_page).ok_or_else(|| {
            crate::tr!(
                "code page {code_page} has no encoding this client knows"
                    | "这个客户端不认识代码页 {code_page} 对应的编码"
            )
        });
    }
    Encoding::for_label(name.trim().as_bytes()).ok_or_else(|| {
        crate::tr!(
            "{name:?} is not an encoding name (try gbk, utf-8 or 936)"
                | "{name:?} 不是编码的名字（可以试试 gbk、utf-8 或 936）"
        )
    })
}

/// `bytes` read as text in `encoding`, with U+FFFD (�) in place of bytes that are not
/// valid in it. Python's `decode('gbk')` raises instead, and the notes' client dies on
/// the first such answer; a replacement character shows where the guess was wrong.
pub fn decode<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Cow<'a, str> {
    encoding.decode_without_bom_handling(bytes).0
}

/// Writes an answer as text: `bytes` read in `encoding`, written out as UTF-8 (which a
/// Windows console shows right whatever its code page: Rust's stdout turns it into UTF-16
/// there, and refuses bytes that are not UTF-8, such as raw GBK).
pub fn write_text(
    out: &mut impl std::io::Write,
    bytes: &[u8],
    encoding: &'static Encoding,
) -> std::io::Result<()> {
    out.write_all(decode(bytes, encoding).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(not(windows))]
    #[test]
    fn the_default_is_utf8_off_windows() {
        assert_eq!(default_encoding(), UTF_8);
    }

    #[test]
    fn gbk_bytes_read_as_gbk_are_the_chinese_text() {
        let gbk = parse("gbk").unwrap();
        assert_eq!(decode(b"\xc4\xe3\xba\xc3\r\n", gbk), "你好\r\n");
        // The code page number names the same encoding.
        assert_eq!(parse("936").unwrap(), gbk);
    }

    #[test]
    fn utf8_bytes_read_as_gbk_are_other_characters() {
        let gbk = parse("gbk").unwrap();
        assert_eq!(decode("你好".as_bytes(), gbk), "浣犲ソ");
        // 中文 (e4 b8 ad e6 96 87) read in pairs: 涓, a GBK user-defined code (ad e6) that
        // encoding_rs maps to a private-use character, and 枃. Python's gbk codec refuses
        // ad e6 and raises UnicodeDecodeError: the notes' client would die on it.
        assert_eq!(decode("中文".as_bytes(), gbk), "涓\u{e15f}枃");
    }

    #[test]
    fn gbk_bytes_read_as_utf8_are_replacement_characters() {
        assert_eq!(
            decode(b"\xd6\xd0\xce\xc4", UTF_8),
            "\u{fffd}\u{fffd}\u{fffd}\u{fffd}"
        );
    }

    #[test]
    fn an_unknown_name_is_refused_with_a_hint() {
        assert!(parse("klingon").unwrap_err().contains("try gbk"));
        assert!(parse("437").unwrap_err().contains("code page 437"));
    }
}
