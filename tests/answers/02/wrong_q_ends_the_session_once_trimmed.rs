//! Wrong answer to exercise 02 (from a teacher's blind set): ends the session on any
//! message that is q once trimmed and compared without case (b"q\n" from nc or telnet,
//! b"Q", b" q"); only the one-byte message q is the lesson's quit, the others are messages
//! to answer.
//! Rejected at: client 8 sends b"q\n", b"Q", b" q": messages like any other

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
            if buf[..n].trim_ascii().eq_ignore_ascii_case(b"q") {
                break;
            }
            if conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                break;
            }
        }
    }
}
