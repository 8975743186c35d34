//! Wrong answer to exercise 06: a frame whose length is 0 is taken for the end of the
//! stream: Ok(None), and the frame after it is never read.
//! Rejected at: an empty frame (length 0) before a frame of 5 bytes, in one read

use std::io::{self, Read};

pub const MAX_LEN: usize = 16 * 1024 * 1024;

pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = reader.read(&mut header[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    match got {
        0 => return Ok(None),
        4 => {}
        _ => return Err(io::ErrorKind::UnexpectedEof.into()),
    }
    let len = i32::from_le_bytes(header);
    if len == 0 {
        return Ok(None);
    }
    if len < 0 || len as usize > MAX_LEN {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad length"));
    }
    let mut body = vec![0u8; len as usize];
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}
