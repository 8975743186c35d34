//! A right answer to exercise 08 in another style, whose md5 error also mentions the
//! size ("md5 mismatch over a body of the announced size"): each error names its own
//! check first. The body is read with read_exact into a buffer of total_size.

use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;

pub const MAX_HEADER: usize = 64 * 1024;
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

fn header(reader: &mut dyn Read, max: usize) -> Result<serde_json::Value, String> {
    let mut length = [0u8; 4];
    reader
        .read_exact(&mut length)
        .map_err(|e| format!("reading the header length: {e}"))?;
    let length = i32::from_le_bytes(length);
    if length < 0 || length as usize > max {
        return Err(format!("header length {length} refused"));
    }
    let mut header = vec![0u8; length as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| format!("reading the header: {e}"))?;
    serde_json::from_slice(&header).map_err(|e| format!("the header is not JSON: {e}"))
}

pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    let header = header(reader, MAX_HEADER)?;
    let total_size = header["total_size"]
        .as_u64()
        .ok_or("no total_size in the header")?;
    let md5 = header["md5"]
        .as_str()
        .ok_or("no md5 in the header")?
        .to_owned();
    if total_size > MAX_BODY {
        return Err(format!("size {total_size} is over the limit of {MAX_BODY}"));
    }
    let mut body = vec![0u8; total_size as usize];
    reader
        .read_exact(&mut body)
        .map_err(|e| format!("size check failed: fewer than {total_size} bytes came ({e})"))?;
    let got = md5_hex(&body);
    if got != md5 {
        return Err(format!(
            "md5 mismatch over a body of the announced size ({total_size} bytes): {got}"
        ));
    }
    Ok(body)
}
