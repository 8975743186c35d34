//! Wrong answer to exercise 11: non-blocking connections and one `write` per read, its
//! count ignored: when the client's buffers are full, the bytes the write did not take are
//! simply lost.
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
            Err(_) => {}
        }
        conns.retain_mut(|conn| match conn.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => {
                let _ = conn.write(&buf[..n].to_ascii_uppercase());
                true
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            Err(_) => false,
        });
    }
}
