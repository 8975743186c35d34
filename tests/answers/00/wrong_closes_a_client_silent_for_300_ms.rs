//! Wrong answer to exercise 00: a non-blocking read loop that counts the time a client has
//! been silent and closes it after 300 ms ("an idle client wastes the server"): a client
//! that pauses between two messages loses its connection, though it never closed.
//! Rejected at: client 9, after a pause of 500 ms between two messages
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _)) = listener.accept() else {
            continue;
        };
        if conn.set_nonblocking(true).is_err() {
            continue;
        }
        let mut last = Instant::now();
        loop {
            match conn.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    last = Instant::now();
                    let _ = conn.set_nonblocking(false);
                    let sent = conn.write_all(format!("got {n} bytes\n").as_bytes());
                    let _ = conn.set_nonblocking(true);
                    if sent.is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if last.elapsed() > Duration::from_millis(300) {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => break,
            }
        }
    }
}
