//! Wrong answer to exercise 12: connect and a read timeout, right, and the answer decoded
//! and trimmed: it is no longer what the server sent.
//! Rejected at: request 6, "  %H:%M  \n": an answer with spaces and a newline at its ends
use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let socket = UdpSocket::bind("0.0.0.0:0")?;
    socket.connect(server)?;
    socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
    socket.send(format.as_bytes())?;
    let mut buf = [0u8; 1024];
    match socket.recv(&mut buf) {
        Ok(n) => Ok(Some(
            String::from_utf8_lossy(&buf[..n])
                .trim()
                .as_bytes()
                .to_vec(),
        )),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
        Err(e) => Err(e),
    }
}
