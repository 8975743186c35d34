//! The course's answer to exercise 08 (lessons/exercises/08_checked_answer.rs).

use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;

/// The longest header accepted, in bytes, as lesson 08's `header::read_header`.
pub const MAX_HEADER: usize = 64 * 1024;

/// The longest body accepted: it is kept in memory (lesson 09 streams to disk instead).
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

/// Reads one answer from `reader` and returns its body.
pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    // 1. The header's length: read_exact loops over short reads.
    let mut length = [0u8; 4];
    reader
        .read_exact(&mut length)
        .map_err(|e| format!("reading the 4-byte header length: {e}"))?;
    // Checked before anything is allocated or read: it comes from the peer.
    let length = i32::from_le_bytes(length);
    if length < 0 || length as usize > MAX_HEADER {
        return Err(format!(
            "header length {length} refused: negative or over {MAX_HEADER} bytes"
        ));
    }
    // 2. The header, however it arrives.
    let mut header = vec![0u8; length as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| format!("reading the {length}-byte header: {e}"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| format!("the header is not JSON: {e}"))?;
    let total_size = header["total_size"]
        .as_u64()
        .ok_or("the header has no total_size (a number)")?;
    let md5 = header["md5"]
        .as_str()
        .ok_or("the header has no md5 (a string)")?;
    if total_size > MAX_BODY {
        return Err(format!(
            "size check failed: total_size {total_size} is over the limit of {MAX_BODY} bytes"
        ));
    }
    // 3. The body: at most total_size bytes, read until they are all in or the stream ends.
    let mut body = Vec::with_capacity(total_size as usize);
    reader
        .take(total_size)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the body: {e}"))?;
    // 4. The two promises, each with its own message.
    if (body.len() as u64) < total_size {
        return Err(format!(
            "size check failed: the header says total_size {total_size}, the stream ended \
             after {} bytes",
            body.len()
        ));
    }
    let got = md5_hex(&body);
    if !got.eq_ignore_ascii_case(md5) {
        return Err(format!(
            "md5 check failed: the header says {md5:?}, the {} bytes received hash to {got}",
            body.len()
        ));
    }
    Ok(body)
}
