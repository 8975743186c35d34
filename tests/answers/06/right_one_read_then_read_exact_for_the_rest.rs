//! A right answer to exercise 06 in another style: one read for the header, and read_exact
//! for the rest of it only when that read was short.
use std::io::{self, Read};

pub const MAX_LEN: usize = 16 * 1024 * 1024;

pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let n = reader.read(&mut header)?;
    if n == 0 {
        return Ok(None);
    }
    if n < 4 {
        reader.read_exact(&mut header[n..])?;
    }
    let len = i32::from_le_bytes(header);
    if len < 0 || len as usize > MAX_LEN {
        return Err(io::ErrorKind::InvalidData.into());
    }
    let mut body = vec![0u8; len as usize];
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}
