//! The notes' program, in plain Rust: notes A §4 TCP客户端服务端模型三(循环问题空数据) (also
//! notes B 带有通信循环的CS, notes C 第二版). The server upper-cases whatever a client sends,
//! line after line; when the client leaves, it takes the next one.
//!
//! What §3 (模型二) lacked, and §4 adds: the client's check for an empty line (sending one
//! puts nothing on the wire, so the server's recv never returns and both sides wait for
//! ever), and the server's SO_REUSEADDR before bind. Neither section checks for recv's b''
//! (the client has closed): that check is notes A §8's and notes B's, marked below.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 02_tcp_loop -- notes-server`, then `… -- notes-client` and type
//! lines; end of input (Ctrl-D) ends the client. Either side can be the notes' own Python
//! program: the address and the bytes are theirs.

use socket2::{Domain, Socket, Type};
use std::io::{self, IsTerminal, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};

/// The notes' address: `addr = "127.0.0.1"`, `prot = 9696`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// `(host, port)` as one address, the way Python's `bind((addr, port))` takes it.
fn address(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("no address for {host}")))
}

/// Python's `input(prompt).strip()`: one line, spaces trimmed; `None` at the end of input,
/// where `input` raises EOFError. The prompt only on a terminal, so piped runs print none.
fn input(prompt: &str) -> io::Result<Option<String>> {
    if io::stdin().is_terminal() {
        print!("{prompt}");
        io::stdout().flush()?;
    }
    let mut line = String::new();
    if io::stdin().read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_owned()))
}

/// The server (notes A §4, the first program). Its steps are numbered as §2 numbers them.
pub fn server(host: &str, port: u16) -> io::Result<()> {
    let addr = address(host, port)?;

    // 1. socket(AF_INET, SOCK_STREAM)
    let server = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // setsockopt(SOL_SOCKET, SO_REUSEADDR, 1), before bind: new in §4, §3 has none. It lets
    // a restarted server bind the port at once (lesson 03 shows why it is needed).
    server.set_reuse_address(true)?;

    // 2. bind((addr, prot)), 3. listen(5)
    server.bind(&addr.into())?;
    server.listen(5)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!(
        "listening on {}",
        server.local_addr()?.as_socket().unwrap_or(addr)
    );

    // The connection loop: §3 and §4 already have it, lesson 03 is about it.
    loop {
        // 4. accept(): the next client.
        let (conn, _client_addr) = server.accept()?;
        let mut conn: TcpStream = conn.into();

        // The communication loop: as long as this client talks.
        let mut buf = [0u8; 1024];
        loop {
            // 5. recv(1024): blocks until the client sends something or goes away.
            //    DELIBERATE: an error here (a client that resets the connection:
            //    ConnectionResetError) ends the whole server, as in §4. Notes B and C wrap
            //    the loop in try/except; the course's server says one line and goes on.
            let n = conn.read(&mut buf)?;
            // the notes: no check here (§3, §4): once the client has closed, recv returns b''
            // at once, for ever, and the loop prints and echoes nothing in a spin. Notes A §8
            // and notes B break out (`if not data: break`); so does this.
            if n == 0 {
                println!("the client closed; waiting for the next one");
                break;
            }
            // the notes: .decode() raises on bytes that are not UTF-8, and the server dies;
            // this shows them as U+FFFD.
            let text = String::from_utf8_lossy(&buf[..n]);
            println!("from the client: {text}");

            // 6. send the text upper-cased.
            //    the notes: send() may send only part; write_all is sendall.
            conn.write_all(text.to_uppercase().as_bytes())?;
        }
        // 7. close this connection (dropping it closes it); the notes never get here.
        drop(conn);
    }
    // The listening socket is never closed: the loop never ends (Ctrl-C ends the program).
}

/// The client (notes A §4, the second program).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect((addr, prot)): std makes the socket and connects in one call.
    let mut client = TcpStream::connect(address(host, port)?)?;

    // The communication loop: one line typed, one sent, one answer.
    // the notes: at the end of input, input() raises EOFError; this ends the loop.
    while let Some(line) = input("for the server: ")? {
        // New in §4: an empty line is not sent. §3 sends it: zero bytes put nothing on the
        // wire, the server's recv never returns, and this client waits in recv for ever.
        if line.is_empty() {
            continue;
        }

        // 3. send the line, encoded as UTF-8.
        //    the notes: send() may send only part; write_all is sendall.
        client.write_all(line.as_bytes())?;

        // 4. recv(1024)
        let mut buf = [0u8; 1024];
        let n = client.read(&mut buf)?;
        // the notes: b'' (the server has closed) prints as an empty answer and the loop goes
        // on; this stops.
        if n == 0 {
            println!("the server closed the connection");
            break;
        }
        println!("from the server: {}", String::from_utf8_lossy(&buf[..n]));
    }

    // 5. close (the notes' loop never ends, so they never close).
    drop(client);
    Ok(())
}
