//! Wrong answer to exercise 06: the header is read with read_exact, and its UnexpectedEof
//! is taken for a clean end: a stream cut after 2 of the 4 header bytes looks like one
//! that ended between frames.
//! Rejected at: a stream that ends inside the header (2 of 4 bytes)

use std::io::{self, Read};

pub const MAX_LEN: usize = 16 * 1024 * 1024;

pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    match reader.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = i32::from_le_bytes(header);
    if len < 0 || len as usize > MAX_LEN {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad length"));
    }
    let mut body = vec![0u8; len as usize];
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}
