//! Wrong answer to exercise 00: read errors end the client, but the write keeps its `?`:
//! a client that resets while the server is blocked writing to it ends the whole server.
//! Rejected at: client 6, after client 5 reset while your server wrote to it
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _)) = listener.accept() else {
            continue;
        };
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            conn.write_all(format!("got {n} bytes\n").as_bytes())?;
        }
    }
}
