//! Wrong answer to exercise 02: recv -> 0 now ends the client, and nothing is decoded, but
//! the read keeps its `?`: a client that resets ends the whole server.
//! Rejected at: client 3, after client 2 reset

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        loop {
            let n = conn.read(&mut buf)?;
            if n == 0 {
                break;
            }
            if conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                break;
            }
        }
    }
}
