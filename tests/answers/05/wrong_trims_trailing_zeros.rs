//! Wrong answer to exercise 05: the count recvfrom returns is ignored, and the end of the
//! datagram is found where the zeroed buffer's zeros begin: a datagram that ends in zero
//! bytes loses them.
//! Rejected at: the peer sends 16 bytes b"ends in zeros\x00\x00\x00"; receive must return it unchanged

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65_507];
    let (_n, from) = socket.recv_from(&mut buf)?;
    let end = buf.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    buf.truncate(end);
    Ok((buf, from))
}
