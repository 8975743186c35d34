//! Wrong answer to exercise 00 (from a teacher's blind set): every client's errors are
//! handled and each connection is closed, but `listener.accept()?` ends the server on the
//! first failed accept (EMFILE when the process has no descriptor left).
//! Rejected at: accept fails with EMFILE while client 8 waits

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    let mut count = 0u64;
    loop {
        let (mut conn, _addr) = listener.accept()?;
        count += 1;
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
        drop(conn);
        let _ = count;
    }
}
