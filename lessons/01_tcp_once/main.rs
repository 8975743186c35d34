//! # Lesson 01: one request, one reply over TCP
//!
//! Follows notes A §2 TCP客户端服务端模型一, notes C 第一版 and notes E §5 socket基本操作:
//! the server makes a socket, binds it, listens, accepts one client, receives once, answers
//! once and closes; the client connects, sends once, receives once and closes.
//!
//! What to look at:
//! - the client's address as the server sees it (`accept`) is the client's own local
//!   address (`local_addr`): same IP, same OS-chosen port;
//! - what travels is bytes, not text: the greeting is 23 bytes of UTF-8, three per Chinese
//!   character, and each `recv` prints the bytes it got before any decoding.
//!
//! Run it:
//! - `cargo run --example 01_tcp_once`: the demo, both sides in one process;
//! - terminal 1: `cargo run --example 01_tcp_once -- server` (start it first),
//!   terminal 2: `cargo run --example 01_tcp_once -- client`, then type one line.
//!
//! Previous: lesson 00, what a connection is. Next: lesson 02 turns the single exchange
//! into a loop.

mod notes;

use clap::Parser;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Input, Report, Side, Transcript};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The notes' `recv(1024)`: the most bytes one receive call may return. It is an upper
/// bound, not a promise: a recv returns whatever has arrived, between 1 and 1024 bytes.
const RECV_SIZE: usize = 1024;

/// What the demo client says (notes A §2).
const GREETING: &str = "你好!我是客户端!";

// ---------------------------------------------------------------------------------------
// The server (notes A §2 TCP客户端服务端模型一)
// ---------------------------------------------------------------------------------------

/// The server of notes A §2: accept one client, recv once, send once, close.
fn server(listener: TcpListener, hooks: &Hooks) -> Result<(), Report> {
    let server = Transcript::server();

    // 4. accept(): blocks until a client has connected. It returns a *new* socket for this
    //    one client and the client's address; the listening socket stays as it was.
    let (mut conn, client_addr) = listener.accept()?;
    say!(server, "4. accept -> a connection from {client_addr}");
    hooks.accepted(); // demo only: the client prints its next line after this one

    // 5. recv(1024)
    let mut buf = [0u8; RECV_SIZE];
    let n = conn.read(&mut buf)?;
    if n == 0 {
        // recv returning 0 bytes is not an empty message: it means the client closed.
        say!(
            server,
            "5. recv({RECV_SIZE}) -> 0 bytes: the client closed without sending"
        );
        return Ok(());
    }
    say!(server, "5. recv({RECV_SIZE}) -> {}", describe(&buf[..n]));

    // 6. send the reply, with the client's address in it as notes A does.
    //    Python's `send` may send only part of its argument and returns how much it sent;
    //    the notes ignore that. `write_all` (Python: `sendall`) loops until every byte is
    //    handed to the kernel. Rust's `write` is the partial one, like `send`.
    let reply = format!("你好!我是服务端!{client_addr}");
    say!(server, "6. send {}", describe(reply.as_bytes()));
    say!(server, "7. close the connection and the listening socket");
    conn.write_all(reply.as_bytes())?;

    // 7. close: dropping a socket closes it. The client's recv sees our bytes, then the end.
    drop(conn);
    drop(listener);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The client (notes A §2)
// ---------------------------------------------------------------------------------------

/// The client of notes A §2, from the moment `connect` has returned.
fn client_exchange(mut stream: TcpStream, message: &[u8]) -> Result<(), Report> {
    let client = Transcript::client();
    let me: SocketAddr = stream.local_addr()?;
    say!(
        client,
        "connected; the OS gave this socket the address {me}"
    );

    // 3. send
    say!(client, "3. send {}", describe(message));
    stream.write_all(message)?;

    // 4. recv(1024). One recv is enough here only because the reply is short and this is
    //    one exchange on a fresh connection. In general a recv may return part of a message
    //    or parts of two: lesson 04 shows it, lesson 06 fixes it.
    let mut buf = [0u8; RECV_SIZE];
    let n = stream.read(&mut buf)?;
    if n == 0 {
        say!(
            client,
            "4. recv({RECV_SIZE}) -> 0 bytes: the server closed without answering"
        );
    } else {
        say!(client, "4. recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
    }

    // 5. close
    say!(client, "5. close");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Two terminals
// ---------------------------------------------------------------------------------------

/// Lesson 01: one request, one reply over TCP (notes A §2, C 第一版, E §5).
///
/// With no subcommand, runs server and client in one process and prints both sides.
/// For two terminals: start `server` first, then `client` and type one line.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

fn main() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse::<Cli>().side {
        None => demo::play(run_demo),
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::Server(at)) => server(at.listen(ListenOptions::new())?, &Hooks::none()),
        Some(Side::Client(at)) => {
            // 1-2. socket, connect; then the message the user types.
            let stream = at.connect()?;
            let mut input = Input::stdin("message for the server :>>>> ");
            loop {
                match input.next_line()? {
                    // The server then sees recv return 0 and says the client sent nothing.
                    None => {
                        say!(Transcript::client(), "end of input: close without sending");
                        return Ok(());
                    }
                    // Lesson 02 shows what an empty send does; here we just ask again.
                    Some(line) if line.is_empty() => continue,
                    Some(line) => return client_exchange(stream, &line),
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

/// Both sides in one process: the server on a free port in a thread, the client here.
fn run_demo() -> Result<(), Report> {
    let stage = demo::stage_saying(
        |addr| format!("1-3. socket, bind, listen(5): listening on {addr}"),
        ListenOptions::new(),
        1,
        |listener, hooks| server(listener, &hooks),
    )?;
    let client = Transcript::client();
    say!(client, "1-2. socket, connect to {}", stage.addr);
    let stream = net::connect_addr(stage.addr)?;
    stage.accepted()?; // demo only: let the server print its accept line first
    client_exchange(stream, GREETING.as_bytes())?;
    stage.end()
}
