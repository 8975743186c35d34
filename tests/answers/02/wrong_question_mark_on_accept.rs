//! Wrong answer to exercise 02: every client's error is that client's, but accept keeps its
//! `?`: the first accept that fails (no descriptor left) ends the server.
//! Rejected at: accept fails with EMFILE while client 7 waits

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let (mut conn, _addr) = listener.accept()?;
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                break;
            }
        }
    }
}
