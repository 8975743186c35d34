//! Exercise 01: the whole reply.
//!
//! `ask` is the client of notes A §2: connect, send the message, receive the server's reply.
//! The server sends one reply and closes. `ask` receives the way the notes do, with one
//! `recv(1024)`, and sends with `write` (Python's `send`), which may take only part of the
//! message. A short reply comes back whole; a reply of more than 1024 bytes never can.
//!
//! Make it send the whole message and return the whole reply, however long, however it
//! arrives. What the check does at the edges:
//!
//! - the reply ends where the server closes: a server that closes without a word gives an
//!   empty reply; a long one arrives in pieces of any size, each only after your client has
//!   read the one before, a piece may end inside a character; a server may also pause in
//!   the middle of its reply (the check's pauses 1.5 s, and shortens any read timeout your
//!   client set, so that it runs out meanwhile): a pause is not the end;
//! - the reply is bytes: return them as they came, not decoded and not trimmed (a server
//!   may answer in GBK, or with bytes no encoding has);
//! - a message of 16 MiB whose `write`s the check interrupts, as signals can: cut short
//!   after they copied some bytes (twice), or failing with `ErrorKind::Interrupted` before
//!   they copied any (once: call again): the rest must still be sent, in order;
//! - `ask` leaves no socket open when it returns.
//!
//! Check it: `cargo run --example check -- 01` (`--watch` checks again on every save).
//! The page: docs/01_tcp_once.md (中文: docs/zh-CN/01_tcp_once.md).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Connects to `addr`, sends `message`, and returns the server's reply.
pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    // Python's send: returns how many bytes it took (the notes never look).
    let _sent = stream.write(message)?;
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf)?;
    Ok(buf[..n].to_vec())
}
