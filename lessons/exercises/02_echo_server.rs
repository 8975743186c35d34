//! Exercise 02: an echo server that outlives its clients.
//!
//! `serve` is lesson 02's server as a beginner first writes it: accept a client, then read,
//! upper-case, send back, for ever. It answers the first client. Then the client leaves,
//! and the server never serves anyone again.
//!
//! Make it serve client after client, whatever each one does. It must never return and
//! never panic. What the check does at the edges:
//!
//! - a client that closes (`read` returns 0, not an empty message);
//! - a client that resets while the server reads from it, and one that sends and never
//!   reads, then resets while the server is blocked writing to it (the write fails);
//! - bytes that are not UTF-8, and every byte value: the answer is the same bytes with
//!   their ASCII letters upper-cased (b"caf\xe9" -> b"CAF\xe9"), valid UTF-8 too: "café ß"
//!   comes back as "CAFé ß", the same length (not "CAFÉ SS");
//! - a client that sends the lesson's `q`, a message that is the one byte `q` and nothing
//!   else (the lesson's client trims the line and sends it alone): that ends its session
//!   (close the connection, or answer it like any message), and the next client is served.
//!   `q\n` (from `nc` or `telnet`), `Q` and ` q` are messages like any other: `Q\n`, `Q`,
//!   ` Q`;
//! - an `accept` that fails because the process has no descriptor left (EMFILE): the
//!   client waiting must be served once descriptors are free again;
//! - after the last client, no connection and no thread of the server is left.
//!
//! Check it: `cargo run --example check -- 02` (`--watch` checks again on every save).
//! The page: docs/02_tcp_loop.md (中文: docs/zh-CN/02_tcp_loop.md).

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
