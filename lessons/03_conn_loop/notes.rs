//! The notes' program, in plain Rust: notes A §8 TCP客户端服务端模型完整版, with §5
//! 端口占用问题解决方案's SO_REUSEADDR (also notes B 加上链接循环的CS, notes C 第三版).
//!
//! A connection loop around a communication loop: the server talks with one client until it
//! leaves, then accepts the next. It does not echo: whoever runs it types each answer.
//!
//! Run it in three terminals: `cargo run --example 03_conn_loop -- notes-server` first,
//! then `… -- notes-client` twice; the second is answered once the first has typed `q`.
//! Either side can be the notes' own Python program: the address and the bytes are theirs.

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

/// The server (notes A §8, the first program). Its steps are numbered as §2 numbers them.
pub fn server(host: &str, port: u16) -> io::Result<()> {
    let addr = address(host, port)?;

    // 1. socket(AF_INET, SOCK_STREAM)
    let server = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    // setsockopt(SOL_SOCKET, SO_REUSEADDR, 1), before bind: §5's third way out of "Address
    // already in use". A connection this server closed first stays in TIME_WAIT, holding
    // the port; a restart binds it only with the option set (on Linux by the old listener
    // and the new). std's TcpListener::bind sets it by itself on Unix: hence socket2 here.
    server.set_reuse_address(true)?;

    // 2. bind((addr, prot)), 3. listen(5): about 5 finished handshakes may wait for accept.
    server.bind(&addr.into())?;
    server.listen(5)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!(
        "listening on {}",
        server.local_addr()?.as_socket().unwrap_or(addr)
    );

    loop {
        // The connection loop. 4. accept(): the oldest connection in the backlog, or wait.
        //    DELIBERATE: one client at a time. While the loop below talks with this client
        //    nobody calls accept, and the next client waits in the backlog: its connect has
        //    returned, its line has arrived, and no one reads it (lesson 11 serves several).
        let (conn, client_addr) = server.accept()?;
        let mut conn: TcpStream = conn.into();
        let client_addr = client_addr.as_socket().unwrap_or(addr);
        println!("client address: {client_addr}");

        // The communication loop, in the notes' try/except: an error ends this client only.
        if let Err(e) = talk(&mut conn) {
            println!("this client is gone: {e}"); // (not in the notes: their except is silent)
        }

        // 7. close this connection; back to accept.
        drop(conn);
    }
    // server.close(), the rest of step 7, is never reached: the loop never ends (Ctrl-C).
}

/// The communication loop: `Ok` where the notes `break`, `Err` where their `except` catches.
fn talk(conn: &mut TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // 5. recv(1024)
        let n = conn.read(&mut buf)?;
        // b'': the client has closed. Without this check the loop spins on b'' (§8 says so).
        if n == 0 {
            return Ok(());
        }
        // the notes: .decode() raises on bytes that are not UTF-8, which their except turns
        // into the end of this client; this shows them as U+FFFD.
        let result = String::from_utf8_lossy(&buf[..n]);
        // `q`: the client is leaving.
        if result == "q" {
            return Ok(());
        }
        println!("from the client: {result}");

        // 6. send what the person at the server types: this server does not echo.
        //    At the end of input, input() raises EOFError and the except ends this client.
        let answer = loop {
            match input("for the client: ")? {
                None => return Ok(()),
                // the notes: an empty answer is sent: no byte goes out, the client waits in
                // recv and this server in recv, for ever (lesson 02); this asks again.
                Some(answer) if answer.is_empty() => continue,
                Some(answer) => break answer,
            }
        };
        //    the notes: send() may send only part; write_all is sendall.
        conn.write_all(answer.as_bytes())?;
    }
}

/// The client (notes A §8, the second program).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect((addr, prot)): std makes the socket and connects in one call.
    let mut client = TcpStream::connect(address(host, port)?)?;

    // the notes: at the end of input, input() raises EOFError; this ends the loop.
    while let Some(line) = input("for the server: ")? {
        // An empty line is not sent (notes A §4, lesson 02).
        if line.is_empty() {
            continue;
        }

        // 3. send the line, encoded as UTF-8.
        //    the notes: send() may send only part; write_all is sendall.
        client.write_all(line.as_bytes())?;
        // `q` is sent, so the server knows, and then this client leaves.
        if line == "q" {
            break;
        }

        // 4. recv(1024)
        let mut buf = [0u8; 1024];
        let n = client.read(&mut buf)?;
        // the notes: b'' (the server has closed) prints as an empty answer and the loop goes
        // on; this stops.
        if n == 0 {
            println!("the server closed the connection");
            break;
        }
        let result = String::from_utf8_lossy(&buf[..n]);
        // The server may say `q` too: then this client leaves.
        if result == "q" {
            break;
        }
        println!("from the server: {result}");
    }

    // 5. close
    drop(client);
    Ok(())
}
