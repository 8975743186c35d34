//! Wrong answer to exercise 05: reads in a loop until nothing is waiting, as one would for
//! TCP, and returns everything: datagrams queued together come back glued into one.
//! Rejected at: three datagrams (b"one", b"two", b"three", from two peers) queued before the first call: call 1

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65_507];
    let (n, from) = socket.recv_from(&mut buf)?;
    let mut all = buf[..n].to_vec();
    socket.set_nonblocking(true)?;
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, _)) => all.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => {
                socket.set_nonblocking(false)?;
                return Err(e);
            }
        }
    }
    socket.set_nonblocking(false)?;
    Ok((all, from))
}
