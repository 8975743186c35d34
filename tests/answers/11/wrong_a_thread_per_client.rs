//! Wrong answer to exercise 11: a thread per client, each with a blocking connection. It
//! serves everyone (lesson 11's way `threads`), but it is not the exercise: one thread,
//! non-blocking sockets.
//! Rejected at: three clients connected (A, C, D): the threads of this process

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            loop {
                let n = match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                    break;
                }
            }
        });
    }
    Ok(())
}
