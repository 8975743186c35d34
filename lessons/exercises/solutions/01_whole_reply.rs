//! The course's answer to exercise 01 (lessons/exercises/01_whole_reply.rs).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Connects to `addr`, sends `message`, and returns the server's reply.
pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    // sendall, not send: `write` may hand the kernel only part of `message` and says how
    // much; `write_all` loops until every byte is taken.
    stream.write_all(message)?;
    // The server marks the end of its reply by closing: read until recv returns 0.
    // recv(1024) is only the most one call may return, so one call is never enough.
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}
