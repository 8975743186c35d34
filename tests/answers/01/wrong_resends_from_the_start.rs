//! Wrong answer to exercise 01: a loop over `write` that counts what was sent, but hands
//! `write` the whole message again each time instead of what is left: after a short write,
//! the start of the message is sent twice.
//! Rejected at: a 16 MiB message, its send interrupted by signals while the server is not reading yet

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let mut sent = 0;
    while sent < message.len() {
        sent += stream.write(message)?;
    }
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}
