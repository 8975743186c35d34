//! Wrong answer to exercise 12: datagrams from anyone else are skipped, with a deadline,
//! but only the port is compared: a stranger on another address with the server's port
//! passes for the server.
//! Rejected at: request 5, with a datagram from 127.0.0.2 and the server's own port arriving just before the answer
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let socket = UdpSocket::bind("0.0.0.0:0")?;
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
            Ok((n, from)) if from.port() == server.port() => return Ok(Some(buf[..n].to_vec())),
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
    }
}
