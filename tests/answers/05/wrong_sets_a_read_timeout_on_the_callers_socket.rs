//! Wrong answer to exercise 05: a read timeout of 1 s set on the socket "so that receive
//! never hangs": the socket is the caller's, and its settings are the caller's choice.
//! Rejected at: the peer sends one datagram of 5 bytes; receive must return it whole
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    socket.set_read_timeout(Some(Duration::from_secs(1)))?;
    let mut buf = vec![0u8; 65_507];
    let (n, from) = socket.recv_from(&mut buf)?;
    buf.truncate(n);
    Ok((buf, from))
}
