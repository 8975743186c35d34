//! Wrong answer to exercise 02: read errors end the client, but the write keeps its `?`: a
//! client that resets while the server writes to it ends the whole server.
//! Rejected at: client 5, after client 4 reset

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
            conn.write_all(&buf[..n].to_ascii_uppercase())?;
        }
    }
}
