//! Wrong answer to exercise 08: the md5 is checked when the header has one, and a header
//! without it is trusted: a server that sends no md5 promises nothing and is believed.
//! Rejected at: a header without md5

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
    let total_size = header["total_size"].as_u64().ok_or("no total_size")?;
    if total_size > MAX_BODY {
        return Err(format!("size {total_size} over the limit"));
    }
    let mut body = Vec::new();
    reader
        .take(total_size)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    if (body.len() as u64) < total_size {
        return Err(format!("size check failed: {} of {total_size}", body.len()));
    }
    if let Some(md5) = header["md5"].as_str() {
        if md5_hex(&body) != md5 {
            return Err("md5 check failed".into());
        }
    }
    Ok(body)
}
