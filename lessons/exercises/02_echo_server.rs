//! Exercise 02: an echo server that outlives its clients.
//!
//! `serve` is lesson 02's server as a beginner first writes it: accept a client, then read,
//! upper-case, send back, for ever. It answers the first client. Then the client leaves,
//! and the server never serves anyone again.
//!
//! Make it serve client after client, whatever each one does: leave normally, reset the
//! connection, or send bytes that are not UTF-8. It must never return and never panic.
//!
//! Check it: `cargo run --example check -- 02`. The page: docs/02_tcp_loop.md.

use std::io::{self, Read, Write};
use std::net::TcpListener;

/// Serves clients one after another, for ever: each message upper-cased back.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let (mut conn, _addr) = listener.accept()?;
        loop {
            let n = conn.read(&mut buf)?;
            // `q` ends a session, as in the lesson.
            if &buf[..n] == b"q" {
                break;
            }
            let text = std::str::from_utf8(&buf[..n])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            conn.write_all(text.to_uppercase().as_bytes())?;
        }
    }
}
