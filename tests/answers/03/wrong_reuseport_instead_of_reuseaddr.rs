//! Wrong answer to exercise 03: SO_REUSEPORT instead of SO_REUSEADDR. The restart works on
//! Linux, and so does a second server on the same port while the first one runs: the
//! kernel then shares the clients between them.
//! Rejected at: listen on the same port a third time, while the restarted server still listens there

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
