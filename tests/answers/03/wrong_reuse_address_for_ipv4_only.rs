//! Wrong answer to exercise 03: SO_REUSEADDR set only when the address is IPv4 ("TIME_WAIT
//! is an IPv4 thing"): a server on [::1] still cannot restart on its port.
//! Rejected at: listen on the same IPv6 port again, at once, while the server's last connection is in TIME_WAIT
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    if addr.is_ipv4() {
        socket.set_reuse_address(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
