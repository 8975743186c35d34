//! The course's answer to exercise 06 (lessons/exercises/06_read_frame.rs).

use std::io::{self, Read};

/// The longest body accepted: 16 MiB, as the course's own `framing::MAX_FRAME_LEN`.
pub const MAX_LEN: usize = 16 * 1024 * 1024;

/// Reads one frame from `reader`.
pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    // The header: read until 4 bytes are in, or the stream ends. A read may return 1 byte.
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < header.len() {
        match reader.read(&mut header[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    match got {
        // Nothing at all: the peer closed between frames.
        0 => return Ok(None),
        4 => {}
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stream ended after {got} of the 4 header bytes"),
            ))
        }
    }
    // Check the length before allocating anything: it comes from the peer.
    let len = i32::from_le_bytes(header);
    if len < 0 || len as usize > MAX_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("frame length {len} is negative or over {MAX_LEN}"),
        ));
    }
    let len = len as usize;
    // The body: read_exact loops until every byte is in, and fails with UnexpectedEof if
    // the stream ends first.
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}
