//! A right answer to exercise 12 in another style: no connect; the sender's address
//! compared, datagrams from anyone else skipped, each recv given only the time left.

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
    socket.send_to(format.as_bytes(), server)?;
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket.set_read_timeout(Some(left))?;
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
