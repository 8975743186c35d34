//! Exercise 11: one thread, several clients at once (the notes' `s.setblocking(False)`).
//!
//! `serve` below is lesson 11's way `busy`, as the notes write it: the listener is
//! non-blocking, and a loop that never sleeps tries `accept`, then gives every connection a
//! turn: read what is there, send it back upper-cased, drop the ones that closed. A client
//! that has sent nothing should cost nothing but a `WouldBlock`.
//!
//! It serves one client fine. Connect a second client and leave the first silent: the
//! second is never answered. Find the socket that still blocks, and make one client unable
//! to hold up the others. What the check does at the edges:
//!
//! - a client that connects and says nothing; one that leaves; one that resets: the others
//!   are served all the while, and a client that left is dropped;
//! - one thread: with three clients connected, `serve` runs no thread of its own beside it;
//! - a client that sends 8 MiB and reads nothing until its sending blocks: meanwhile
//!   another client must still be served, and the server must not hold more than 1 MiB
//!   for it; once it reads, its echo must come back whole and in order. A non-blocking
//!   write may take only part of what you give it, or nothing (`WouldBlock`): keep the rest
//!   for that client's next turn, and stop reading from a client whose answers are
//!   waiting (say, 64 KiB of them).
//! - a client that sends, closes its sending side (`shutdown`) and only then reads (lesson
//!   01's client does): `read` returning 0 says it will send nothing more, not that it has
//!   read its answers; drop it once its outbox is empty.
//!
//! Check it: `cargo run --example check -- 11` (`--watch` checks again on every save).
//! The page: docs/11_concurrent_server.md (中文: docs/zh-CN/11_concurrent_server.md).

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

/// Serves every connected client from this one thread, for ever: each message upper-cased
/// back.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<TcpStream> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match listener.accept() {
            Ok((conn, _addr)) => conns.push(conn),
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        conns.retain_mut(|conn| match conn.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => conn.write_all(&buf[..n].to_ascii_uppercase()).is_ok(),
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(_) => false,
        });
    }
}
