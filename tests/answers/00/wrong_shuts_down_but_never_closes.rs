//! Wrong answer to exercise 00: each connection is shut down (the FIN goes out, the client
//! sees the end) but kept in the Vec "for a summary": the socket is never closed, and every
//! client served leaves a descriptor behind.
//! Rejected at: after the last client: the process's descriptors and threads, against after the first

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut served: Vec<TcpStream> = Vec::new();
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
        let _ = conn.shutdown(Shutdown::Both);
        served.push(conn);
    }
}
