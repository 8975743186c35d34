//! The notes' program, in plain Rust: notes A §1's 打电话 model (the server answers the
//! phone in steps 1–8, the client calls in steps 1–8), written as notes E §5 基于TCP协议的socket
//! writes it: one call, one line each way, then both hang up.
//!
//! The comments say which TCP state each step leaves the connection in; `-- server` and
//! `-- client` print those states live, and `ss -tan` in a third terminal shows them too.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 00_tcp_states -- notes-server`, then `… -- notes-client`.
//! Either side can be notes E §5's own Python program: the address and the bytes are theirs.

use socket2::{Domain, Socket, Type};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

/// Notes E §5's address: `('127.0.0.1', 4096)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 4096;

/// `(host, port)` as one address, the way Python's `bind((host, port))` takes it.
fn address(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}")))
}

/// The server: the one who answers the phone (notes A §1 【1】服务端).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    let addr = address(host, port)?;

    // 1. have a phone: socket(). A TCP socket, in no state yet (CLOSED).
    let phone = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;

    // 2. put in the SIM card: bind((host, port)), the number callers will dial.
    phone.bind(&addr.into())?;

    // 3. switch it on and wait for calls: listen(). The socket is now LISTEN. Notes E calls
    //    listen() with no number; Python then passes min(SOMAXCONN, 128), as here.
    phone.listen(128)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!(
        "listening on {}",
        phone.local_addr()?.as_socket().unwrap_or(addr)
    );

    // 4. a call comes in: answer it, accept(). It waits for a connection whose handshake
    //    (SYN, SYN+ACK, ACK) the kernels have already done: ESTABLISHED before the program
    //    sees it, queued in the backlog. It comes as a new socket; `phone` goes on listening.
    let (call, _caller) = phone.accept()?;
    let mut call: TcpStream = call.into();

    // 5. hear what the caller says: recv(4096), at most 4096 bytes, whatever has arrived.
    let mut buf = [0u8; 4096];
    let n = call.read(&mut buf)?;
    // The notes' .decode() raises on bytes that are not UTF-8; this shows them instead.
    println!("from the client: {}", String::from_utf8_lossy(&buf[..n]));

    // 6. say something back: send, 9 bytes of UTF-8 (3 per character).
    //    the notes: send() may send only part; write_all is sendall.
    call.write_all("嘿嘿嘿".as_bytes())?;

    // 7. hang up: close the connection, which sends FIN. The end that closes first goes
    //    FIN_WAIT1, FIN_WAIT2 (its FIN acknowledged), then TIME_WAIT once the other closes
    //    too, holding the port a while (lesson 03); the other end goes CLOSE_WAIT, LAST_ACK.
    //    Here the caller closes as soon as it has read 9 bytes, so either end may be first:
    //    `ss -tan` shows which, by whose port is in TIME-WAIT.
    drop(call);

    // 8. switch the phone off: close the listening socket. From now on a call to this
    //    number is refused (the kernel answers SYN with RST: "Connection refused").
    drop(phone);
    Ok(())
}

/// The client: the one who calls (notes A §1 【2】客户端).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    let addr = address(host, port)?; // the server's number

    // 1. have a phone: socket().
    let phone = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;

    // 2. the SIM card: a client needs an address too, but nobody dials it, so it does not
    //    bind; connect gives it a free port of the OS's choosing (an ephemeral port).
    // 3. know the other side's number: `addr`, the server's address.

    // 4. dial: connect(addr). This end sends SYN (SYN_SENT), gets SYN+ACK, answers ACK, and
    //    returns ESTABLISHED, whether or not the server's program has called accept yet.
    phone.connect(&addr.into())?;
    let mut phone: TcpStream = phone.into();

    // 5. talk: send, 14 bytes of UTF-8.
    //    the notes: send() may send only part; write_all is sendall.
    phone.write_all("嗨!大家好!".as_bytes())?;

    // 6. hear the answer: recv(9), the 9 bytes of 嘿嘿嘿.
    //    the notes: one recv(9), taken to return all 9; a recv returns what has arrived,
    //    maybe less, so this reads until it has 9 bytes or the server has closed.
    let mut answer = Vec::new();
    (&mut phone).take(9).read_to_end(&mut answer)?;
    println!("from the server: {}", String::from_utf8_lossy(&answer));

    // 7. hang up: close, which sends FIN (see the server's step 7 for the states: the
    //    server may have hung up first, or not yet).
    // 8. switch the phone off: for a client the call and the phone are one socket, so the
    //    one close does both.
    drop(phone);
    Ok(())
}
