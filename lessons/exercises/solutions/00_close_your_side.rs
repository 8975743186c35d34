//! The course's answer to exercise 00 (lessons/exercises/00_close_your_side.rs).

use std::io::{self, Read, Write};
use std::net::TcpListener;

/// Serves clients one after another, for ever: each message gets back `got N bytes\n`.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        loop {
            let n = match conn.read(&mut buf) {
                // 0 bytes: the client's FIN. Our end is in CLOSE_WAIT from this moment
                // until we close it.
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
        // Closing the socket sends our FIN: CLOSE_WAIT -> LAST_ACK -> gone, and the
        // client's end goes from FIN_WAIT2 to TIME_WAIT. `drop` is Python's `conn.close()`.
        // (A summary needs a count or the addresses, never the sockets themselves.)
        drop(conn);
    }
}
