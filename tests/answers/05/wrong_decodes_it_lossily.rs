//! Wrong answer to exercise 05: the datagram goes through a String, so every byte that is
//! not UTF-8 becomes U+FFFD.
//! Rejected at: the peer sends 11 bytes b"\xc4\xe3\xba\xc3 GBK \xff\xfe"; receive must return it unchanged

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65_507];
    let (n, from) = socket.recv_from(&mut buf)?;
    Ok((
        String::from_utf8_lossy(&buf[..n]).into_owned().into_bytes(),
        from,
    ))
}
