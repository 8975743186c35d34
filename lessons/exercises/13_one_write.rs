//! Exercise 13: one request, one write.
//!
//! A request is a 4-byte little-endian length (`struct.pack('i', n)`) and then the body.
//! `send_request` below sends it the way the notes do: `send(header)`, then `send(body)`.
//! Every byte arrives, in order. But in a loop of small requests and answers, Nagle's
//! algorithm holds the body back until the header is acknowledged, the server delays that
//! acknowledgement because it cannot answer a header, and each exchange waits about 40 ms
//! for the delayed-ACK timer (lesson 13).
//!
//! Make each request leave in one write, so that it travels as one segment. What the check
//! does at the edges:
//!
//! - requests of up to 1000 bytes must each leave as one TCP segment (the kernel counts
//!   them; TCP_NODELAY with two writes still makes two);
//! - bodies of 0, 1, 1000 and 70000 bytes: the header is the length of this body;
//! - a body of 16 MiB: one write may take only part of it (the check cuts writes short,
//!   as a signal can), or fail with `ErrorKind::Interrupted` before it took a byte (a
//!   signal again: call it again): the rest must still be sent;
//! - a connection the server has reset: `send_request` returns the error, not `Ok(())`.
//!
//! Check it: `cargo run --example check -- 13` (`--watch` checks again on every save).
//! The page: docs/13_nagle_stall.md (中文: docs/zh-CN/13_nagle_stall.md).

use std::io::{self, Write};
use std::net::TcpStream;

/// Sends one framed request: a 4-byte little-endian i32 length, then `body`.
pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long for the header"))?;
    stream.write_all(&len.to_le_bytes())?;
    stream.write_all(body)
}
