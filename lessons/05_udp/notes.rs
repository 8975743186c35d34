//! The notes' program, in plain Rust: notes A §7 UDP客户端服务端模型(通信循环), the loop
//! around §6's single exchange (also notes C UDP协议下的socket, notes E §5 基于UDP协议的socket).
//!
//! UDP has no connection: no listen, no accept, no connect. The server binds and answers
//! each datagram, upper-cased, to the address it came from; the client sends each line as
//! one datagram and waits for one back. Every `sendto` names where it goes, and every
//! `recvfrom` says where its datagram came from.
//!
//! Run it in two terminals (either may start first: there is no connection to refuse):
//! `cargo run --example 05_udp -- notes-server`, then `… -- notes-client` and type lines.
//! Either side can be the notes' own Python program: the address and the bytes are theirs.

use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

/// The notes' address: `("127.0.0.1", 9696)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// `recvfrom(1024)`: the most of one datagram a read keeps.
const BUFFER_SIZE: usize = 1024;

/// `(host, port)` as one address, the way Python's `bind((addr, port))` takes it.
fn address(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}")))
}

/// The server (notes A §7, the first program).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket(AF_INET, SOCK_DGRAM) and bind((addr, prot)): std makes both in one call.
    let server = UdpSocket::bind(address(host, port)?)?;
    // (not in the notes) where it is bound, so that port 0 (any free port) can be used.
    println!("bound to {}", server.local_addr()?);

    // No listen, no accept: every client's datagrams arrive on this one socket.
    loop {
        // 3. recvfrom(1024): one datagram, whole or cut, and its sender's address. A longer
        //    datagram is cut to 1024 bytes on Linux and the rest is lost (the demo shows it);
        //    on Windows the call fails instead (WinError 10040), here as in Python, and so
        //    it does, with 10054, after an answer went to a port that has since closed.
        let mut buf = [0u8; BUFFER_SIZE];
        let (n, client_address) = server.recv_from(&mut buf)?;
        // the notes: .decode() raises on bytes that are not UTF-8 and the server dies; this
        // replaces them with U+FFFD.
        let text = String::from_utf8_lossy(&buf[..n]);
        println!("from {client_address}: {text}");

        // 4. sendto: the answer, upper-cased, to the address the datagram came from.
        server.send_to(text.to_uppercase().as_bytes(), client_address)?;
    }
}

/// The client (notes A §7, the second program).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    let server_addr = address(host, port)?;
    // 1. socket(AF_INET, SOCK_DGRAM). Python's socket gets a local address at its first
    //    sendto; std binds it here: port 0, any free one.
    let any = if server_addr.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let client = UdpSocket::bind(any)?;

    // 2. the loop: a line typed, one datagram out, one datagram back.
    loop {
        print!("message> ");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // end of input (the notes' input() raises EOFError)
        }
        let data_to_server = line.trim();
        // The notes skip an empty line, as they must in TCP. In UDP an empty datagram is a
        // message like any other (the demo sends one); kept as the notes have it.
        if data_to_server.is_empty() {
            continue;
        }

        // 3. sendto: one datagram, with the address every time.
        client.send_to(data_to_server.as_bytes(), server_addr)?;

        // 4. recvfrom(1024): the answer, and who sent it. UDP never resends: if either
        //    datagram is lost, or nothing listens there, this waits for ever (on Windows a
        //    closed port makes it fail instead, with WSAECONNRESET, 10054: see the page).
        let mut buf = [0u8; BUFFER_SIZE];
        let (n, from) = client.recv_from(&mut buf)?;
        println!("answer from {from}: {}", String::from_utf8_lossy(&buf[..n]));
    }
    Ok(())
}
