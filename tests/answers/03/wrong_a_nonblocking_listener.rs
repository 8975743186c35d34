//! Wrong answer to exercise 03: SO_REUSEADDR before bind, right, and the listener made
//! non-blocking "so that it never hangs": a server's accept loop fails with WouldBlock
//! whenever no client is waiting.
//! Rejected at: listen(127.0.0.1:0)
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
