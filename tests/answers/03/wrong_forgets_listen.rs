//! Wrong answer to exercise 03: socket, option, bind, and no listen(): the socket is bound
//! but accepts nobody, and a client's connect is refused.
//! Rejected at: a client connects; the server closes the connection first, then the client

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}
