//! Wrong answer to exercise 06: a BufReader around the reader in each call: it reads ahead
//! into its buffer, and the bytes of the next frame vanish with it.
//! Rejected at: two frames in one read (lesson 04's scene 1)

use std::io::BufReader;
use std::io::{self, Read};

pub const MAX_LEN: usize = 16 * 1024 * 1024;

pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut reader = BufReader::new(reader);
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
