//! Wrong answer to exercise 03: SO_REUSEADDR before bind, right, but the socket is always
//! made for IPv4, whatever the address: listen([::1]:0) fails.
//! Rejected at: listen([::1]:0)

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
