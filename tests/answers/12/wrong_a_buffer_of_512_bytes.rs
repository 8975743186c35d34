//! Wrong answer to exercise 12: the course's answer with a buffer of 512 bytes ("a time is a
//! few dozen bytes"): an answer of up to 1024 bytes, which the server may send, is cut.
//! Rejected at: request 7, an answer of 1024 bytes

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Asks the time server at `server` for the time in `format`: its answer, or `None` when
/// none comes within `wait`.
pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    let any: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("an address")
    } else {
        "[::]:0".parse().expect("an address")
    };
    let socket = UdpSocket::bind(any)?;
    // connect() on UDP sends nothing. It records the server as the only peer: the kernel
    // drops datagrams from any other address, and `send` needs no address.
    socket.connect(server)?;
    // A zero duration is refused by set_read_timeout (it would mean "no limit" to the OS).
    socket.set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
    socket.send(format.as_bytes())?;
    let mut buf = [0u8; 512];
    match socket.recv(&mut buf) {
        Ok(n) => Ok(Some(buf[..n].to_vec())),
        // Nothing within the limit: the request or the answer was lost (or nobody
        // answers). UDP will not resend; saying so is the caller's business.
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
        // ConnectionRefused: an ICMP "port unreachable" came back, no server at that port.
        Err(e) => Err(e),
    }
}
