//! Wrong answer to exercise 11: a read timeout of 1 ms on each connection instead of
//! non-blocking mode. A silent client now costs 1 ms per turn, but writes still block: a
//! client that does not read stops the one thread in write_all.
//! Rejected at: client G sends 200 messages, one at a time, while client F has sent megabytes and reads nothing

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<TcpStream> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Ok((conn, _addr)) = listener.accept() {
            if conn
                .set_read_timeout(Some(Duration::from_millis(1)))
                .is_ok()
            {
                conns.push(conn);
            }
        }
        conns.retain_mut(|conn| match conn.read(&mut buf) {
            Ok(0) => false,
            Ok(n) => conn.write_all(&buf[..n].to_ascii_uppercase()).is_ok(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => true,
            Err(_) => false,
        });
    }
}
