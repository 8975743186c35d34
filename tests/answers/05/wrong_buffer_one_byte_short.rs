//! Wrong answer to exercise 05: a buffer of 65506 bytes, "64 KiB minus the headers",
//! counted one byte short: the largest datagram is cut.
//! Rejected at: the peer sends one datagram of 65507 bytes (the largest an IPv4 datagram can carry); receive must return it whole

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65_506];
    let (n, from) = socket.recv_from(&mut buf)?;
    buf.truncate(n);
    Ok((buf, from))
}
