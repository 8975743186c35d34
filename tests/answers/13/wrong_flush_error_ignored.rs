//! Wrong answer to exercise 13: header and body through a BufWriter, flushed at the end,
//! but the flush's error thrown away: a request on a reset connection returns Ok(()).
//! Rejected at: send_request with a 5-byte body on a connection the server has reset (RST)
use std::io::{self, BufWriter, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    let mut w = BufWriter::with_capacity(body.len() + 4, stream);
    w.write_all(&len.to_le_bytes())?;
    w.write_all(body)?;
    let _ = w.flush();
    Ok(())
}
