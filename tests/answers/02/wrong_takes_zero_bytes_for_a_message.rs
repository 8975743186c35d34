//! Wrong answer to exercise 02: errors end the client and nothing is decoded, but a read of
//! 0 bytes is taken for an empty message: the server answers nothing and reads again, for
//! ever, and the next client waits in the backlog.
//! Rejected at: client 2, after client 1 closed

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
                Ok(n) => n,
                Err(_) => break,
            };
            if conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                break;
            }
        }
    }
}
