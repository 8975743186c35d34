//! Wrong answer to exercise 12: connect, a read timeout, and a buffer of 32 bytes, "a time
//! is short": a longer answer is cut, and UDP throws the rest away.
//! Rejected at: request 7, an answer of 1024 bytes

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

fn socket_for(server: SocketAddr) -> io::Result<UdpSocket> {
    let any: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("an address")
    } else {
        "[::]:0".parse().expect("an address")
    };
    UdpSocket::bind(any)
}

pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let socket = socket_for(server)?;
    socket.connect(server)?;
    socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
    socket.send(format.as_bytes())?;
    let mut buf = [0u8; 32];
    match socket.recv(&mut buf) {
        Ok(n) => Ok(Some(buf[..n].to_vec())),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
        Err(e) => Err(e),
    }
}
