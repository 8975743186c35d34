//! Wrong answer to exercise 12: send, sleep the whole wait, then look once without
//! blocking: the right answer and a lost one are both handled, and every answer that came
//! at once waits the whole wait.
//! Rejected at: request 1, answered at once, with a wait of 30 s
//! Says: no return from your ask_time within 3 s

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
    socket.send(format.as_bytes())?;
    std::thread::sleep(wait);
    socket.set_nonblocking(true)?;
    let mut buf = [0u8; 1024];
    match socket.recv(&mut buf) {
        Ok(n) => Ok(Some(buf[..n].to_vec())),
        Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
        Err(e) => Err(e),
    }
}
