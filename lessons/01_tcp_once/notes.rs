//! The notes' program, in plain Rust: notes A §2 TCP客户端服务端模型一 (also notes C 第一版,
//! notes E §5 socket基本操作). One client, one message each way, then both sides close.
//!
//! Every call the notes make is here, in their order, numbered as they number them. socket2
//! gives the calls one by one (`socket`, `bind`, `listen`); std's `TcpListener::bind` would
//! make all three in one call.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 01_tcp_once -- notes-server`, then `… -- notes-client`.
//! Either side can be the notes' own Python program: the address and the bytes are theirs.

use socket2::{Domain, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

/// The notes' address: `('127.0.0.1', 9696)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// `(host, port)` as one address, the way Python's `bind((addr, port))` takes it.
fn address(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}")))
}

/// The server (notes A §2 【1】服务端).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    let addr = address(host, port)?;

    // 1. socket(AF_INET, SOCK_STREAM): a TCP socket, not yet anywhere.
    let server = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;

    // 2. bind((addr, port)): the address clients will call.
    server.bind(&addr.into())?;

    // 3. listen(5): start accepting connections; up to 5 may wait to be accepted (on Linux
    //    one more, 6, and a larger number is cut to somaxconn: lessons 00 and 03).
    server.listen(5)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!(
        "listening on {}",
        server.local_addr()?.as_socket().unwrap_or(addr)
    );

    // 4. accept(): wait for a client. It returns a new socket for that one client and the
    //    client's address; `server` goes on listening.
    let (conn, client_addr) = server.accept()?;
    let mut conn: TcpStream = conn.into();
    // The address is the client's own socket address: the OS picked its port.
    let client_addr = client_addr.as_socket().unwrap_or(addr);
    println!("client_addr: {client_addr}");

    // 5. recv(1024): at most 1024 bytes, whatever has arrived; 0 means the client closed.
    let mut buf = [0u8; 1024];
    let n = conn.read(&mut buf)?;
    // the notes: .decode() raises on bytes that are not UTF-8; from_utf8_lossy shows them.
    println!("from the client: {}", String::from_utf8_lossy(&buf[..n]));

    // 6. send: the reply, encoded as UTF-8, with the client's address in it as the notes do.
    //    the notes: send() may send only part; write_all is sendall.
    let reply = format!(
        "你好!我是服务端!('{}', {})",
        client_addr.ip(),
        client_addr.port()
    );
    conn.write_all(reply.as_bytes())?;

    // 7. close: the connection, then the listening socket (dropping each closes it).
    drop(conn);
    drop(server);
    Ok(())
}

/// The client (notes A §2 【2】客户端).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect((addr, port)): std makes the socket and connects in one call.
    let mut client = TcpStream::connect(address(host, port)?)?;

    // 3. send: the message, encoded as UTF-8 (23 bytes: 3 for each Chinese character).
    //    the notes: send() may send only part; write_all is sendall.
    client.write_all("你好!我是客户端!".as_bytes())?;

    // 4. recv(1024)
    let mut buf = [0u8; 1024];
    let n = client.read(&mut buf)?;
    println!("from the server: {}", String::from_utf8_lossy(&buf[..n]));

    // 5. close
    drop(client);
    Ok(())
}
