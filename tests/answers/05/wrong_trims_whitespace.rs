//! Wrong answer to exercise 05: the datagram is trimmed of whitespace at its ends, as the
//! notes' servers do with .strip(): it is no longer the datagram that was sent.
//! Rejected at: the peer sends 35 bytes b"  two spaces, a tab\t and a newline\n"; receive must return it unchanged

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65_507];
    let (n, from) = socket.recv_from(&mut buf)?;
    Ok((buf[..n].trim_ascii().to_vec(), from))
}
