//! Wrong answer to exercise 08 (from a teacher's blind set): narrows total_size to u32
//! before the checks ("sizes fit in 32 bits, like the header length"): a header that
//! promises 4294967302 bytes (2^32 + 6) is taken as 6, and the 6 bytes that follow, with
//! their md5, are returned as the whole answer.
//! Rejected at: a header with total_size 4294967302 (2^32 + 6), then 6 bytes that match its md5

use serde::Deserialize;
use std::io::Read;

pub const MAX_HEADER: usize = 64 * 1024;
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

#[derive(Deserialize)]
struct Header {
    total_size: u64,
    md5: String,
}

pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    let mut length = [0u8; 4];
    reader
        .read_exact(&mut length)
        .map_err(|e| format!("reading the header length: {e}"))?;
    let len = i32::from_le_bytes(length) as i64;
    if len < 0 || len > MAX_HEADER as i64 {
        return Err(format!("header length {len} refused (0..={MAX_HEADER})"));
    }
    let mut header = vec![0u8; len as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| format!("reading the header: {e}"))?;
    let header: Header = serde_json::from_slice(&header).map_err(|e| format!("bad header: {e}"))?;
    // sizes fit in 32 bits, like the 4-byte header length
    let header = Header {
        total_size: header.total_size as u32 as u64,
        md5: header.md5,
    };
    if header.total_size > MAX_BODY {
        return Err(format!(
            "size check failed: total_size {} is over {MAX_BODY}",
            header.total_size
        ));
    }
    let mut body = Vec::with_capacity(header.total_size as usize);
    reader
        .take(header.total_size)
        .read_to_end(&mut body)
        .map_err(|e| format!("reading the body: {e}"))?;
    if body.len() as u64 != header.total_size {
        return Err(format!(
            "size check failed: {} of {} bytes",
            body.len(),
            header.total_size
        ));
    }
    let got = socket_lessons::wire::checksum::md5_hex(&body);
    if !got.eq_ignore_ascii_case(&header.md5) {
        return Err(format!("md5 check failed: {got} != {}", header.md5));
    }
    Ok(body)
}
