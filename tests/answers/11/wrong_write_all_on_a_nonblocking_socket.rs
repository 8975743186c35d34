//! Wrong answer to exercise 11: the one-line fix. The connection is made non-blocking, and
//! the answer still goes out with `write_all`, which gives up with WouldBlock half-way as
//! soon as the client's buffers are full: that client is dropped with its echo cut.
//! Rejected at: client F sends 8 MiB and reads nothing until its sending blocks; meanwhile client G sends 200 messages

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<TcpStream> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        match listener.accept() {
            Ok((conn, _addr)) => {
                conn.set_nonblocking(true)?;
                conns.push(conn)
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        conns.retain_mut(|conn| match conn.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => conn.write_all(&buf[..n].to_ascii_uppercase()).is_ok(),
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(_) => false,
        });
    }
}
