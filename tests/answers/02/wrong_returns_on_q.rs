//! Wrong answer to exercise 02: the lesson's `q` ends the whole server instead of that
//! client's session: serve returns, and nobody is served again.
//! Rejected at: client 9, after client 8's q
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
                return Ok(());
            }
            if conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                break;
            }
        }
    }
}
