//! Exercise 08: an answer whose header makes promises; check them.
//!
//! An answer is three parts (notes C 方案二, notes D): a 4-byte little-endian length (of
//! the header), a JSON header `{"total_size": N, "md5": "...", "filename": "..."}`, and
//! `total_size` body bytes. `receive` below reads the body with one `read` and believes
//! the header: a body that arrives in pieces comes back cut, and a body that was cut or
//! changed on the way is returned as if it were the answer.
//!
//! Make it return the body only when the header's promises hold, and otherwise an `Err`
//! that says which one failed:
//!
//! - the whole body, however the bytes arrive (a read may return 1 byte), and not a byte
//!   more: the next answer may follow at once on the same stream;
//! - the stream ends before `total_size` bytes: an error that says **size**;
//! - the body does not hash to the header's md5: an error that says **md5**
//!   (`socket_lessons::wire::checksum::md5_hex`); each message names its own check first;
//! - a header length over `MAX_HEADER` (64 KiB; exactly 64 KiB is accepted), or negative:
//!   refused before reading or allocating the header;
//! - a `total_size` over `MAX_BODY` (16 MiB): refused, an error that says size, before
//!   reading or allocating the body; a body of exactly 16 MiB is accepted; a `total_size`
//!   over 4 GiB (2^32 + 6, say) is compared as it is, not cut to 32 bits; a negative one
//!   is an error, before any byte of the body is read;
//! - a header that is not JSON, or has no `total_size` or no `md5`: an error.
//!
//! The check uses 64 KiB and 16 MiB whatever the constants below say, and watches what the
//! call allocates.
//!
//! Check it: `cargo run --example check -- 08` (`--watch` checks again on every save).
//! The page: docs/08_json_header.md (中文: docs/zh-CN/08_json_header.md).

use std::io::Read;

/// The longest header accepted, in bytes, as lesson 08's `header::read_header`.
pub const MAX_HEADER: usize = 64 * 1024;

/// The longest body accepted: this client keeps it in memory.
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

/// Reads one answer from `reader` and returns its body.
pub fn receive(reader: &mut dyn Read) -> Result<Vec<u8>, String> {
    let mut length = [0u8; 4];
    reader
        .read_exact(&mut length)
        .map_err(|e| format!("reading the header length: {e}"))?;
    let mut header = vec![0u8; i32::from_le_bytes(length) as usize];
    reader
        .read_exact(&mut header)
        .map_err(|e| format!("reading the header: {e}"))?;
    let header: serde_json::Value =
        serde_json::from_slice(&header).map_err(|e| format!("the header is not JSON: {e}"))?;
    let total_size = header["total_size"]
        .as_u64()
        .ok_or("the header has no total_size")?;
    // The notes' recv(total_size): one read, taken as the whole body.
    let mut body = vec![0u8; total_size as usize];
    let n = reader
        .read(&mut body)
        .map_err(|e| format!("reading the body: {e}"))?;
    body.truncate(n);
    Ok(body)
}
