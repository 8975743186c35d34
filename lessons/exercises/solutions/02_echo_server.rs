//! The course's answer to exercise 02 (lessons/exercises/02_echo_server.rs).

use std::io::{self, Read, Write};
use std::net::TcpListener;

/// Serves clients one after another, for ever: each message upper-cased back.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // A failed accept (a client that reset before we took it) is that client's
        // problem: go on listening.
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        loop {
            let n = match conn.read(&mut buf) {
                // 0 bytes: the client closed. Not an empty message: stop reading it.
                Ok(0) => break,
                Ok(n) => n,
                // A reset or any other error ends this client, not the server.
                Err(_) => break,
            };
            // Upper-case the ASCII letters and leave every other byte as it is: no
            // decoding, so bytes that are not UTF-8 cannot fail.
            let reply = buf[..n].to_ascii_uppercase();
            if conn.write_all(&reply).is_err() {
                break;
            }
        }
    }
}
