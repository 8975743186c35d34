//! Wrong answer to exercise 12: a read timeout, and whatever datagram comes first is taken
//! for the answer, whoever sent it.
//! Rejected at: request 4, with a stranger's datagram b"13:37:00" arriving just before the answer

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
    socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
    socket.send_to(format.as_bytes(), server)?;
    let mut buf = [0u8; 1024];
    match socket.recv_from(&mut buf) {
        Ok((n, _from)) => Ok(Some(buf[..n].to_vec())),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
        Err(e) => Err(e),
    }
}
