//! The notes' program, in plain Rust: notes B s.setblocking(False)实现并发. One thread serves
//! several clients: the listening socket and every connection are non-blocking, and a loop
//! that never waits tries `accept`, then a `recv` on each connection, over and over. A call
//! with nothing to do fails at once with "would block" (Python's `BlockingIOError`), and
//! the loop goes on to the next. Each message comes back upper-cased.
//!
//! The client is notes B's own (简单套接字的CS架构, the `input` loop): it sends each line
//! typed and prints the answer. The notes' concurrent section has no client of its own.
//!
//! Run it in several terminals, server first:
//! `cargo run --example 11_concurrent_server -- notes-server`, then `… -- notes-client` in
//! two or more others. Watch `top` while nobody types: the server keeps a core busy.

use socket2::{Domain, Socket, Type};
use socket_lessons::wire::net;
use std::io::{self, BufRead, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The notes' address: `address = ('127.0.0.1', 8080)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8080;

/// The server (notes B s.setblocking(False)实现并发).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // `resolve` never returns an empty list (no address is an error), so [0] exists.
    let address = net::resolve(host, port)?[0];
    // 1. socket(AF_INET, SOCK_STREAM)
    let s = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    // 2. setsockopt(SOL_SOCKET, SO_REUSEADDR, 1): a restart may bind at once (lesson 03).
    s.set_reuse_address(true)?;
    // 3. bind(address)
    s.bind(&address.into())?;
    // 4. listen(5)
    s.listen(5)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    // socket2's local_addr is a SockAddr, any family; as_socket() reads it as IP and port.
    println!(
        "listening on {}",
        s.local_addr()?.as_socket().unwrap_or(address)
    );
    // 5. setblocking(False): from now on accept returns at once, with a client or with
    //    WouldBlock when nobody is waiting.
    s.set_nonblocking(true)?;
    // The socket2 Socket becomes std's TcpListener (the same socket, now owned by it), whose
    // accept returns TcpStreams.
    let s: TcpListener = s.into();

    // 6. conn_l = []: the connected clients (with their addresses, for the prints).
    let mut conn_l: Vec<(TcpStream, SocketAddr)> = Vec::new();
    let mut buf = [0u8; 1024];

    // DELIBERATE: a loop that never waits. With no client sending anything, it still goes
    // round millions of times a second, each accept and recv failing at once: one core at
    // 100% doing nothing. That cost is this lesson's subject; the course's server shows
    // two ways to sleep until there is work (a thread per client, readiness polling).
    loop {
        // 7. accept()
        match s.accept() {
            Ok((conn, client_addr)) => {
                println!("{client_addr} connected");
                // the notes: no conn.setblocking(False). On Windows, the notes' platform (their
                // D:/ paths, their WinError), and on BSD and macOS, an accepted socket
                // inherits the listener's non-blocking mode, and their loop works; on Linux
                // it starts blocking, so their recv waits on the first client and every
                // other client waits with it. Here each connection is made non-blocking.
                conn.set_nonblocking(true)?;
                // 8. conn_l.append(conn)
                conn_l.push((conn, client_addr));
            }
            // 9. except BlockingIOError: nobody is waiting to be accepted.
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            // 10. except Exception as e: print(e); break. Here main prints it as one line, and
            //     returning drops s, which closes it, as the end of the notes' `with` block does.
            Err(e) => return Err(e),
        }

        // 11. for c in conn_l: a turn for each connection, never waiting.
        //     the notes: their loop runs only when accept raised BlockingIOError, so while
        //     clients keep arriving the connected ones wait; here it runs on every pass.
        //     retain_mut keeps the connections whose turn returns true. The closure takes
        //     each (connection, address) pair apart with a tuple pattern, and its body is one
        //     `match` on the read: each arm ends in true (keep it) or false (drop it).
        conn_l.retain_mut(|(c, client_addr)| match c.read(&mut buf) {
            // 12. msg = c.recv(1024) returned b'': the client closed.
            //     the notes: `if not msg: continue` keeps the dead connection, and its
            //     recv returns b'' at once on every pass, for ever; here it is dropped
            //     from the list (and so closed).
            Ok(0) => {
                println!("{client_addr} left"); // (not in the notes)
                false
            }
            // 13. c.send(msg.upper()): ASCII letters upper-cased, as bytes.upper() does.
            //     the notes: a non-blocking send may take only part of the answer (or
            //     none, raising BlockingIOError, which their `except` drops silently);
            //     write_all, which does not wait on a non-blocking socket either: once the
            //     send buffer is full (the client has stopped reading) it fails with
            //     WouldBlock, and that client is closed with a line (not in the notes).
            Ok(n) => match c.write_all(&buf[..n].to_ascii_uppercase()) {
                Ok(()) => true,
                Err(e) => {
                    println!("{client_addr}: {e}; closed");
                    false
                }
            },
            // Nothing from this client yet: WouldBlock, Python's BlockingIOError, which is not
            // a ConnectionResetError, so the notes' `except Exception: continue` catches it.
            Err(e) if e.kind() == ErrorKind::WouldBlock => true,
            // the notes: `except ConnectionResetError: pass` keeps the connection, whose
            // next recv returns b'' for ever, and `except Exception: continue` keeps it
            // after any other error too; here every error drops it, with a line (not in
            // the notes).
            Err(e) => {
                println!("{client_addr}: {e}; closed");
                false
            }
        });
    }
}

/// The client (notes B 简单套接字的CS架构, the second client: a loop over `input`).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect(server_addr): std makes the socket and connects in one call.
    let mut c = TcpStream::connect((host, port))?;
    let mut buf = [0u8; 1024];
    // 3. msg = input('>>>').strip(), line after line; the notes never stop (at the end of
    //    input their input() raises EOFError), this ends there cleanly.
    //    the notes: the prompt '>>>' before every line; this prints none.
    for line in io::stdin().lock().lines() {
        let line = line?;
        let msg = line.trim();
        // 4. if not msg: continue. An empty send would put nothing on the wire, and the
        //    recv after it would wait for ever (lesson 02).
        if msg.is_empty() {
            continue;
        }
        // 5. c.send(msg.encode('utf-8'))
        //    the notes: send() may send only part; write_all is sendall.
        c.write_all(msg.as_bytes())?;
        // 6. data = c.recv(1024), printed as text.
        let n = c.read(&mut buf)?;
        // the notes: print b'' as an empty line and go on sending to a closed connection;
        // this says the server closed, and ends.
        if n == 0 {
            println!("the server closed the connection");
            return Ok(());
        }
        // The notes' .decode() raises on bytes that are not UTF-8; this shows them instead.
        println!("{}", String::from_utf8_lossy(&buf[..n]));
    }
    // 7. the end of the `with` block closes the socket; here, the end of the function.
    Ok(())
}
