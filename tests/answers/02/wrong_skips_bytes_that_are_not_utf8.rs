//! Wrong answer to exercise 02: text that decodes is upper-cased, and bytes that are not
//! UTF-8 are sent back unchanged: b"caf\xe9" comes back with its ASCII letters still lower.
//! Rejected at: client 3, Latin-1 bytes

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let reply = match std::str::from_utf8(&buf[..n]) {
                Ok(text) => text.to_uppercase().into_bytes(),
                Err(_) => buf[..n].to_vec(),
            };
            if conn.write_all(&reply).is_err() {
                break;
            }
        }
    }
}
