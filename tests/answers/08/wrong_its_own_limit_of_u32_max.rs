//! Wrong answer to exercise 08: MAX_HEADER raised to u32::MAX, "so that nothing honest is
//! ever refused": the check of the length is still there, and refuses nothing a peer can
//! send, so a liar's 2 GiB header is allocated and read.
//! Rejected at: a header length of 65537 (01 00 01 00), and nothing after it

use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;

pub const MAX_HEADER: usize = u32::MAX as usize;
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    let mut length = [0u8; 4];
    reader.read_exact(&mut length).map_err(|e| e.to_string())?;
    let length = u32::from_le_bytes(length) as usize;
    if length > MAX_HEADER {
        return Err("header too long".into());
    }
    let mut header = vec![0u8; length];
    reader.read_exact(&mut header).map_err(|e| e.to_string())?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| format!("not JSON: {e}"))?;
    let total_size = header["total_size"].as_u64().ok_or("no total_size")?;
    let md5 = header["md5"].as_str().ok_or("no md5")?.to_owned();
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
    if md5_hex(&body) != md5 {
        return Err("md5 check failed".into());
    }
    Ok(body)
}
