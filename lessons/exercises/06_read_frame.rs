//! Exercise 06: `read_frame`, the heart of lesson 06.
//!
//! A frame is a 4-byte little-endian i32 length (`struct.pack('i', n)`), then that many
//! body bytes. `read_frame` below reads one the way the notes do: one `recv(4)` for the
//! header, one `recv(n)` for the body. On a quiet loopback with small frames it seems to
//! work. Make it right:
//!
//! - `Ok(Some(body))`: a whole frame, however the bytes arrive (a read may return any
//!   number of bytes from 1 up, and two frames may arrive in one read);
//! - a frame whose length is 0 is a frame: `Ok(Some(vec![]))`, not the end of the stream;
//! - `Ok(None)`: the stream ended cleanly *between* frames (before a header's first byte);
//! - `Err` (kind `UnexpectedEof`): the stream ended *inside* a frame, in the header or in
//!   the body;
//! - `Err` (kind `InvalidData`): a negative length, or one over `MAX_LEN` (16 MiB; a frame
//!   of exactly 16 MiB is accepted), refused before reading or allocating the body. The
//!   check uses 16 MiB whatever `MAX_LEN` says, and watches what the call allocates.
//!
//! Check it: `cargo run --example check -- 06` (`--watch` checks again on every save).
//! The page: docs/06_length_prefix.md (中文: docs/zh-CN/06_length_prefix.md).

use std::io::{self, Read};

/// The longest body accepted: 16 MiB, as the course's own `framing::MAX_FRAME_LEN`.
pub const MAX_LEN: usize = 16 * 1024 * 1024;

/// Reads one frame from `reader`.
pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    if reader.read(&mut header)? == 0 {
        return Ok(None);
    }
    let len = i32::from_le_bytes(header) as usize;
    let mut body = vec![0u8; len];
    let n = reader.read(&mut body)?;
    body.truncate(n);
    Ok(Some(body))
}
