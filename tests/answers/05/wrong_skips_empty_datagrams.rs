//! Wrong answer to exercise 05: an empty datagram is skipped, as if 0 meant "nothing", as
//! TCP's 0 does: the caller never sees the empty message, and waits for the next one.
//! Rejected at: the peer sends one datagram of 0 bytes (an empty datagram is a message too); receive must return it whole

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65_507];
    loop {
        let (n, from) = socket.recv_from(&mut buf)?;
        if n > 0 {
            return Ok((buf[..n].to_vec(), from));
        }
    }
}
