//! Wrong answer to exercise 05 (written blind, from the task text, by an independent
//! teacher): switches the caller's socket to non-blocking and spins on WouldBlock until a
//! datagram comes, restoring the blocking mode only on success: while it waits the socket is
//! non-blocking for everyone who shares it, the call burns a core, and an error return
//! leaves the socket non-blocking.
//! Rejected at: receive is called first; the datagram b"late" comes after
//! Says: got: while it waited, the socket was non-blocking

use std::io;
use std::net::{SocketAddr, UdpSocket};

/// Receives one datagram: its bytes and who sent it.
pub fn receive(socket: &UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)> {
    socket.set_nonblocking(true)?;
    let mut buf = vec![0u8; 65507];
    loop {
        match socket.recv_from(&mut buf) {
            Ok((n, from)) => {
                socket.set_nonblocking(false)?;
                buf.truncate(n);
                return Ok((buf, from));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::hint::spin_loop(),
            Err(e) => return Err(e),
        }
    }
}
