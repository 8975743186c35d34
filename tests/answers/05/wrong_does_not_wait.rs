//! Wrong answer to exercise 05: the socket is made non-blocking "so that it never hangs":
//! a call made before the datagram has arrived fails with WouldBlock instead of waiting.
//! Rejected at: the peer sends one datagram of 5 bytes; receive must return it whole

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    socket.set_nonblocking(true)?;
    let mut buf = vec![0u8; 65_507];
    let (n, from) = socket.recv_from(&mut buf)?;
    buf.truncate(n);
    Ok((buf, from))
}
