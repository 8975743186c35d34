//! The notes' program, in plain Rust: notes A §9.1 问题演示, the command server and its
//! client. The client sends a command; the server runs it through the shell and sends back
//! what it printed; the client takes one `recv(1024)` as the whole answer. An answer longer
//! than 1024 bytes does not fit, and its rest is what the next command's `recv` returns:
//! 粘包, this lesson's subject, kept on purpose and marked `DELIBERATE`.
//!
//! Notes A §9.1 describes this in its comments, but the code it prints already sends §9.2's
//! 4-byte `struct.pack('i', n)` before each answer. This is that server and client without
//! the header: the program the comments describe, and the wire of notes C 两种情况下会发生粘包
//! (its first pair), notes B 基于tcp协议模拟ssh远程执行命令 and notes E §7 基于TCP实现的黏包现象.
//! Lesson 06 puts the header back.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 04_sticky_demo -- notes-server`, then `… -- notes-client`, and type
//! `seq 1000`, then `echo hi`: the second answer starts with `284`, the rest of the first.
//! The server runs whatever it is sent, as the notes' does: keep it on 127.0.0.1.

use socket_lessons::wire::net::{self, ListenOptions};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::Command;

/// The notes' address: `('127.0.0.1', 9696)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// `recv(1024)`: the most one read returns, on both sides.
const BUFFER_SIZE: usize = 1024;

/// The notes' `run_cmd`: the command line through the shell (`shell=True`); what it wrote
/// to stdout, or to stderr when stdout is empty.
fn run_cmd(cmd: &str) -> io::Result<Vec<u8>> {
    #[cfg(windows)]
    let (shell, flag) = ("cmd", "/C");
    #[cfg(not(windows))]
    let (shell, flag) = ("sh", "-c");
    // the notes: read stdout to its end, then stderr (a command that fills the stderr pipe
    // first never ends); output() reads both at once.
    let out = Command::new(shell).args([flag, cmd]).output()?;
    // the notes: read the output as UTF-8 text and encode it back (other bytes raise and
    // drop the client); these are the bytes as the command wrote them.
    Ok(if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    })
}

/// The server (notes A §9.1, the command server).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-4. socket(), setsockopt(SO_REUSEADDR), bind(), listen(5): lesson 03 made these calls
    //      one by one; wire::net::listen_on makes the same four.
    let server = net::listen_on(host, port, ListenOptions::new())?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", server.local_addr()?);

    // 5. the connection loop: one client at a time, for ever.
    loop {
        let (conn, client_addr) = server.accept()?;
        println!("client address: {client_addr}");
        // The notes wrap the client's loop in `try: … except Exception: break`: whatever
        // goes wrong ends this client, and the server accepts the next one.
        if let Err(e) = serve_client(conn) {
            println!("connection ended: {e}");
        }
    }
}

/// The communication loop with one client: a command in, its output out.
fn serve_client(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; BUFFER_SIZE];
    loop {
        // 6. recv(1024): one read taken as one command; 0 bytes means the client closed.
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // the notes: .decode() raises on bytes that are not UTF-8 (and drops the client);
        // this replaces them with U+FFFD.
        let cmd = String::from_utf8_lossy(&buf[..n]);
        if cmd == "q" {
            return Ok(());
        }
        println!("command: {cmd}");

        // 7. run it.
        let output = run_cmd(&cmd)?;
        println!("answer: {} bytes", output.len());

        // 8. send the output.
        // DELIBERATE: the output alone, no header: where this answer ends is not on the
        // wire (粘包). Notes A §9.1's code sends struct.pack('i', len) first; lesson 06 does.
        // the notes: send() may send only part; write_all is sendall.
        conn.write_all(&output)?;
    }
    // 9. close: `conn` is dropped (closed) when this function returns.
}

/// The client (notes A §9.1, the command client).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect((addr, port)).
    let mut client = net::connect(host, port)?;

    // 3. the communication loop: a line typed, sent, answered.
    loop {
        print!("command> ");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // end of input (the notes' input() raises EOFError)
        }
        let cmd = line.trim();
        // An empty send puts nothing on the wire, and both sides would wait (lesson 02).
        if cmd.is_empty() {
            continue;
        }

        // 4. send the command; `q` tells the server this client is done.
        // the notes: send() may send only part; write_all is sendall.
        client.write_all(cmd.as_bytes())?;
        if cmd == "q" {
            break;
        }

        // 5. recv(1024).
        // DELIBERATE: one read taken as the whole answer. An answer over 1024 bytes leaves
        // its rest in the receive buffer, and the next command's read returns that rest
        // (粘包). Notes A §9.1's code reads a 4-byte header first here; lesson 06 does.
        let mut buf = [0u8; BUFFER_SIZE];
        let n = client.read(&mut buf)?;
        // the notes: take 0 bytes as an empty answer (notes C's client prints it and goes
        // on); 0 bytes means the server closed.
        if n == 0 {
            println!("the server closed the connection");
            break;
        }
        // A read may also end inside a UTF-8 character: its pieces show as U+FFFD.
        println!(
            "answer ({n} bytes):\n{}",
            String::from_utf8_lossy(&buf[..n])
        );
    }

    // 6. close
    drop(client);
    Ok(())
}
