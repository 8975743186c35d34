//! Wrong answer to exercise 01: the reply is read until nothing comes for 500 ms, "the
//! server must be done": a server that pauses longer has its reply cut.
//! Rejected at: a server that pauses 1.5 s in the middle of its reply
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    stream.write_all(message)?;
    stream.set_read_timeout(Some(Duration::from_millis(500)))?;
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    Ok(reply)
}
