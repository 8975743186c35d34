//! The notes' program, in plain Rust, past the notes: their header-then-body pair of sends
//! (notes A §9.2, notes C 方案一 and 方案二, notes D each send the header with one `send`
//! and the body with another) in a loop of small requests and answers.
//!
//! The client sends a few framed requests, each as two writes, and waits for each answer;
//! the server echoes every frame back, as two writes too. Everything arrives, in order.
//! But each exchange after the first waits for the delayed-ACK timer (about 40 ms on Linux,
//! which acknowledges at once while a connection is new), and the client prints how long
//! each one took, so you see it.
//!
//! The frame is lesson 06's: `struct.pack('i', len)` (4 bytes, little-endian), then the
//! body. Reading uses `framing::read_frame` (exactly 4 bytes, then exactly that many).
//!
//! Run it in two terminals, server first:
//! `cargo run --example 13_nagle_stall -- notes-server`, then `… -- notes-client`.
//! No program of the notes speaks this wire as a peer: their framed servers read a bare
//! command and frame only the answer, their clients send bare commands, and notes C's FTP
//! upload sends one frame, then raw file bytes, and waits for no answer.

use socket_lessons::wire::framing::{encode_len, read_frame};
use socket_lessons::wire::net::{listen_on, ListenOptions};
use std::io::{self, Write};
use std::net::TcpStream;
use std::time::Instant;

/// The notes' address: `('127.0.0.1', 9696)` (notes A).
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// How many requests the client sends.
const EXCHANGES: usize = 10;

/// Sends one frame the notes' way: the header, then the body.
fn send_frame(conn: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    // struct.pack('i', len(body)): 4 bytes, little-endian.
    let header = encode_len(body.len())?;
    // DELIBERATE: two writes, as the notes' conn.send(header) then conn.send(body). With
    // Nagle's algorithm on (the default), the small body waits until the header is
    // acknowledged, and the peer, which has a header and no body, delays that ACK.
    // One write (framing::write_frame) or TCP_NODELAY would remove the wait.
    // the notes: send() may send only part of each; write_all is sendall.
    conn.write_all(&header)?;
    conn.write_all(body)?;
    Ok(())
}

/// The server: every frame a client sends comes back, the notes' way.
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-3. socket, setsockopt(SO_REUSEADDR), bind, listen(5): wire::net::listen_on makes
    //      the calls lesson 03 wrote out.
    let server = listen_on(host, port, ListenOptions::new())?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", server.local_addr()?);

    loop {
        // 4. accept(): one client at a time.
        let (mut conn, client_addr) = server.accept()?;
        println!("client_addr: {client_addr}");

        // 5-6. recv a frame, send it back, until the client closes. An error ends this
        //      client only, as the notes' `except Exception: break` does.
        let mut echoed = 0;
        let result = loop {
            match read_frame(&mut conn) {
                Ok(Some(body)) => {
                    if let Err(e) = send_frame(&mut conn, &body) {
                        break Err(e);
                    }
                    echoed += 1;
                }
                // The stream ended between two frames: the client is done.
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        match result {
            Ok(()) => println!("{client_addr} closed after {echoed} frames"),
            Err(e) => println!("{client_addr}: {e}, after {echoed} frames"),
        }

        // 7. close this connection (drop); the listening socket goes on.
        drop(conn);
    }
}

/// The client: a few requests, each timed from its first write to the end of its answer.
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect((addr, port)): std makes the socket and connects in one call.
    let mut client = TcpStream::connect((host, port))?;

    for i in 1..=EXCHANGES {
        let request = format!("echo request {i}");
        let start = Instant::now();

        // 3. send the request: header, then body.
        send_frame(&mut client, request.as_bytes())?;

        // 4. recv the answer.
        //    the notes: recv(4) taken to return the whole header; read_frame reads exactly
        //    4 bytes, then exactly the body.
        let Some(answer) = read_frame(&mut client)? else {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before answering",
            ));
        };
        let took = start.elapsed();
        println!(
            "{i}: sent {request:?}, got {:?} back in {:.3} ms",
            String::from_utf8_lossy(&answer),
            took.as_secs_f64() * 1000.0
        );
    }

    // 5. close
    drop(client);
    Ok(())
}
