//! Wrong answer to exercise 01: the reply is read whole, then passed through a String "to
//! be safe": every byte that is not UTF-8 becomes U+FFFD.
//! Rejected at: a server that replies with bytes that are not UTF-8 (GBK text, then ff fe 00)

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(message)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(String::from_utf8_lossy(&reply).into_owned().into_bytes())
}
