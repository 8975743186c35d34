//! Exercise 05: the whole datagram.
//!
//! `receive` is the notes' `data, addr = s.recvfrom(1024)`: one datagram and who sent it.
//! A datagram of more than 1024 bytes does not fit in that buffer: the call returns its
//! first 1024 bytes, and the kernel throws the rest away. Unlike TCP, UDP keeps nothing
//! for the next call, which returns the next datagram.
//!
//! Make `receive` return every datagram whole, up to the largest one IPv4 can carry.
//!
//! Check it: `cargo run --example check -- 05`. The page: docs/05_udp.md.

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// Receives one datagram: its bytes and who sent it.
pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 1024];
    let (n, from) = socket.recv_from(&mut buf)?;
    Ok((buf[..n].to_vec(), from))
}
