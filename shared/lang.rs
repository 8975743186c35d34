//! The language the programs speak: English, or Chinese (`--lang zh`, or a locale whose
//! name starts with `zh`, such as `LANG=zh_CN.UTF-8`).
//!
//! Every layer may print words (an error from [`crate::wire::framing`], a refusal from
//! [`crate::guard::names`], a demo's line), so the choice lives here, beside the layers,
//! and is read by all three. A line with words is written in both languages at the place
//! it is printed, so neither can fall behind the other unseen:
//!
//! ```
//! use socket_lessons::lang::{self, Lang};
//! use socket_lessons::tr;
//! let n = 3;
//! lang::set(Lang::Zh);
//! assert_eq!(tr!("{n} bytes" | "{n} 字节"), "3 字节");
//! lang::set(Lang::En);
//! assert_eq!(tr!("{n} bytes" | "{n} 字节"), "3 bytes");
//! ```
//!
//! Bytes stay bytes (`b"hello"`), and numbers, ports and API names stay as they are in
//! both languages; only the words around them change.

use std::sync::atomic::{AtomicU8, Ordering};

/// A language the programs can speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English, the default.
    En,
    /// Simplified Chinese.
    Zh,
}

/// 0: not chosen yet (the environment decides on first use); 1: English; 2: Chinese.
static CHOSEN: AtomicU8 = AtomicU8::new(0);

/// The language chosen with [`set`], or else the one the environment asks for.
pub fn lang() -> Lang {
    match CHOSEN.load(Ordering::Relaxed) {
        1 => Lang::En,
        2 => Lang::Zh,
        _ => {
            let found = from_env();
            set(found);
            found
        }
    }
}

/// Chooses the language for the rest of the process (`--lang`).
pub fn set(lang: Lang) {
    CHOSEN.store(
        match lang {
            Lang::En => 1,
            Lang::Zh => 2,
        },
        Ordering::Relaxed,
    );
}

/// The language a POSIX locale asks for: the first of `LC_ALL`, `LC_MESSAGES` and `LANG`
/// that is set and not empty (their order of precedence), Chinese when it starts with
/// `zh`. Windows has no such variables unless someone sets them: English there, unless
/// told (`--lang zh`).
pub fn from_env() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .map_or(Lang::En, |locale| {
            if locale.to_ascii_lowercase().starts_with("zh") {
                Lang::Zh
            } else {
                Lang::En
            }
        })
}

/// `en`, `zh`, `zh-CN`, `zh_CN.UTF-8`, `chinese`…: what `--lang` takes.
pub fn parse(name: &str) -> Result<Lang, String> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("zh") || lower == "chinese" || name == "中文" {
        Ok(Lang::Zh)
    } else if lower.starts_with("en") || lower == "english" || lower == "c" {
        Ok(Lang::En)
    } else {
        Err(format!("unknown language {name:?}: use en or zh"))
    }
}

/// Whether the programs speak Chinese now.
pub fn zh() -> bool {
    lang() == Lang::Zh
}

/// One of two texts, by the language: `pick("close", "关闭")`.
pub fn pick<'a>(en: &'a str, zh: &'a str) -> &'a str {
    match lang() {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// `tr!("English {x}" | "中文 {x}", args…)`: a `String` formatted in the language of the
/// moment. Both texts take the same arguments.
#[macro_export]
macro_rules! tr {
    ($en:literal | $zh:literal $(, $($arg:tt)*)?) => {
        match $crate::lang::lang() {
            $crate::lang::Lang::Zh => ::std::format!($zh $(, $($arg)*)?),
            $crate::lang::Lang::En => ::std::format!($en $(, $($arg)*)?),
        }
    };
}

/// An error as a line in the language of the moment. An error from the OS is described
/// the way the OS does (`Connection reset by peer (os error 104)`), in Chinese for the
/// common ones when the programs speak Chinese (`连接被对方重置，os error 104`: a comma, so that
/// the text sits in the callers' brackets without brackets of its own), the
/// number kept so that it can be looked up; any other error is its own message (the
/// library writes those in both languages where it makes them).
pub fn error_text(err: &std::io::Error) -> String {
    match (err.raw_os_error(), lang()) {
        (Some(code), Lang::Zh) => match chinese_os_error(err.kind()) {
            Some(text) => format!("{text}，os error {code}"),
            None => err.to_string(),
        },
        _ => err.to_string(),
    }
}

/// The Chinese for the OS errors the lessons meet, by kind (the numbers differ between
/// systems: 104 on Linux, 10054 on Windows, for the same reset).
fn chinese_os_error(kind: std::io::ErrorKind) -> Option<&'static str> {
    use std::io::ErrorKind::*;
    Some(match kind {
        ConnectionRefused => "连接被拒绝",
        ConnectionReset => "连接被对方重置",
        ConnectionAborted => "连接被中止",
        BrokenPipe => "管道已断开，对方已关闭连接",
        AddrInUse => "地址已被占用",
        AddrNotAvailable => "无法使用这个地址",
        NotConnected => "套接字没有连接",
        TimedOut => "连接超时",
        WouldBlock => "资源暂时不可用",
        NotFound => "没有那个文件或目录",
        PermissionDenied => "权限不够",
        AlreadyExists => "文件已存在",
        InvalidInput => "参数无效",
        Interrupted => "被信号中断",
        HostUnreachable => "主机不可达",
        NetworkUnreachable => "网络不可达",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_both_languages_parse() {
        for zh in ["zh", "zh-CN", "zh_CN.UTF-8", "ZH", "中文", "chinese"] {
            assert_eq!(parse(zh), Ok(Lang::Zh), "{zh}");
        }
        for en in ["en", "en_US.UTF-8", "english", "C"] {
            assert_eq!(parse(en), Ok(Lang::En), "{en}");
        }
        assert!(parse("fr").is_err());
    }

    #[test]
    fn os_errors_keep_their_number_in_chinese() {
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        // No OS number: the message as it is.
        assert_eq!(error_text(&reset), reset.to_string());
        #[cfg(target_os = "linux")]
        {
            let refused = std::io::Error::from_raw_os_error(111);
            assert_eq!(
                chinese_os_error(refused.kind()).map(|t| format!("{t}，os error 111")),
                Some("连接被拒绝，os error 111".to_owned())
            );
        }
    }
}
