//! Wrong answer to exercise 03 (written blind, from the task text, by an independent
//! teacher): std's TcpListener::bind (which sets SO_REUSEADDR before it binds), then
//! SO_REUSEPORT set after the bind "to make restarts work". Its own second `listen` still
//! fails, but another program of the same user that sets SO_REUSEPORT before its bind now
//! binds and listens on the same port beside it.
//! Rejected at: another server binds the same port while yours listens, with SO_REUSEPORT, then with SO_REUSEADDR, set before its bind
//! Says: a socket with SO_REUSEPORT set before bind bound

use socket2::SockRef;
use std::io;
use std::net::{SocketAddr, TcpListener};

/// socket, bind to `addr`, listen(5): a listening socket.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    SockRef::from(&listener).set_reuse_port(true)?;
    Ok(listener)
}
