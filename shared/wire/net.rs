//! Listening and connecting, with every socket option the lessons care about set explicitly.
//!
//! Why socket2 and not `std::net::TcpListener::bind`? On Unix, std quietly turns
//! SO_REUSEADDR **on** before it binds. That is a sensible default for servers, but it hides
//! the very problem notes A §5 端口占用问题解决方案 teaches ("Address already in use" after a
//! restart). Here the option is a visible, named choice: [`ListenOptions::reuse_address`].

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};

/// The host the notes use everywhere (notes A §2): loopback, IPv4.
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// The port of notes A (`prot = 9696`).
pub const DEFAULT_PORT: u16 = 9696;
/// `server.listen(5)` in every set of notes: how many finished handshakes the kernel keeps
/// queued for a server that has not called `accept` yet.
pub const DEFAULT_BACKLOG: i32 = 5;

/// How a listener is set up before `bind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListenOptions {
    /// SO_REUSEADDR. On Linux a new listener may take a port that a connection in TIME_WAIT
    /// still holds only if **both** that old connection (it inherits the flag from the
    /// listener that accepted it) and the new listener have it set. See lesson 03.
    pub reuse_address: bool,
    /// The `listen(backlog)` argument.
    pub backlog: i32,
}

impl ListenOptions {
    /// SO_REUSEADDR on, backlog 5: what the notes' "complete" servers do (notes A §8).
    pub const fn new() -> Self {
        Self {
            reuse_address: true,
            backlog: DEFAULT_BACKLOG,
        }
    }

    /// The same options with SO_REUSEADDR set to `on`.
    pub const fn reuse_address(self, on: bool) -> Self {
        Self {
            reuse_address: on,
            ..self
        }
    }

    /// The same options with another backlog.
    pub const fn backlog(self, backlog: i32) -> Self {
        Self { backlog, ..self }
    }
}

impl Default for ListenOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// Wraps an OS error with what we were doing and to which address, keeping its kind, so a
/// learner reads `bind 127.0.0.1:9696: Address already in use (os error 98)` (in Chinese
/// `bind 127.0.0.1:9696：地址已被占用（os error 98）`) and a test can still match on
/// [`io::ErrorKind::AddrInUse`].
pub fn context(err: io::Error, what: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        err.kind(),
        crate::tr!("{what}: {}" | "{what}：{}", crate::lang::error_text(&err)),
    )
}

/// socket → setsockopt(SO_REUSEADDR) → bind → listen, the four steps of notes A §2 and §4.
///
/// Errors name the step and the address.
///
/// ```
/// use socket_lessons::wire::net::{listen, ListenOptions};
/// use std::io::ErrorKind;
///
/// // Port 0: the OS picks a free port; local_addr says which.
/// let first = listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
/// let addr = first.local_addr()?;
/// // A second listener on the same address is refused while the first one listens.
/// let err = listen(addr, ListenOptions::new()).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::AddrInUse);
/// assert!(err.to_string().starts_with(&format!("bind {addr}: ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn listen(addr: SocketAddr, options: ListenOptions) -> io::Result<TcpListener> {
    // 1. socket(AF_INET or AF_INET6, SOCK_STREAM)
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(|e| context(e, crate::tr!("socket for {addr}" | "为 {addr} 创建 socket")))?;
    // 2. setsockopt(SOL_SOCKET, SO_REUSEADDR, on/off): before bind, which looks at it. Set
    //    later on a listener it no longer helps that bind, but it is not without effect: the
    //    connections accepted afterwards copy it, and a restart can bind over them once they
    //    are in TIME_WAIT (lesson 03, round 5).
    socket
        .set_reuse_address(options.reuse_address)
        .map_err(|e| context(e, "setsockopt SO_REUSEADDR"))?;
    // 3. bind((host, port)). Port 0 asks the OS for any free port.
    socket
        .bind(&addr.into())
        .map_err(|e| context(e, format_args!("bind {addr}")))?;
    // 4. listen(backlog)
    socket
        .listen(options.backlog)
        .map_err(|e| context(e, crate::tr!("listen on {addr}" | "在 {addr} 上 listen")))?;
    Ok(socket.into())
}

/// Like [`listen`], for a host name or address text and a port, as typed on the command
/// line. `localhost`, `127.0.0.1`, `::1` and `[::1]` all work. Tries each address the name
/// resolves to and returns the first listener that binds.
pub fn listen_on(host: &str, port: u16, options: ListenOptions) -> io::Result<TcpListener> {
    let mut last = None;
    for addr in resolve(host, port)? {
        match listen(addr, options) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| no_address(host, port)))
}

/// Connects to `host:port`, trying each address the name resolves to, like Python's
/// `socket.create_connection`. The error names the address that failed.
pub fn connect(host: &str, port: u16) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in resolve(host, port)? {
        match connect_addr(addr) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| no_address(host, port)))
}

/// Connects to one address; the error names it.
pub fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
    TcpStream::connect(addr).map_err(|e| context(e, format_args!("connect {addr}")))
}

/// Resolves `host` (a name, an IPv4 or IPv6 address, IPv6 with or without brackets).
pub fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| context(e, crate::tr!("resolve {host}" | "解析 {host}")))?
        .collect();
    if addrs.is_empty() {
        return Err(no_address(host, port));
    }
    Ok(addrs)
}

fn no_address(host: &str, port: u16) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        crate::tr!(
            "{host}:{port}: the name resolves to no address"
                | "{host}:{port}：这个名字解析不出任何地址"
        ),
    )
}

/// Closes a connection without losing what was just sent: shut down the sending half (FIN
/// after the queued bytes), then read and drop whatever the peer still sends, until it
/// closes, `max` bytes or `limit`, whichever comes first.
///
/// Closing a socket that has unread bytes makes the OS send a reset (RST) instead, and a
/// reset may overtake the last bytes sent: the peer's `recv` can fail with "connection
/// reset" before it reads them. A server that refuses a client and closes at once risks
/// exactly that when the client sent more than was read. (Web servers call this a
/// lingering close.)
pub fn close_gently(mut stream: TcpStream, limit: std::time::Duration, max: usize) {
    use std::io::Read;
    // Errors here only mean the peer is already gone: nothing left to protect.
    if stream.shutdown(std::net::Shutdown::Write).is_err() {
        return;
    }
    let deadline = std::time::Instant::now() + limit;
    let mut buf = [0u8; 4096];
    let mut dropped = 0;
    while dropped < max {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => dropped += n,
        }
    }
}

/// Closes a TCP connection with a reset (RST) instead of the normal FIN handshake, by setting
/// SO_LINGER to zero before the close. The other side's next `recv` fails with "connection
/// reset by peer", as it does in real life when a peer's OS closes a socket that still had
/// unread data, or when a rebooted host answers for a connection it no longer knows. Tests
/// and demos use it to show that a server survives such a client.
pub fn close_with_reset(stream: TcpStream) -> io::Result<()> {
    let socket = Socket::from(stream);
    socket.set_linger(Some(std::time::Duration::ZERO))?;
    drop(socket);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn loopback() -> SocketAddr {
        "127.0.0.1:0".parse().unwrap()
    }

    #[test]
    fn reuse_address_is_set_exactly_as_asked() {
        for on in [false, true] {
            let listener = listen(loopback(), ListenOptions::new().reuse_address(on)).unwrap();
            let socket = Socket::from(listener);
            assert_eq!(socket.reuse_address().unwrap(), on);
        }
    }

    #[test]
    fn a_bound_port_cannot_be_bound_twice_and_the_error_names_it() {
        let first = listen(loopback(), ListenOptions::new()).unwrap();
        let addr = first.local_addr().unwrap();
        let err = listen(addr, ListenOptions::new()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(
            err.to_string().starts_with(&format!("bind {addr}: ")),
            "{err}"
        );
    }

    #[test]
    fn ipv6_loopback_listens_and_connects_where_the_machine_has_it() {
        let Ok(listener) = listen_on("[::1]", 0, ListenOptions::new()) else {
            // Some containers have no IPv6 at all; nothing to test there.
            return;
        };
        let port = listener.local_addr().unwrap().port();
        let mut client = connect("::1", port).unwrap();
        let (mut conn, peer) = listener.accept().unwrap();
        assert!(peer.is_ipv6());
        client.write_all(b"hi").unwrap();
        let mut buf = [0; 2];
        conn.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"hi");
    }

    #[test]
    fn connect_to_a_closed_port_names_the_address() {
        let listener = listen(loopback(), ListenOptions::new()).unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let err = connect_addr(addr).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(err.to_string().contains(&addr.to_string()), "{err}");
    }

    #[test]
    fn a_reset_close_makes_the_peer_recv_fail_with_connection_reset() {
        let listener = listen(loopback(), ListenOptions::new()).unwrap();
        let client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        close_with_reset(client).unwrap();
        let mut buf = [0; 16];
        let err = conn.read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }

    #[test]
    fn unresolvable_host_is_a_clear_error() {
        let err = resolve("no such host .invalid", 1).unwrap_err();
        assert!(err.to_string().contains("no such host .invalid"), "{err}");
    }
}
