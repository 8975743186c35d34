//! Wrong answer to exercise 05 (from a teacher's blind set): takes ECONNREFUSED for a stale
//! ICMP about an earlier datagram and calls recv_from again, so the error the kernel held
//! never reaches the caller; the call fails only at the socket's read timeout, if it has one.
//! Rejected at: a call that fails (ECONNREFUSED: the socket is connected to a port where nothing listens): the socket's settings after it
use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65507];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                buf.truncate(n);
                return Ok((buf, from));
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused || e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
