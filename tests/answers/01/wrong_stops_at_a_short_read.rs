//! Wrong answer to exercise 01: reads of 1024 bytes until one comes back shorter, taken
//! for the last. A read is short whenever the rest has not arrived yet.
//! Rejected at: a server that replies with 4680 bytes of UTF-8 text in pieces of 1, 1000, 21, 1024, 2048, 7, 579 bytes, each after your client has read the one before

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(message)?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf)?;
        reply.extend_from_slice(&buf[..n]);
        if n < buf.len() {
            return Ok(reply);
        }
    }
}
