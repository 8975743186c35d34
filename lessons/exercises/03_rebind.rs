//! Exercise 03: a server that can restart on its port.
//!
//! `listen` sets up a listening socket the way the notes' first servers do: socket, bind,
//! listen(5), with socket2 so that every step is in sight. Stop such a server right after
//! it has closed a client's connection and start it again: the connection it closed first
//! waits in TIME_WAIT for a minute, still holding the port, and `bind` fails with "Address
//! already in use".
//!
//! Make a server built with `listen` able to restart on its port at once. What the check
//! does at the edges:
//!
//! - the restart happens while the old connection is in TIME_WAIT (the check waits until
//!   the kernel's table says so), and the restarted server must serve a client;
//! - while that server still listens, `listen` on the same port a third time must fail
//!   with AddrInUse: restarting is allowed, running two servers on one port is not;
//! - `listen` binds the address it is given (not 0.0.0.0), an IPv6 one too (`[::1]:0`,
//!   where the check restarts the server the same way), and returns the listener in the
//!   ordinary, blocking mode, as the starter's does.
//!
//! Check it: `cargo run --example check -- 03` (`--watch` checks again on every save).
//! The page: docs/03_conn_loop.md (中文: docs/zh-CN/03_conn_loop.md).

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};

/// socket, bind to `addr`, listen(5): a listening socket.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.bind(&addr.into())?;
    socket.listen(5)?;
    Ok(socket.into())
}
