//! Exercise 00: close your side.
//!
//! `serve` answers each message with `got N bytes\n`, client after client. It also keeps
//! every connection it has finished with in a `Vec`, "for a summary later". So it never
//! closes its side: when a client closes first, the client's end waits in FIN_WAIT2 for a
//! FIN that never comes, and the server's end sits in CLOSE_WAIT for as long as the server
//! runs (lesson 00's teardown, stopped halfway).
//!
//! Make it close each connection once the client has closed (`read` returned 0), and keep
//! serving the next client. What the check does at the edges:
//!
//! - a client sends two messages on one connection: each gets its answer; the connection is
//!   closed only after the client has closed its side (then it reads 0, your FIN);
//! - a client that leaves without a word: its connection is closed too;
//! - a client that resets its connection, while the server reads (the read fails) or while
//!   it is blocked writing the answers of a client that never reads them (the write fails):
//!   that ends this client only, and the next one is served;
//! - a client that pauses between two messages: a pause is not a close (the check pauses
//!   half a second, and shortens any read timeout your server set on the connection so
//!   that it runs out meanwhile);
//! - an `accept` that fails because the process has no descriptor left (EMFILE): the
//!   client waiting must be served once descriptors are free again;
//! - `serve` never returns, however many clients come (the check sends 16);
//! - after the last client, the process holds no more descriptors and no more threads than
//!   before the first: `shutdown` sends a FIN but keeps the socket; only closing it (drop)
//!   gives it back.
//!
//! Check it: `cargo run --example check -- 00` (`--watch` checks again on every save).
//! The page: docs/00_tcp_states.md (中文: docs/zh-CN/00_tcp_states.md).

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

/// Serves clients one after another, for ever: each message gets back `got N bytes\n`.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    // Every client served so far, kept for a summary later.
    let mut served: Vec<TcpStream> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let (mut conn, _addr) = listener.accept()?;
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if conn
                .write_all(format!("got {n} bytes\n").as_bytes())
                .is_err()
            {
                break;
            }
        }
        served.push(conn);
    }
}
