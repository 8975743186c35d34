//! Labelled output: every line a lesson prints says who printed it.
//!
//! ```text
//! [server] listening on 127.0.0.1:9696
//! [client] send 5 bytes b"hello"
//! ```
//!
//! Each line is written with stdout locked and flushed at once, so lines from the server and
//! client threads never mix inside a line; the *order* of lines is the lesson's business
//! (see [`crate::stage::demo`]).

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Write};

/// Who is speaking: `[server]`, `[client]`, `[client 2]` …
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    label: Cow<'static, str>,
}

impl Transcript {
    /// `[server]`
    pub const fn server() -> Self {
        Self {
            label: Cow::Borrowed("server"),
        }
    }

    /// `[client]`
    pub const fn client() -> Self {
        Self {
            label: Cow::Borrowed("client"),
        }
    }

    /// Any other label, for example `client 2` or `peer alice`.
    pub fn named(label: impl Into<Cow<'static, str>>) -> Self {
        Self {
            label: label.into(),
        }
    }

    /// The label without brackets, in the language of the moment: `server` / `服务端`,
    /// `client 2` / `客户端 2` (other labels as they were given).
    pub fn label(&self) -> Cow<'_, str> {
        if !crate::lang::zh() {
            return Cow::Borrowed(&self.label);
        }
        for (en, zh) in [("server", "服务端"), ("client", "客户端")] {
            if let Some(rest) = self.label.strip_prefix(en) {
                if rest.is_empty() || rest.starts_with(' ') {
                    return Cow::Owned(format!("{zh}{rest}"));
                }
            }
        }
        Cow::Borrowed(&self.label)
    }

    /// Prints `text`, every line of it behind this label. Use the [`say!`](crate::say)
    /// macro for formatting.
    pub fn say(&self, text: impl fmt::Display) {
        let text = text.to_string();
        let label = self.label();
        let mut out = io::stdout().lock();
        // A closed stdout (say, piped into `head`) is no reason to stop a server: write
        // errors are ignored here on purpose.
        if text.is_empty() {
            let _ = writeln!(out, "[{label}]");
        }
        for line in text.lines() {
            let _ = writeln!(out, "[{label}] {line}");
        }
        let _ = out.flush();
    }
}

/// One labelled line (see [`Transcript::say`]):
///
/// - `say!(who, "English {x}" | "中文 {x}", args…)`: in the language of the moment
///   ([`crate::lang`]); both texts take the same arguments;
/// - `say!(who, "format {}", args…)`: the same text in both languages, for a line with no
///   words to translate (bytes, numbers, a command's own output).
#[macro_export]
macro_rules! say {
    ($who:expr, $en:literal | $zh:literal $(, $($arg:tt)*)?) => {
        match $crate::lang::lang() {
            $crate::lang::Lang::Zh => $who.say(::std::format_args!($zh $(, $($arg)*)?)),
            $crate::lang::Lang::En => $who.say(::std::format_args!($en $(, $($arg)*)?)),
        }
    };
    ($who:expr, $($arg:tt)*) => {
        $who.say(::std::format_args!($($arg)*))
    };
}

/// Bytes written the way a Rust byte-string literal (and, quotes aside, Python's `repr`)
/// writes them: printable ASCII as itself, everything else escaped. `b"he\xe4"`.
pub fn bytes_literal(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

/// What a `recv` returned, in one phrase: the byte count, the bytes, and the text when the
/// bytes are more than plain ASCII.
///
/// - `5 bytes b"HELLO"`
/// - `6 bytes b"\xe4\xbd\xa0\xe5\xa5\xbd", UTF-8 text "你好"`
/// - `6 bytes b"caf\xe9 x", not UTF-8: byte 0xe9 at offset 3 is invalid`
/// - `2 bytes b"\xe4\xbd", not UTF-8: a character is cut off at offset 0`
///
/// ```
/// use socket_lessons::stage::transcript::describe;
/// assert_eq!(describe(b"HELLO"), r#"5 bytes b"HELLO""#);
/// // "你" is three bytes; two of them are not a character yet.
/// assert_eq!(
///     describe(&"你".as_bytes()[..2]),
///     r#"2 bytes b"\xe4\xbd", not UTF-8: a character is cut off at offset 0"#
/// );
/// ```
pub fn describe(bytes: &[u8]) -> String {
    let head = format!(
        "{} {} {}",
        bytes.len(),
        plural(bytes.len()),
        bytes_literal(bytes)
    );
    if bytes.is_ascii() {
        return head;
    }
    match std::str::from_utf8(bytes) {
        // Escaped as Rust escapes a string, and the invisible characters Rust shows as they
        // are (guard::quiet::escape_invisible).
        Ok(text) => {
            let text = crate::guard::quiet::escape_invisible(format!("{text:?}"));
            crate::tr!("{head}, UTF-8 text {text}" | "{head}，UTF-8 文本 {text}")
        }
        Err(e) => crate::tr!(
            "{head}, not UTF-8: {}" | "{head}，不是 UTF-8：{}",
            utf8_problem(bytes, e)
        ),
    }
}

/// What a peer sent, for a server's log: [`describe`] when it is short (up to
/// [`crate::guard::quiet::PREVIEW_BYTES`]), else its size and a short preview
/// (`1024 bytes b"GET / HTTP/1.1\r\nHost: example"…`), so that no line grows with what a
/// peer sends.
///
/// ```
/// use socket_lessons::stage::transcript::describe_peer;
/// assert_eq!(describe_peer(b"hello"), r#"5 bytes b"hello""#);
/// assert!(describe_peer(&[0xff; 100_000]).len() < 200);
/// let cut = "你".repeat(400);
/// assert!(describe_peer(&cut.as_bytes()[..1024])
///     .ends_with("not UTF-8: a character is cut off at offset 1023"));
/// ```
pub fn describe_peer(bytes: &[u8]) -> String {
    use crate::guard::quiet::{preview_text, PREVIEW_BYTES};
    if bytes.len() <= PREVIEW_BYTES {
        return describe(bytes);
    }
    let head = crate::tr!(
        "{} bytes {}…" | "{} 字节 {}…",
        bytes.len(),
        bytes_literal(&bytes[..PREVIEW_BYTES])
    );
    if bytes.is_ascii() {
        return head;
    }
    // Whether the whole buffer is UTF-8, said in a phrase of bounded length.
    match std::str::from_utf8(bytes) {
        Ok(text) => crate::tr!(
            "{head}, UTF-8 text {}" | "{head}，UTF-8 文本 {}",
            preview_text(text)
        ),
        Err(e) => crate::tr!(
            "{head}, not UTF-8: {}" | "{head}，不是 UTF-8：{}",
            utf8_problem(bytes, e)
        ),
    }
}

/// Like [`describe`], but a long buffer is shown by its first and last bytes:
/// `1024 bytes b"1\n2\n3\n4\n5\n"…b"282\n283\n"`. Buffers of up to `2 * edge` bytes are
/// shown whole.
pub fn describe_ends(bytes: &[u8], edge: usize) -> String {
    if bytes.len() <= 2 * edge {
        return describe(bytes);
    }
    let (head, tail) = (&bytes[..edge], &bytes[bytes.len() - edge..]);
    crate::tr!(
        "{} bytes {}…{}" | "{} 字节 {}…{}",
        bytes.len(),
        bytes_literal(head),
        bytes_literal(tail)
    )
}

/// Like [`describe_ends`], but an answer of up to [`WHOLE`] bytes (a one-line error
/// message, say) is always shown whole: cut in the middle, `error: unknown c…` says less
/// than nothing.
pub fn describe_answer(bytes: &[u8], edge: usize) -> String {
    if bytes.len() <= WHOLE {
        return describe(bytes);
    }
    describe_ends(bytes, edge)
}

/// The longest answer [`describe_answer`] shows whole.
pub const WHOLE: usize = 160;

/// Why `bytes` are not UTF-8, in words a learner can act on.
pub fn utf8_problem(bytes: &[u8], err: std::str::Utf8Error) -> String {
    let at = err.valid_up_to();
    match err.error_len() {
        // The bytes stop in the middle of a multi-byte character: typical when a recv cut a
        // message at a byte count rather than at a character boundary (lesson 04, scene 4).
        None => crate::tr!("a character is cut off at offset {at}" | "偏移 {at} 处的字符被截断了"),
        Some(_) => crate::tr!(
            "byte {:#04x} at offset {at} is invalid" | "偏移 {at} 处的字节 {:#04x} 无效",
            bytes[at]
        ),
    }
}

/// Bytes as space-separated hex: `ff ff ff ff`.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first `shown` bytes as hex followed by `…`, for transcripts: enough to see that two
/// values differ, short enough to read.
pub fn hex_start(bytes: &[u8], shown: usize) -> String {
    let mut out: String = bytes
        .iter()
        .take(shown)
        .map(|b| format!("{b:02x}"))
        .collect();
    if bytes.len() > shown {
        out.push('…');
    }
    out
}

/// Bytes as Python's `repr` shows them: `b'...'`, printable ASCII as itself, the rest as
/// `\xNN` (lesson 06 prints a bare command the way the notes' Python would).
pub fn python_repr(bytes: &[u8]) -> String {
    format!("b'{}'", bytes.escape_ascii())
}

/// Text that should be UTF-8 (a JSON header), shown as it is, any bad byte as U+FFFD.
pub fn text_lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The first `shown` bytes of a request as spaced hex, with its length: `5 bytes 68 65 6c
/// 6c 6f`, or `… ` after the first `shown` when there are more.
pub fn hex_preview(wire: &[u8], shown: usize) -> String {
    if wire.len() <= shown {
        crate::tr!("{} bytes {}" | "{} 字节 {}", wire.len(), hex(wire))
    } else {
        crate::tr!(
            "{} bytes {} …" | "{} 字节 {} …",
            wire.len(),
            hex(&wire[..shown])
        )
    }
}

/// A JSON-header message (4-byte little-endian length, header, body) in three parts: the
/// length in hex, the header as text, the body as a byte literal.
pub fn describe_header_message(wire: &[u8]) -> String {
    if wire.len() <= 4 {
        return crate::tr!("header length {}" | "报头长度 {}", hex(wire));
    }
    let len = i32::from_le_bytes([wire[0], wire[1], wire[2], wire[3]]) as usize;
    let rest = &wire[4..];
    let (json, body) = rest.split_at(len.min(rest.len()));
    crate::tr!(
        "{} + {} + body {}" | "{} + {} + 真实数据 {}",
        hex(&wire[..4]),
        String::from_utf8_lossy(json),
        bytes_literal(body)
    )
}

fn plural(n: usize) -> &'static str {
    if crate::lang::zh() {
        "字节"
    } else if n == 1 {
        "byte"
    } else {
        "bytes"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_start_shows_the_first_bytes() {
        assert_eq!(hex_start(&[0xab, 0x01, 0xff], 2), "ab01…");
        assert_eq!(hex_start(&[0xab], 2), "ab");
    }

    #[test]
    fn bytes_are_shown_like_a_byte_string_literal() {
        assert_eq!(bytes_literal(b"hi\n\"x\"\0"), r#"b"hi\n\"x\"\x00""#);
        assert_eq!(bytes_literal("你".as_bytes()), r#"b"\xe4\xbd\xa0""#);
    }

    #[test]
    fn ascii_is_described_without_a_text_part() {
        assert_eq!(describe(b"HELLO"), r#"5 bytes b"HELLO""#);
        assert_eq!(describe(b"q"), r#"1 byte b"q""#);
        assert_eq!(describe(b""), r#"0 bytes b"""#);
    }

    #[test]
    fn utf8_text_is_shown_beside_its_bytes() {
        assert_eq!(
            describe("你好".as_bytes()),
            r#"6 bytes b"\xe4\xbd\xa0\xe5\xa5\xbd", UTF-8 text "你好""#
        );
        // A Hangul filler, which Rust's {:?} shows as it is, shows escaped (attack 11,
        // lesson 06's client).
        assert!(describe("A\u{3164}B".as_bytes()).ends_with(r#"UTF-8 text "A\u{3164}B""#));
    }

    #[test]
    fn long_buffers_are_shown_by_their_ends() {
        assert_eq!(describe_ends(b"abcdef", 3), r#"6 bytes b"abcdef""#);
        assert_eq!(describe_ends(b"abcdefg", 3), r#"7 bytes b"abc"…b"efg""#);
    }

    #[test]
    fn invalid_and_cut_utf8_are_told_apart() {
        // Latin-1 "café crème": 0xe9 followed by a space can never be UTF-8.
        assert_eq!(
            describe(b"caf\xe9 cr\xe8me"),
            r#"10 bytes b"caf\xe9 cr\xe8me", not UTF-8: byte 0xe9 at offset 3 is invalid"#
        );
        // The same 0xe9 at the very end could still be the start of a 3-byte character.
        assert_eq!(
            describe(b"caf\xe9"),
            r#"4 bytes b"caf\xe9", not UTF-8: a character is cut off at offset 3"#
        );
        assert_eq!(
            describe(b"a\xe4\xbd"),
            r#"3 bytes b"a\xe4\xbd", not UTF-8: a character is cut off at offset 1"#
        );
    }
}
