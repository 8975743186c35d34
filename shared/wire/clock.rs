//! The time server's clock and its formatting (lesson 12, notes C 自制时间服务器).
//!
//! The notes' server answers each datagram with `time.strftime(format, time.localtime())`,
//! the format being whatever the client sent (`%Y-%m-%d %X` when it sent nothing). Here the
//! clock is a value, so the demo and the tests can fix it and get the same answer every
//! run, and the format is checked before use: a client's bad format gets an error answer,
//! never a crash, and no answer grows past what the notes' client reads.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, FixedOffset, Local};
use std::fmt::Write;

/// What an empty request means (notes C: `time_fmt = '%Y-%m-%d %X'`).
pub const DEFAULT_FORMAT: &str = "%Y-%m-%d %X";

/// The longest format accepted, in bytes. Formats are short; a long one is a mistake or an
/// attempt to make the server do work.
pub const MAX_FORMAT_LEN: usize = 256;

/// The longest answer sent, in bytes: the notes' client reads `recv(1024)`, and a larger
/// datagram would be cut short there without a word (lesson 05).
pub const MAX_ANSWER_LEN: usize = 1024;

/// Where the time comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clock {
    /// The machine's clock, in its local time zone (the notes' `time.localtime()`).
    System,
    /// Always this instant: for the demo and the tests.
    Fixed(DateTime<FixedOffset>),
}

impl Clock {
    /// The time now, with its offset from UTC.
    pub fn now(&self) -> DateTime<FixedOffset> {
        match self {
            Clock::System => Local::now().fixed_offset(),
            Clock::Fixed(at) => *at,
        }
    }

    /// A fixed clock from RFC 3339 text, `2021-07-25T22:07:26+08:00`.
    pub fn fixed(text: &str) -> Result<Clock, String> {
        DateTime::parse_from_rfc3339(text)
            .map(Clock::Fixed)
            .map_err(|e| {
                crate::tr!(
                    "{text:?} is not an RFC 3339 time like 2021-07-25T22:07:26+08:00: {e}"
                        | "{text:?} 不是 2021-07-25T22:07:26+08:00 这样的 RFC 3339 时间：{e}"
                )
            })
    }
}

/// The answer to one request: `at` formatted with the format the client sent, or what is
/// wrong with the request, in one line. The error is an answer on the wire, so it is
/// English in both languages: the bytes a client gets do not change with the language of
/// the server's log.
pub fn answer(request: &[u8], at: DateTime<FixedOffset>) -> Result<String, String> {
    let Ok(format) = std::str::from_utf8(request) else {
        return Err("the format is not UTF-8 text".into());
    };
    if format.len() > MAX_FORMAT_LEN {
        return Err(format!(
            "the format is {} bytes; the limit is {MAX_FORMAT_LEN}",
            format.len()
        ));
    }
    let format = if format.is_empty() {
        DEFAULT_FORMAT
    } else {
        format
    };
    // Parse first: chrono's formatter reports a bad specifier (`%Q`) as fmt::Error, and
    // `to_string()` on that panics. Checked here, it is an answer instead.
    let items: Vec<Item> = StrftimeItems::new(format)
        .parse()
        .map_err(|_| format!("{format:?} is not a valid time format"))?;
    let mut out = String::new();
    write!(out, "{}", at.format_with_items(items.iter()))
        .map_err(|_| format!("{format:?} cannot be formatted"))?;
    if out.len() > MAX_ANSWER_LEN {
        return Err(format!(
            "the answer would be {} bytes; the limit is {MAX_ANSWER_LEN}",
            out.len()
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> DateTime<FixedOffset> {
        match Clock::fixed("2021-07-25T22:07:26+08:00").unwrap() {
            Clock::Fixed(at) => at,
            Clock::System => unreachable!(),
        }
    }

    #[test]
    fn an_empty_request_gets_the_notes_default_format() {
        assert_eq!(answer(b"", at()).unwrap(), "2021-07-25 22:07:26");
    }

    #[test]
    fn formats_mean_what_they_mean_in_python() {
        assert_eq!(answer(b"%Y %m %d", at()).unwrap(), "2021 07 25");
        assert_eq!(answer(b"%X", at()).unwrap(), "22:07:26");
        assert_eq!(answer(b"%c", at()).unwrap(), "Sun Jul 25 22:07:26 2021");
        assert_eq!(answer(b"%A %B %j", at()).unwrap(), "Sunday July 206");
        assert_eq!(answer("%H点%M分".as_bytes(), at()).unwrap(), "22点07分");
    }

    #[test]
    fn a_bad_format_is_an_answer_not_a_panic() {
        assert_eq!(
            answer(b"%Q", at()).unwrap_err(),
            "\"%Q\" is not a valid time format"
        );
        assert!(answer(b"100%", at()).is_err());
        assert_eq!(
            answer(b"\xff%Y", at()).unwrap_err(),
            "the format is not UTF-8 text"
        );
    }

    #[test]
    fn long_formats_and_long_answers_are_refused() {
        let long = "x".repeat(MAX_FORMAT_LEN + 1);
        assert!(answer(long.as_bytes(), at())
            .unwrap_err()
            .contains("257 bytes"));
        // 128 × %c is 256 bytes of format and 3072 of answer.
        let wide = "%c".repeat(MAX_FORMAT_LEN / 2);
        assert!(answer(wide.as_bytes(), at())
            .unwrap_err()
            .contains("3072 bytes"));
    }

    #[test]
    fn the_system_clock_and_a_bad_fixed_time() {
        assert!(answer(b"%Y", Clock::System.now()).is_ok());
        assert!(Clock::fixed("yesterday").is_err());
    }
}
