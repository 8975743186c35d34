//! Wrong answer to exercise 06: the body is read with take(len).read_to_end, which stops
//! at the end of the stream without an error: a cut body comes back as a shorter frame.
//! Rejected at: a stream that ends inside the body (3 of 5 bytes)

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
    if len < 0 || len as usize > MAX_LEN {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "bad length"));
    }
    let mut body = Vec::new();
    reader.take(len as u64).read_to_end(&mut body)?;
    Ok(Some(body))
}
