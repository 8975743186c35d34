//! Wrong answer to exercise 03: SO_REUSEADDR before bind, right, but bound to 0.0.0.0 and
//! the port, whatever address was given: the server listens on every network the machine
//! is on.
//! Rejected at: listen(127.0.0.1:0)
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    let any = SocketAddr::from(([0, 0, 0, 0], addr.port()));
    socket.bind(&any.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
