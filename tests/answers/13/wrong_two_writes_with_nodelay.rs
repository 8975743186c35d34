//! Wrong answer to exercise 13: TCP_NODELAY, and the two writes kept: no 40 ms wait any
//! more, and still two segments and two system calls per request.
//! Rejected at: request 1 of 20: send_request with a 60-byte body

use std::io::{self, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    stream.write_all(&len.to_le_bytes())?;
    stream.write_all(body)
}
