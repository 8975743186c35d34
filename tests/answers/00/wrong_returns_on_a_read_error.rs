//! Wrong answer to exercise 00: the connection is closed once the client has closed, but a
//! read error (a client that resets) is passed up with `?`, and the whole server ends.
//! Rejected at: client 4, after client 3 reset its connection

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let (mut conn, _addr) = listener.accept()?;
        loop {
            let n = conn.read(&mut buf)?;
            if n == 0 {
                break;
            }
            conn.write_all(format!("got {n} bytes\n").as_bytes())?;
        }
    }
}
