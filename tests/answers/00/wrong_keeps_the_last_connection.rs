//! Wrong answer to exercise 00: only the last connection is kept "for the summary", so each
//! one is closed only when the next client arrives: until then the client that left waits
//! in FIN_WAIT2, and the server's end sits in CLOSE_WAIT.
//! Rejected at: client 1: shutdown(SHUT_WR), then recv must return 0 bytes (the server closed its side)

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut last: Option<TcpStream> = None;
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
            if conn
                .write_all(format!("got {n} bytes\n").as_bytes())
                .is_err()
            {
                break;
            }
        }
        last = Some(conn);
        let _ = &last;
    }
}
