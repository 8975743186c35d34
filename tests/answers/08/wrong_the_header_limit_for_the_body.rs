//! Wrong answer to exercise 08: total_size compared with MAX_HEADER instead of MAX_BODY:
//! every body over 64 KiB is refused.
//! Rejected at: an honest answer whose body is exactly 16 MiB (the limit), in reads of 64 KiB
use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;

pub const MAX_HEADER: usize = 64 * 1024;
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    let mut len = [0u8; 4];
    reader.read_exact(&mut len).map_err(|e| e.to_string())?;
    let len = i32::from_le_bytes(len);
    if len < 0 || len as usize > MAX_HEADER {
        return Err("header too long".into());
    }
    let mut head = vec![0u8; len as usize];
    reader.read_exact(&mut head).map_err(|e| e.to_string())?;
    let head: serde_json::Value = serde_json::from_slice(&head).map_err(|e| e.to_string())?;
    let total = head["total_size"].as_u64().ok_or("no total_size")?;
    let md5 = head["md5"].as_str().ok_or("no md5")?.to_owned();
    if total as usize > MAX_HEADER {
        return Err("size over the limit".into());
    }
    let mut body = Vec::new();
    reader
        .take(total)
        .read_to_end(&mut body)
        .map_err(|e| e.to_string())?;
    if (body.len() as u64) < total {
        return Err("size check failed".into());
    }
    if md5_hex(&body) != md5 {
        return Err("md5 check failed".into());
    }
    let _ = MAX_BODY;
    Ok(body)
}
