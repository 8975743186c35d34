//! Wrong answer to exercise 00: the read is unwrapped, "a read cannot fail here": a client
//! that resets makes it panic, and the server is gone.
//! Rejected at: client 4, after client 3 reset its connection
//! Says: your serve() panicked at tests/answers/00/wrong_unwraps_the_read.rs:

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        loop {
            let n = conn.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            if conn
                .write_all(format!("got {n} bytes\n").as_bytes())
                .is_err()
            {
                break;
            }
        }
    }
}
