//! A right answer to exercise 13 in another style: the course's own framing::write_frame.

use std::io;
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    socket_lessons::wire::framing::write_frame(stream, body)
}
