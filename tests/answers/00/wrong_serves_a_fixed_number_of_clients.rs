//! Wrong answer to exercise 00: right for each client, but written to serve as many clients
//! as a quick test uses, then return (a failed accept, retried at once, uses up the count).
//! Rejected at: accept fails with EMFILE while client 8 waits

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    for _ in 0..8 {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
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
    Ok(())
}
