//! Wrong answer to exercise 08: the header length is limited, total_size is not: a header
//! that promises 16 MiB and more gets a buffer that size before any byte of it comes.
//! Rejected at: a header with total_size 16777217, one byte over 16 MiB

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
    let md5 = header["md5"].as_str().ok_or("no md5")?.to_owned();
    let mut body = vec![0u8; total_size as usize];
    let mut got = 0;
    while got < body.len() {
        match reader.read(&mut body[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(e.to_string()),
        }
    }
    if got < body.len() {
        return Err(format!("size check failed: {got} of {total_size}"));
    }
    if md5_hex(&body) != md5 {
        return Err("md5 check failed".into());
    }
    Ok(body)
}
