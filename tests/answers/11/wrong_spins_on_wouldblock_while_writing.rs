//! Wrong answer to exercise 11: each answer is written completely before the loop goes on,
//! retrying on WouldBlock. Nothing is lost, but while one client does not read, the one
//! thread spins on its write and serves nobody else.
//! Rejected at: client G sends 200 messages, one at a time, while client F has sent megabytes and reads nothing

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

fn write_everything(conn: &mut TcpStream, mut bytes: &[u8]) -> bool {
    while !bytes.is_empty() {
        match conn.write(bytes) {
            Ok(0) => return false,
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == ErrorKind::WouldBlock => continue,
            Err(_) => return false,
        }
    }
    true
}

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<TcpStream> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Ok((conn, _addr)) = listener.accept() {
            if conn.set_nonblocking(true).is_ok() {
                conns.push(conn);
            }
        }
        conns.retain_mut(|conn| match conn.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => write_everything(conn, &buf[..n].to_ascii_uppercase()),
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(_) => false,
        });
    }
}
