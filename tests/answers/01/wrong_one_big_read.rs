//! Wrong answer to exercise 01: one read into a buffer of 64 KiB, "big enough for any
//! reply". A read returns what has arrived so far, not what the server will send.
//! Rejected at: a server that replies with 4680 bytes of UTF-8 text in pieces of 1, 1000, 21, 1024, 2048, 7, 579 bytes, each after your client has read the one before

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(message)?;
    let mut buf = vec![0u8; 64 * 1024];
    let n = stream.read(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}
