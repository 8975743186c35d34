//! A right answer to exercise 06 in another style: the header as u32 (a negative i32 is
//! over the limit as u32), the body with take(len).read_to_end, then a count of what came.

use std::io::{self, Read};

pub const MAX_LEN: usize = 16 * 1024 * 1024;

pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = Vec::with_capacity(4);
    reader.take(4).read_to_end(&mut header)?;
    if header.is_empty() {
        return Ok(None);
    }
    let header: [u8; 4] = header
        .try_into()
        .map_err(|_| io::Error::from(io::ErrorKind::UnexpectedEof))?;
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "negative or too long",
        ));
    }
    let mut body = Vec::with_capacity(len);
    reader.take(len as u64).read_to_end(&mut body)?;
    if body.len() < len {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(body))
}
