//! The notes' program, in plain Rust: notes C UDP协议下的socket, 自制时间服务器. The client
//! sends a time format (`%Y %m %d`); the server answers with the time now in that format,
//! or in `%Y-%m-%d %X` when the datagram is empty.
//!
//! Python's `time.strftime(fmt, time.localtime())` is chrono's
//! `Local::now().format(fmt)` here: the chrono crate is what the notes' `time` module
//! maps to, with the same `%` codes.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 12_udp_chat -- notes-time-server`, then `… -- notes-time-client`.
//! Either side can be the notes' own Python program: the address and the bytes are theirs.

use chrono::Local;
use socket2::{Domain, Socket, Type};
use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

/// The notes' address: `ip_port = ('127.0.0.1', 9000)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9000;

/// The notes' `bufsize = 1024`.
const BUFSIZE: usize = 1024;

/// `(host, port)` as one address, the way Python's `bind((addr, port))` takes it.
fn address(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}")))
}

/// The server (notes C 自制时间服务器, 服务端).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    let addr = address(host, port)?;

    // 1. socket(AF_INET, SOCK_DGRAM)
    let server = Socket::new(Domain::for_address(addr), Type::DGRAM, None)?;

    // 2. setsockopt(SOL_SOCKET, SO_REUSEADDR, 1), as the notes do. On a UDP socket it
    //    lets a second server that sets it too bind the same port (lesson 05).
    server.set_reuse_address(true)?;

    // 3. bind(ip_port)
    server.bind(&addr.into())?;
    let server: UdpSocket = server.into();
    // (not in the notes) where it is bound, so that port 0 (any free port) can be used.
    println!("bound to {}", server.local_addr()?);

    let mut buf = [0u8; BUFSIZE];
    loop {
        // 4. recvfrom(1024): a format, and who asks.
        let (n, addr) = server.recv_from(&mut buf)?;
        // the notes: msg.decode('utf-8') raises on other bytes and the server dies; this
        // reads them as U+FFFD.
        let msg = String::from_utf8_lossy(&buf[..n]);
        println!("from {addr}: format {msg:?}");

        // 5. strftime(time_fmt, time.localtime()); an empty datagram means the default.
        let time_fmt = if msg.is_empty() { "%Y-%m-%d %X" } else { &msg };
        let mut back_msg = String::new();
        // the notes: strftime copies a code it does not know (%Q) on Linux and raises on
        // Windows; chrono's formatting fails on it (to_string() would panic), so this
        // answers with a line saying so.
        if write!(back_msg, "{}", Local::now().format(time_fmt)).is_err() {
            back_msg = format!("not a time format: {time_fmt}");
        }
        println!("answer: {back_msg}");

        // 6. sendto(answer, addr): back to whoever asked.
        server.send_to(back_msg.as_bytes(), addr)?;
    }
}

/// The client (notes C 自制时间服务器, 客户端).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    let ip_port = address(host, port)?;
    // 1. socket(AF_INET, SOCK_DGRAM), no bind: the first sendto picks this side's port.
    let client: UdpSocket = Socket::new(Domain::for_address(ip_port), Type::DGRAM, None)?.into();

    let mut buf = [0u8; BUFSIZE];
    loop {
        // 2. input(): a format, such as %Y %m %d; an empty line asks for the default.
        print!("time format (e.g. %Y %m %d): ");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // end of input
        }
        let msg = line.trim();

        // 3. sendto(format, ip_port). An empty line is an empty datagram, which still
        //    reaches the server.
        client.send_to(msg.as_bytes(), ip_port)?;

        // 4. recv(1024): the answer. It waits for ever if the datagram or its answer is
        //    lost: UDP resends nothing.
        let n = client.recv(&mut buf)?;
        // the notes: str(data, encoding='utf-8') raises on bytes that are not UTF-8 (an
        // answer cut inside a character); this prints them as U+FFFD.
        println!("time: {}", String::from_utf8_lossy(&buf[..n]));
    }
    // 5. close
    drop(client);
    Ok(())
}
