//! Exercise 05: the whole datagram.
//!
//! `receive` is the notes' `data, addr = s.recvfrom(1024)`: one datagram and who sent it.
//! A datagram of more than 1024 bytes does not fit in that buffer: the call returns its
//! first 1024 bytes, and the kernel throws the rest away. Unlike TCP, UDP keeps nothing
//! for the next call, which returns the next datagram.
//!
//! Make `receive` return every datagram whole, up to the largest one IPv4 can carry. What
//! the check does at the edges:
//!
//! - datagrams of 5, 0, 3000 and 65507 bytes: an empty datagram is a message, returned as
//!   an empty Vec;
//! - the bytes as they came: spaces or newlines at the ends, bytes that are not UTF-8,
//!   zero bytes at the end are all part of the datagram (no trimming, no decoding);
//! - three datagrams queued before the first call, from two peers: three calls, three
//!   datagrams in order, each with its own sender's address;
//! - a call made before any datagram has arrived: it waits for one, asleep in the kernel
//!   (it may use no more than 200 ms of CPU while it waits: no loop that keeps asking);
//! - a call that fails (the check connects the socket to a port where nothing listens:
//!   ECONNREFUSED) returns the error;
//! - no call changes the socket's settings, not while it waits, not when it returns, an
//!   error return included: it stays blocking, with the caller's read timeout.
//!
//! Check it: `cargo run --example check -- 05` (`--watch` checks again on every save).
//! The page: docs/05_udp.md (中文: docs/zh-CN/05_udp.md).

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// Receives one datagram: its bytes and who sent it.
pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = [0u8; 1024];
    let (n, from) = socket.recv_from(&mut buf)?;
    Ok((buf[..n].to_vec(), from))
}
