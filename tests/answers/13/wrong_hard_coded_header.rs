//! Wrong answer to exercise 13: one write, and the header written out as the bytes of
//! lesson 13's 60-byte body: right for that body, wrong for any other.
//! Rejected at: a request with a body of 0 bytes

use std::io::{self, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let mut request = vec![60, 0, 0, 0];
    request.extend_from_slice(body);
    stream.write_all(&request)
}
