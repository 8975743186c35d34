//! Wrong answer to exercise 01: the reply is read whole, then trimmed of whitespace at its
//! ends, like Python's .strip(): the reply is no longer what the server sent.
//! Rejected at: a server that replies with 4680 bytes of UTF-8 text in pieces of 1, 1000, 21, 1024, 2048, 7, 579 bytes, each after your client has read the one before

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(message)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply.trim_ascii().to_vec())
}
