//! Wrong answer to exercise 05: tries a non-blocking read first, then waits in a blocking
//! one, restoring the blocking mode on every path but an error's: a call that fails
//! (ECONNREFUSED) leaves the caller's socket non-blocking.
//! Rejected at: a call that fails (ECONNREFUSED: the socket is connected to a port where nothing listens): the socket's settings after it
//! Says: got: after your receive it is non-blocking

use std::io;
use std::net::{SocketAddr, UdpSocket};

pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    let mut buf = vec![0u8; 65507];
    socket.set_nonblocking(true)?;
    let first = socket.recv_from(&mut buf);
    let (n, from) = match first {
        Ok(got) => {
            socket.set_nonblocking(false)?;
            got
        }
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
            socket.set_nonblocking(false)?;
            socket.recv_from(&mut buf)?
        }
        Err(e) => return Err(e),
    };
    buf.truncate(n);
    Ok((buf, from))
}
