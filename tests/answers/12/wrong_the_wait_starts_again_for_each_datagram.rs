//! Wrong answer to exercise 12: a read timeout of `wait`, and datagrams from anyone but the
//! server skipped, each skip starting a new wait of the whole `wait`: a stranger who sends
//! more often than that keeps the client waiting for ever.
//! Rejected at: request 8, lost, while a stranger sends b"13:37:00" every 20 ms; a wait of 500 ms

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
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => return Ok(Some(buf[..n].to_vec())),
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
    }
}
