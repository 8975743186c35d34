//! Wrong answer to exercise 12: connect and a read timeout, but the timeout is returned as
//! the error it is, with `?`, instead of Ok(None).
//! Rejected at: request 2, lost: the server never answers

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
    let mut buf = [0u8; 1024];
    let n = socket.recv(&mut buf)?;
    Ok(Some(buf[..n].to_vec()))
}
