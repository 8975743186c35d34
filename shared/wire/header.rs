//! JSON headers: notes C 方案二 可自定制报头, notes D 解决粘包问题, notes A §9.2.
//!
//! A bare length (lesson 06) says one thing about the body. A header *object* can say
//! anything: its size, its md5, its name, its type. The notes serialize a dict with
//! `json.dumps`, and since JSON has no length of its own on a stream, they put a
//! `struct.pack('i', len(header))` before it. A message is then three parts:
//!
//! ```text
//! +-------------+------------------------------------------+--------------------+
//! | 4c 00 00 00 | {"total_size":6,"md5":"b1946ac9…","…"}   | hello\n            |
//! +-------------+------------------------------------------+--------------------+
//!  header length  header: JSON, UTF-8, that many bytes       body: total_size bytes
//!  struct 'i'
//! ```
//!
//! The 4-byte length is read with the framing rules of lesson 06 (exactly 4 bytes, checked
//! before allocating), with a much smaller limit: [`MAX_HEADER_LEN`]. The body's size comes
//! from the header, as a JSON number: not limited to the 2 GiB of `'i'`.

use crate::wire::framing::write_all_vectored;
use crate::wire::framing::{encode_len, hex, read_up_to, LEN_PREFIX_BYTES};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt;
use std::io::{self, IoSlice, Read, Write};

/// Why something was refused, said twice: for the wire, in English, and for this program's
/// own output, in the language of the moment ([`crate::lang`]).
///
/// A server that refuses a request says why in its answer (lesson 09's `{"error": …}`
/// header). The answer is wire bytes, English in both languages, as lesson 06's refusal is:
/// what a client receives does not depend on the language its server's log speaks. The
/// server's log line says the same in its own language. Built with [`reason!`](crate::reason):
///
/// ```
/// use socket_lessons::lang::{self, Lang};
/// use socket_lessons::reason;
/// lang::set(Lang::Zh);
/// let why = reason!("no such file: {}" | "没有这个文件：{}", "x.bin");
/// assert_eq!(why.wire, "no such file: x.bin");
/// assert_eq!(why.to_string(), "没有这个文件：x.bin");
/// lang::set(Lang::En);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// What goes on the wire: English, whatever the language of the moment.
    pub wire: String,
    /// What this program prints: in the language of the moment (English in English).
    pub shown: String,
}

impl Reason {
    /// The same text in both (a name, a number, the OS's own message).
    pub fn same(text: impl Into<String>) -> Self {
        let text = text.into();
        Reason {
            wire: text.clone(),
            shown: text,
        }
    }

    /// This reason inside a longer sentence, each language around its own text:
    /// `why.within(|w| format!("{w}; nothing saved"), |w| format!("{w}；什么也没保存"))`.
    pub fn within(&self, en: impl Fn(&str) -> String, zh: impl Fn(&str) -> String) -> Self {
        Reason {
            wire: en(&self.wire),
            shown: if crate::lang::zh() {
                zh(&self.shown)
            } else {
                en(&self.shown)
            },
        }
    }

    /// An I/O error as a reason: the wire gets its English where it carries one (a
    /// [`Reason`] inside it, or the OS's own message), the output its text in the language
    /// of the moment ([`crate::lang::error_text`]: an OS error in Chinese with its number).
    pub fn of(err: &io::Error) -> Self {
        Reason {
            wire: wire_text(err),
            shown: crate::lang::error_text(err),
        }
    }

    /// As an `io::Error` of `kind` that still carries both texts ([`wire_text`] finds the
    /// English again).
    pub fn into_error(self, kind: io::ErrorKind) -> io::Error {
        io::Error::new(kind, self)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl std::error::Error for Reason {}

/// `reason!("English {x}" | "中文 {x}", args…)`: a [`Reason`], the English for the wire and
/// the text in the language of the moment for the output. Both texts take the same
/// arguments (evaluated once for each).
#[macro_export]
macro_rules! reason {
    ($en:literal | $zh:literal $(, $($arg:tt)*)?) => {
        $crate::wire::header::Reason {
            wire: ::std::format!($en $(, $($arg)*)?),
            shown: $crate::tr!($en | $zh $(, $($arg)*)?),
        }
    };
}

/// What an error says on the wire: the English of a [`Reason`] it carries; else its own
/// message (for an OS error, the OS's words, which are the same in both languages here).
pub fn wire_text(err: &io::Error) -> String {
    match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<Reason>())
    {
        Some(reason) => reason.wire.clone(),
        None => err.to_string(),
    }
}

/// The largest header accepted: 64 KiB. The notes' headers are under 200 bytes; a length
/// above this is garbage or an attack, and is refused before anything is allocated.
pub const MAX_HEADER_LEN: usize = 64 * 1024;

/// `json.dumps(header).encode()`: the header's bytes, checked against [`MAX_HEADER_LEN`].
///
/// serde_json writes compact JSON (`{"a":1}`); Python's `json.dumps` adds spaces (`{"a": 1}`).
/// Both are the same JSON to any reader.
pub fn encode<T: Serialize>(header: &T) -> io::Result<Vec<u8>> {
    let json = serde_json::to_vec(header).map_err(io::Error::other)?;
    if json.len() > MAX_HEADER_LEN {
        return Err(too_long(json.len()));
    }
    Ok(json)
}

/// Sends a whole message, header length + header + body, in one write (a `writev`): the
/// notes' three (or four) `send` calls, without their Nagle stall and without their
/// partial sends.
pub fn write_message(writer: &mut impl Write, header: &[u8], body: &[u8]) -> io::Result<()> {
    let len = header_len(header)?;
    write_all_vectored(
        writer,
        &mut [IoSlice::new(&len), IoSlice::new(header), IoSlice::new(body)],
    )
}

/// Sends header length + header, in one write; the body follows separately (a file that is
/// streamed rather than held in memory).
pub fn write_header(writer: &mut impl Write, header: &[u8]) -> io::Result<()> {
    let len = header_len(header)?;
    write_all_vectored(writer, &mut [IoSlice::new(&len), IoSlice::new(header)])
}

fn header_len(header: &[u8]) -> io::Result<[u8; 4]> {
    if header.len() > MAX_HEADER_LEN {
        return Err(too_long(header.len()));
    }
    encode_len(header.len())
}

fn too_long(len: usize) -> io::Error {
    crate::reason!(
        "a header of {len} bytes is over the limit of {MAX_HEADER_LEN}"
            | "JSON 报头有 {len} 字节，超过了 {MAX_HEADER_LEN} 字节的上限"
    )
    .into_error(io::ErrorKind::InvalidInput)
}

/// Reads the header length and the header, and parses the header as `T`.
///
/// - `Ok(None)`: the stream ended cleanly before a message;
/// - `Err` of kind `UnexpectedEof`: it ended inside the length or the header;
/// - `Err` of kind `InvalidData`: a negative length or one over [`MAX_HEADER_LEN`], a header
///   that is not JSON, or one that lacks a field `T` needs. The message says which, in
///   serde_json's words (`missing field `total_size` at line 1 column 52`).
///
/// Unlike the notes' `recv(header_len)`, a header that arrives in pieces is put together.
///
/// The header length is read by lesson 06's rules (exactly 4 bytes, checked before anything
/// is allocated), with errors that say both languages ([`Reason`]): a server puts them in
/// its answer.
pub fn read_header<T: DeserializeOwned>(reader: &mut impl Read) -> io::Result<Option<T>> {
    let mut prefix = [0u8; LEN_PREFIX_BYTES];
    let got = read_up_to(reader, &mut prefix)?;
    if got == 0 {
        return Ok(None);
    }
    if got < LEN_PREFIX_BYTES {
        return Err(crate::reason!(
            "the stream ended inside a frame header, after {got} of {LEN_PREFIX_BYTES} bytes ({})"
                | "字节流在 {LEN_PREFIX_BYTES} 字节的报头长度中间结束了：只到了 {got} 字节（{}）",
            hex(&prefix[..got])
        )
        .into_error(io::ErrorKind::UnexpectedEof));
    }
    let len = i32::from_le_bytes(prefix);
    if len < 0 {
        return Err(crate::reason!(
            "bad frame header {}: length {len} is negative" | "报头长度 {} 不对：长度 {len} 是负数",
            hex(&prefix)
        )
        .into_error(io::ErrorKind::InvalidData));
    }
    let len = len as usize;
    if len > MAX_HEADER_LEN {
        return Err(crate::reason!(
            "bad frame header {}: length {len} is over the limit of {MAX_HEADER_LEN} bytes"
                | "报头长度 {} 不对：长度 {len} 超过了 {MAX_HEADER_LEN} 字节的上限",
            hex(&prefix)
        )
        .into_error(io::ErrorKind::InvalidData));
    }
    // Allocation happens only now, for a length known to be at most MAX_HEADER_LEN.
    let mut json = Vec::with_capacity(len);
    let got = reader.take(len as u64).read_to_end(&mut json)?;
    if got < len {
        return Err(crate::reason!(
            "the stream ended inside a frame body, after {got} of {len} bytes"
                | "字节流在 JSON 报头中间结束了：{len} 字节只到了 {got} 字节"
        )
        .into_error(io::ErrorKind::UnexpectedEof));
    }
    parse(&json).map(Some)
}

/// Parses header bytes, with errors that say what was wrong.
pub fn parse<T: DeserializeOwned>(json: &[u8]) -> io::Result<T> {
    // A header is a JSON object. serde's derived structs also accept an array of the
    // fields in order (`[5, "md5…", "stdout"]`), which no notes program sends: checked
    // first, so such a header is refused like any other that is not the expected object.
    let shown = framing_preview(json);
    let value: serde_json::Value =
        serde_json::from_slice(json).map_err(|e| not_json(&e, &shown))?;
    if !value.is_object() {
        let kind = json_kind(&value);
        return Err(crate::reason!(
            "the header is not the expected object: it is a JSON {kind} (header: {shown})"
                | "JSON 报头不是预期的对象：它是一个 JSON {kind}（报头：{shown}）"
        )
        .into_error(io::ErrorKind::InvalidData));
    }
    serde_json::from_value(value).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => crate::reason!(
            "the header is not the expected object: {e} (header: {shown})"
                | "JSON 报头不是预期的对象：“{e}”（报头：{shown}）"
        )
        .into_error(io::ErrorKind::InvalidData),
        _ => not_json(&e, &shown),
    })
}

/// A header that is not JSON at all, with serde_json's own words: in English as it says
/// them, and in Chinese with its position in Chinese and its words quoted (they are the
/// library's).
fn not_json(e: &serde_json::Error, shown: &str) -> io::Error {
    let words = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    let zh = match words.strip_suffix(&at) {
        Some(what) if e.line() > 0 => {
            format!("第 {} 行第 {} 列：“{what}”", e.line(), e.column())
        }
        _ => format!("“{words}”"),
    };
    Reason {
        wire: format!("the header is not JSON: {words} (header: {shown})"),
        shown: crate::tr!(
            "the header is not JSON: {words} (header: {shown})"
                | "JSON 报头不是合法的 JSON：{zh}（报头：{shown}）"
        ),
    }
    .into_error(io::ErrorKind::InvalidData)
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// The first bytes of a header, for an error message.
fn framing_preview(json: &[u8]) -> String {
    const SHOWN: usize = 60;
    if json.len() <= SHOWN {
        format!("b\"{}\"", json.escape_ascii())
    } else {
        format!("b\"{}\"…", json[..SHOWN].escape_ascii())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Header {
        total_size: u64,
        md5: String,
    }

    #[test]
    fn a_message_is_length_then_json_then_body() {
        let header = encode(&Header {
            total_size: 2,
            md5: "x".into(),
        })
        .unwrap();
        let mut wire = Vec::new();
        write_message(&mut wire, &header, b"hi").unwrap();
        assert_eq!(&wire[..4], &(header.len() as i32).to_le_bytes());
        assert_eq!(&wire[4..4 + header.len()], br#"{"total_size":2,"md5":"x"}"#);
        assert_eq!(&wire[4 + header.len()..], b"hi");
        let mut reader = &wire[..];
        let back: Header = read_header(&mut reader).unwrap().unwrap();
        assert_eq!(back.total_size, 2);
        assert_eq!(reader, b"hi");
    }

    #[test]
    fn a_size_past_4_gib_survives_the_round_trip() {
        let json = encode(&Header {
            total_size: 5 << 30,
            md5: String::new(),
        })
        .unwrap();
        let back: Header = parse(&json).unwrap();
        assert_eq!(back.total_size, 5_368_709_120);
    }

    #[test]
    fn a_header_that_is_not_json_is_invalid_data_that_says_so() {
        let mut wire = Vec::new();
        write_header(&mut wire, b"hello").unwrap();
        let err = read_header::<Header>(&mut &wire[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string().starts_with("the header is not JSON"),
            "{err}"
        );
    }

    #[test]
    fn a_json_array_is_not_a_header() {
        // serde's derived Deserialize would take this as {total_size: 5, md5: "x"}.
        let err = parse::<Header>(br#"[5, "x"]"#).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            err.to_string()
                .starts_with("the header is not the expected object: it is a JSON array"),
            "{err}"
        );
        assert!(parse::<Header>(b"5").is_err());
    }

    #[test]
    fn a_header_without_a_field_names_the_field() {
        let err = parse::<Header>(br#"{"md5":"x"}"#).unwrap_err();
        assert!(
            err.to_string().contains("missing field `total_size`"),
            "{err}"
        );
    }

    #[test]
    fn a_negative_header_length_is_refused() {
        let err = read_header::<Header>(&mut &b"\xff\xff\xff\xff{}"[..]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("length -1 is negative"), "{err}");
    }
}
