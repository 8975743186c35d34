//! A right answer to exercise 13 in another style: header and body copied into one Vec,
//! sent with one write_all (a copy of the body, one system call for a small request).

use std::io::{self, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    let mut request = Vec::with_capacity(4 + body.len());
    request.extend_from_slice(&len.to_le_bytes());
    request.extend_from_slice(body);
    stream.write_all(&request)
}
