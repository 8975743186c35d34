//! Wrong answer to exercise 12: when the wait runs out it sends the request again ("UDP does
//! not resend, so I do") and waits `wait` once more: a lost request takes twice its wait,
//! and the resent datagram reaches the server after the call has given up.
//! Rejected at: request 2, lost: the server never answers
//! Says: a resend
//! (Written by an independent teacher from the task text alone; the check rejected it at
//! request 3, as a hang, before it listened for a resend during request 2.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let mut deadline = Instant::now() + wait;
    let mut resent = false;
    let local: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("an address")
    } else {
        "[::]:0".parse().expect("an address")
    };
    let socket = UdpSocket::bind(local)?;
    socket.send_to(format.as_bytes(), server)?;
    let mut buf = vec![0u8; 2048];
    loop {
        let now = Instant::now();
        if now >= deadline {
            if resent {
                return Ok(None);
            }
            resent = true;
            socket.send_to(format.as_bytes(), server)?;
            deadline = now + wait;
            continue;
        }
        let left = (deadline - now).max(Duration::from_millis(1));
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => return Ok(Some(buf[..n].to_vec())),
            Ok(_) => continue,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
