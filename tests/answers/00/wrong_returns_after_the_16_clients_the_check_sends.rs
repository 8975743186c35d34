//! Wrong answer to exercise 00 (written blind, from the task text, by an independent
//! teacher): right for each client, but it serves exactly 16 clients, the number the task
//! text says the check sends, and then returns Ok(()).
//! Rejected at: after client 16: serve is still running, waiting in accept for the next client
//! Says: your serve() returned Ok(()): the server stopped serving

use std::io::{self, Read, Write};
use std::net::TcpListener;

/// Serves clients one after another, for ever: each message gets back `got N bytes\n`.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    let mut clients = 0;
    while clients < 16 {
        let (mut conn, _addr) = match listener.accept() {
            Ok(p) => p,
            Err(_) => continue,
        };
        clients += 1;
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if conn.write_all(format!("got {n} bytes\n").as_bytes()).is_err() {
                break;
            }
        }
    }
    Ok(())
}
