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
use crate::wire::framing::{encode_len, read_frame_limited};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::{self, IoSlice, Read, Write};

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
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a header of {} bytes is over the limit of {MAX_HEADER_LEN}",
                json.len()
            ),
        ));
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
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a header of {} bytes is over the limit of {MAX_HEADER_LEN}",
                header.len()
            ),
        ));
    }
    encode_len(header.len())
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
pub fn read_header<T: DeserializeOwned>(reader: &mut impl Read) -> io::Result<Option<T>> {
    let Some(json) = read_frame_limited(reader, MAX_HEADER_LEN)? else {
        return Ok(None);
    };
    parse(&json).map(Some)
}

/// Parses header bytes, with errors that say what was wrong.
pub fn parse<T: DeserializeOwned>(json: &[u8]) -> io::Result<T> {
    // A header is a JSON object. serde's derived structs also accept an array of the
    // fields in order (`[5, "md5…", "stdout"]`), which no notes program sends: checked
    // first, so such a header is refused like any other that is not the expected object.
    let value: serde_json::Value = serde_json::from_slice(json).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the header is not JSON: {e} (header: {})",
                framing_preview(json)
            ),
        )
    })?;
    if !value.is_object() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "the header is not the expected object: it is a JSON {} (header: {})",
                json_kind(&value),
                framing_preview(json)
            ),
        ));
    }
    serde_json::from_value(value).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Data => "the header is not the expected object",
            _ => "the header is not JSON",
        };
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{what}: {e} (header: {})", framing_preview(json)),
        )
    })
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
