//! Wrong answer to exercise 02 (from a teacher's blind set): valid UTF-8 goes through
//! str::to_uppercase, other bytes through to_ascii_uppercase: "café ß" comes back as "CAFÉ
//! SS", other bytes and another length, where only the ASCII letters may change.
//! Rejected at: client 3, UTF-8 text whose letters are not all ASCII

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _)) = listener.accept() else {
            continue;
        };
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if &buf[..n] == b"q" {
                break;
            }
            let reply = match std::str::from_utf8(&buf[..n]) {
                Ok(text) => text.to_uppercase().into_bytes(),
                Err(_) => buf[..n].to_ascii_uppercase(),
            };
            if conn.write_all(&reply).is_err() {
                break;
            }
        }
    }
}
