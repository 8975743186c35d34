//! Wrong answer to exercise 01: the reply is read to the end, but the message still goes
//! out with one `write` (Python's send), whose count is ignored.
//! Rejected at: a 16 MiB message, its send interrupted by signals while the server is not reading yet

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write(message)?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}
