//! Wrong answer to exercise 13 (from a teacher's blind set): header and body go into a
//! BufWriter that is never flushed: for a small request the only real write is in
//! BufWriter's Drop, which throws its error away, so a request on a connection the server
//! has reset returns Ok(()). Bytes and segments are otherwise right.
//! Rejected at: send_request with a 5-byte body on a connection the server has reset (RST)

use std::io::{self, BufWriter, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    let mut w = BufWriter::new(stream);
    w.write_all(&len.to_le_bytes())?;
    w.write_all(body)?;
    Ok(())
}
