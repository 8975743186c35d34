//! A right answer to exercise 05 in another style: a buffer of 65535 bytes on the stack,
//! the most any UDP length field can say, and the n bytes received copied out.

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 65_535];
    let (n, from) = socket.recv_from(&mut buf)?;
    Ok((buf[..n].to_vec(), from))
}
