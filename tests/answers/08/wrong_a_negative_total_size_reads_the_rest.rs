//! Wrong answer to exercise 08: total_size read as an i64 and compared with the limit as
//! one; a negative total_size passes the check, and `as u64` makes it enormous: the body is
//! read to the end of the stream, the next answer with it, before the size check fails.
//! Rejected at: a header with total_size -1, then the next answer
//! Says: and receive went on reading after the value it should have refused
use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;

pub const MAX_HEADER: usize = 64 * 1024;
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    let mut length = [0u8; 4];
    reader
        .read_exact(&mut length)
        .map_err(|e| format!("header length: {e}"))?;
    let length = i32::from_le_bytes(length);
    if length < 0 || length as usize > MAX_HEADER {
        return Err(format!("header length {length} refused"));
    }
    let mut header = vec![0u8; length as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| format!("header: {e}"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| format!("not JSON: {e}"))?;
    let total_size = header["total_size"].as_i64().ok_or("no total_size")?;
    let md5 = header["md5"].as_str().ok_or("no md5")?;
    if total_size > MAX_BODY as i64 {
        return Err(format!("size check failed: {total_size} over the limit"));
    }
    let mut body = Vec::new();
    reader
        .take(total_size as u64)
        .read_to_end(&mut body)
        .map_err(|e| format!("body: {e}"))?;
    if body.len() as i64 != total_size {
        return Err(format!(
            "size check failed: {} of {total_size} bytes",
            body.len()
        ));
    }
    if !md5_hex(&body).eq_ignore_ascii_case(md5) {
        return Err("md5 check failed".into());
    }
    Ok(body)
}
