//! Wrong answer to exercise 12 (from a teacher's blind set): keeps one socket per thread in
//! a thread_local! and uses it for every call ("binding each time is wasteful"): it stays
//! open between calls, and a late answer to one call is taken as the next call's answer.
//! Rejected at: requests 9 and 10 on one thread: 9 lost, its answer sent late, after ask_time gave up; then 10 lost

use std::cell::RefCell;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

thread_local! {
    static SOCKETS: RefCell<Vec<UdpSocket>> = const { RefCell::new(Vec::new()) };
}

fn socket_for(server: SocketAddr) -> io::Result<UdpSocket> {
    SOCKETS.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(sock) = s.iter().find(|x| {
            x.local_addr()
                .map(|a| a.is_ipv4() == server.is_ipv4())
                .unwrap_or(false)
        }) {
            return sock.try_clone();
        }
        let local: SocketAddr = if server.is_ipv4() {
            "0.0.0.0:0".parse().unwrap()
        } else {
            "[::]:0".parse().unwrap()
        };
        let sock = UdpSocket::bind(local)?;
        let clone = sock.try_clone()?;
        s.push(sock);
        Ok(clone)
    })
}

pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let socket = socket_for(server)?;
    socket.send_to(format.as_bytes(), server)?;
    let deadline = Instant::now() + wait;
    let mut buf = vec![0u8; 2048];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(&mut buf) {
            Ok((n, from)) if from == server => return Ok(Some(buf[..n].to_vec())),
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(None)
            }
            Err(e) => return Err(e),
        }
    }
}
