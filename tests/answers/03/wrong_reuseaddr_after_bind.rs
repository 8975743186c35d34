//! Wrong answer to exercise 03: SO_REUSEADDR set after bind, when the port has already been
//! taken or refused: it changes nothing for this bind.
//! Rejected at: listen on the same port again, at once: the restarted server

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.bind(&addr.into())?;
    socket.set_reuse_address(true)?;
    socket.listen(5)?;
    Ok(socket.into())
}
