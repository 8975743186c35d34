//! The notes' program, in plain Rust: notes C UDP协议下的socket, 类似于qq聊天的代码示例
//! (also notes E §6 聊天, the same pair with a numbered menu). A server and a client that
//! take turns over UDP: one datagram, one typed answer, and so on.
//!
//! UDP has no connection: the server binds and waits in `recvfrom`; the client makes a
//! socket and `sendto`s the server's address. Every answer goes back to the address
//! `recvfrom` returned. The client knows four names, all at the one server's address,
//! as in the notes.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 12_udp_chat -- notes-server`, then `… -- notes-client`.
//! Either side can be the notes' own Python program: the address and the bytes are theirs.

use socket2::{Domain, Socket, Type};
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

/// The notes' address: `ip_port=('127.0.0.1',8081)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8081;

/// The notes' `recvfrom(1024)` and `BUFSIZE=1024`: a longer datagram is cut to this.
const BUFSIZE: usize = 1024;

/// The names in the notes' `qq_name_dic`; every one of them means the same server.
const NAMES: [&str; 4] = ["taibai", "Jedan", "Jack", "John"];

/// `(host, port)` as one address, the way Python's `sendto(msg, (addr, port))` takes it.
fn address(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}")))
}

/// Python's `input(prompt).strip()`: the prompt, then one line without its newline and
/// outer spaces; `None` at the end of input.
fn input(prompt: &str) -> io::Result<Option<String>> {
    print!("{prompt}");
    io::stdout().flush()?;
    let mut line = String::new();
    if io::stdin().read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

/// The server (notes C 类似于qq聊天的代码示例, 服务端).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1. socket(AF_INET, SOCK_DGRAM) and bind(ip_port): std's UdpSocket::bind makes both
    //    calls. No listen, no accept: whoever knows this port can send to it.
    let server = UdpSocket::bind(address(host, port)?)?;
    // (not in the notes) where it is bound, so that port 0 (any free port) can be used.
    println!("bound to {}", server.local_addr()?);

    let mut buf = [0u8; BUFSIZE];
    loop {
        // 2. recvfrom(1024): one datagram, and the address it came from. The server waits
        //    here and cannot type; while it waits for the typed answer below, datagrams
        //    queue in the socket. One lost datagram leaves both sides waiting for ever.
        let (n, addr) = server.recv_from(&mut buf)?;
        // the notes: .decode('utf-8') raises on bytes that are not UTF-8 and the server
        // dies; this prints them as U+FFFD.
        println!("from {addr}: {}", String::from_utf8_lossy(&buf[..n]));

        // 3. input(): the answer, typed. At the end of input the server stops.
        let Some(back_msg) = input("reply: ")? else {
            break;
        };

        // 4. sendto(answer, addr): back to the address recvfrom gave; no connection
        //    remembers it. An empty answer is an empty datagram, and it does arrive.
        server.send_to(back_msg.as_bytes(), addr)?;
    }
    // 5. close (the notes never get here: their loop has no way out).
    drop(server);
    Ok(())
}

/// The client (notes C 类似于qq聊天的代码示例, 客户端).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    let server = address(host, port)?;
    // 1. socket(AF_INET, SOCK_DGRAM), and no bind: the first sendto gives the socket a
    //    port the OS picks, which is the address the server answers to.
    let client: UdpSocket = Socket::new(Domain::for_address(server), Type::DGRAM, None)?.into();

    let mut buf = [0u8; BUFSIZE];
    'choose: loop {
        // 2. input(): whom to write to, until a name the client knows.
        let Some(qq_name) = input("talk to (taibai, Jedan, Jack, John): ")? else {
            break 'choose;
        };
        if !NAMES.contains(&qq_name.as_str()) {
            println!("nobody called {qq_name:?}");
            continue;
        }
        loop {
            let Some(text) = input("message (q: talk to someone else): ")? else {
                break 'choose;
            };
            // the notes: test `msg == 'q'` and `not msg` after prefixing 发给NAME, so
            // neither is ever true; this tests what was typed.
            if text == "q" {
                break;
            }
            if text.is_empty() {
                continue;
            }
            let msg = format!("发给{qq_name}: {text}");

            // 3. sendto(msg, address): each datagram names where it goes.
            client.send_to(msg.as_bytes(), server)?;

            // 4. recvfrom(1024): wait for the answer. Nothing can be sent meanwhile, and
            //    if the datagram or its answer is lost, this waits for ever.
            let (n, addr) = client.recv_from(&mut buf)?;
            // the notes: .decode('utf-8') raises on bytes that are not UTF-8; this prints
            // them as U+FFFD.
            println!("from {addr}: {}", String::from_utf8_lossy(&buf[..n]));
        }
    }
    // 5. close
    drop(client);
    Ok(())
}
