//! Wrong answer to exercise 12: when the wait runs out it waits once more, a whole `wait`,
//! "for a late answer" (no resend): a lost request returns after twice its wait, and an
//! answer that comes after the wait is taken.
//! Rejected at: request 11, answered 1200 ms after it was sent, with a wait of 800 ms
//! Says: got: Ok(Some(2 bytes b"25"))
//! (Written by an independent teacher from the task text alone; it passed before the check
//! sent an answer after the wait.)

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let mut deadline = Instant::now() + wait;
    let mut second_chance = true;
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
            if second_chance {
                // a late answer may still be on its way: one more wait
                second_chance = false;
                deadline = now + wait;
                continue;
            }
            return Ok(None);
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
