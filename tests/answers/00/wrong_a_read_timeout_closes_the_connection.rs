//! Wrong answer to exercise 00 (from a teacher's blind set): a read timeout of 1 s "so that
//! a silent client cannot hold the server", and the timeout's error taken for the end of
//! the client: a client that pauses between two messages loses its connection, though it
//! never closed.
//! Rejected at: client 9, after a pause of 500 ms between two messages
//! Says: the check shortened it to 50 ms

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let (mut conn, _addr) = match listener.accept() {
            Ok(c) => c,
            Err(_) => continue,
        };
        let _ = conn.set_read_timeout(Some(Duration::from_secs(1)));
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if conn
                .write_all(format!("got {n} bytes\n").as_bytes())
                .is_err()
            {
                break;
            }
        }
    }
}
