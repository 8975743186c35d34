//! The course's answer to exercise 03 (lessons/exercises/03_rebind.rs).

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

/// socket, bind to `addr`, listen(5): a listening socket.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // setsockopt(SOL_SOCKET, SO_REUSEADDR, 1), before bind: bind looks at it then (set
    // later, it no longer helps this bind, though connections accepted afterwards copy it).
    // On Linux both sockets need it: this listener, and the old connection in TIME_WAIT,
    // which got the flag from the listener that accepted it, a listener made here too.
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
