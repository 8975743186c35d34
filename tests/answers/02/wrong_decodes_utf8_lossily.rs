//! Wrong answer to exercise 02: the bytes are decoded with from_utf8_lossy so that nothing
//! fails, then upper-cased as text: a byte that is not UTF-8 comes back as U+FFFD.
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
            let text = String::from_utf8_lossy(&buf[..n]).to_uppercase();
            if conn.write_all(text.as_bytes()).is_err() {
                break;
            }
        }
    }
}
