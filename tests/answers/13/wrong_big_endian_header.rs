//! Wrong answer to exercise 13: one write, and the length in network byte order
//! (to_be_bytes), where struct.pack('i') is little-endian.
//! Rejected at: request 1 of 20: send_request with a 60-byte body

use std::io::{self, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    let mut request = len.to_be_bytes().to_vec();
    request.extend_from_slice(body);
    stream.write_all(&request)
}
