//! The course's answer to exercise 05 (lessons/exercises/05_whole_datagram.rs).

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// The largest UDP payload over IPv4: 65535 bytes of IP packet, minus 20 of IP header and 8
/// of UDP header. (Over IPv6 it is 65527: a program that takes both needs that much.)
const MAX_DATAGRAM: usize = 65_507;

/// Receives one datagram: its bytes and who sent it.
pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    // One recvfrom returns one datagram, and what does not fit is lost: the buffer must be
    // as big as the biggest datagram there can be. On the heap: 64 KiB is a lot of stack.
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let (n, from) = socket.recv_from(&mut buf)?;
    // Keep only the n bytes received (an empty datagram gives n = 0, a real message).
    buf.truncate(n);
    Ok((buf, from))
}
