//! Wrong answer to exercise 06: right in every result, but the body's buffer is made from
//! the peer's length before the length is checked: a liar's 2 GiB is allocated first.
//! Rejected at: a length of 16777217 (01 00 00 01), one byte over the 16 MiB limit
//! Says: allocated 16.0 MiB at once

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
    let mut body = vec![0u8; len.max(0) as usize];
    if len < 0 || len as usize > MAX_LEN {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad length"));
    }
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}
