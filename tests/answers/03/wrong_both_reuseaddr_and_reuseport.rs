//! Wrong answer to exercise 03: both options, "to be sure": the restart works, and a second
//! server can share the port with the running one.
//! Rejected at: listen on the same port a third time, while the restarted server still listens there

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
