//! Wrong answer to exercise 00: the connection is closed right after the first answer,
//! without waiting for the client to close: a client with a second message gets no answer.
//! Rejected at: client 1

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        if let Ok(n) = conn.read(&mut buf) {
            if n > 0 {
                let _ = conn.write_all(format!("got {n} bytes\n").as_bytes());
            }
        }
    }
}
