//! # Lesson 02: a communication loop, and its traps
//!
//! Follows notes A §3 TCP客户端服务端模型二(通信循环) and §4 …模型三(循环问题空数据), notes B
//! 带有通信循环的CS, notes C 第二版: the server upper-cases whatever a client sends, over and
//! over, until the client leaves; then it accepts the next one.
//!
//! What to look at:
//! - an empty line must not be sent: a zero-length send puts nothing on the wire, so the
//!   server never wakes up and a client waiting for the answer waits forever. The demo does
//!   it on purpose and proves it with a bounded wait;
//! - `recv` returning 0 bytes means "the peer closed", never "an empty message";
//! - a client that vanishes, resets the connection or sends bytes that are not UTF-8 costs
//!   the server one line of output, not its life (the notes' server crashes on each).
//!
//! Run it:
//! - `cargo run --example 02_tcp_loop`: the demo, four clients one after another;
//! - terminal 1: `cargo run --example 02_tcp_loop -- server` (start it first),
//!   terminal 2: `cargo run --example 02_tcp_loop -- client`, type lines, `q` to quit.
//!
//! Previous: lesson 01, one exchange. Next: lesson 03, what the connection loop implies.

mod notes;

use clap::Parser;
use socket_lessons::guard::limits;
use socket_lessons::guard::timed;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::transcript::{bytes_literal, describe};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Input, Report, Side, Transcript};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// The word that ends a session, as in notes A §8 and notes C 第三版.
const QUIT: &[u8] = b"q";

/// How long the demo waits for an answer that cannot come (after the empty send). The wait
/// always runs out: it only bounds the demonstration, it decides nothing.
const EMPTY_SEND_WAIT: Duration = Duration::from_millis(300);

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// The connection loop around the communication loop (notes A §3 has both): serve a client
/// until it leaves, then accept the next.
///
/// `hooks` tell a demo when a client is accepted and done; in two-terminal mode they are
/// [`Hooks::none`].
fn serve(listener: &TcpListener, hooks: &Hooks) -> Result<(), Report> {
    let server = Transcript::server();
    let mut served = 0;
    while hooks.more(served) {
        let (conn, client_addr) = match listener.accept() {
            Ok(pair) => pair,
            // A connection can fail between the handshake and accept (ECONNABORTED); that
            // is the client's problem, not a reason to stop listening.
            Err(e) => {
                say!(server, "accept failed: {e}; still listening");
                continue;
            }
        };
        say!(server, "accept -> a connection from {client_addr}");
        hooks.accepted(); // demo only
        serve_client(conn, client_addr, &server);
        hooks.finished(); // demo only
        served += 1;
    }
    Ok(())
}

/// The communication loop for one client. Whatever the client does, this returns and the
/// server goes back to `accept`: nothing a client sends can end the server.
fn serve_client(mut conn: TcpStream, client_addr: SocketAddr, server: &Transcript) {
    let mut buf = [0u8; RECV_SIZE];
    loop {
        // 1. recv(1024): blocks until the client sends something or goes away.
        let n = match conn.read(&mut buf) {
            // 0 bytes: the client closed its end (FIN). The notes' first servers treat this
            // as an empty message and spin forever printing b''; it is the end of the
            // stream, and the only right thing is to stop reading.
            Ok(0) => {
                say!(
                    server,
                    "recv({RECV_SIZE}) -> 0 bytes: {client_addr} closed the connection; \
                     waiting for the next client"
                );
                return;
            }
            Ok(n) => n,
            // A reset (the client's OS closed a socket that had unread data, or SO_LINGER 0)
            // or any other error on this connection: one line, then the next client. The
            // notes' servers crash here (ConnectionResetError) unless wrapped in try/except.
            Err(e) => {
                let what = if e.kind() == io::ErrorKind::ConnectionReset {
                    "reset the connection"
                } else {
                    "broke the connection"
                };
                say!(
                    server,
                    "recv({RECV_SIZE}) failed: {client_addr} {what} ({e}); waiting for the next client"
                );
                return;
            }
        };
        let data = &buf[..n];
        say!(server, "recv({RECV_SIZE}) -> {}", describe(data));

        // 2. `q` ends the session (notes A §8). The client closes right after sending it.
        if data == QUIT {
            say!(server, "{client_addr} said q: closing this connection");
            return;
        }

        // 3. upper-case and send back. The notes call `data.decode().upper()`, which raises
        //    UnicodeDecodeError on bytes that are not UTF-8 and kills the server.
        if std::str::from_utf8(data).is_err() {
            say!(
                server,
                "not UTF-8, so only the ASCII letters are upper-cased"
            );
        }
        let reply = commands::upper(data);
        say!(server, "send {}", describe(&reply));
        // write_all, not write: Python's `send` may send only part, `sendall` loops.
        if let Err(e) = conn.write_all(&reply) {
            say!(
                server,
                "send failed: {client_addr} is gone ({e}); waiting for the next client"
            );
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// The two-terminal client: lines from stdin, as notes A §4 does it.
fn interactive_client(
    mut stream: TcpStream,
    mut input: Input<io::StdinLock<'static>>,
) -> Result<(), Report> {
    let client = Transcript::client();
    while let Some(line) = input.next_line()? {
        if line.is_empty() {
            // notes A §4: `if not data_to_server: continue`. Sending would put nothing on
            // the wire and then wait forever for an answer (the demo shows it).
            say!(
                client,
                "empty line skipped: a zero-length send puts nothing on the wire"
            );
            continue;
        }
        if line == QUIT {
            return quit(stream, &client);
        }
        if !exchange(&mut stream, &line, &client)? {
            return Ok(());
        }
    }
    say!(client, "end of input: close");
    Ok(())
}

/// Sends one message and prints the answer. Returns `false` when the server has closed.
fn exchange(stream: &mut TcpStream, message: &[u8], client: &Transcript) -> Result<bool, Report> {
    say!(client, "send {}", describe(message));
    stream.write_all(message)?;

    // SIMPLIFICATION: one recv is taken to be the whole answer. For short lines on a quiet
    // connection it is; in general it is not, which is the 粘包 problem of lesson 04.
    let mut buf = [0u8; RECV_SIZE];
    let n = stream.read(&mut buf).map_err(limits::answer_waited)?;
    if n == 0 {
        say!(
            client,
            "recv({RECV_SIZE}) -> 0 bytes: the server closed the connection"
        );
        return Ok(false);
    }
    say!(client, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
    Ok(true)
}

/// Says `q` and closes (notes A §8): the server ends this session when it reads it.
fn quit(mut stream: TcpStream, client: &Transcript) -> Result<(), Report> {
    say!(client, "send {}, then close", describe(QUIT));
    stream.write_all(QUIT)?;
    Ok(())
}

/// DELIBERATE: the trap of notes A §4 / notes B, set off on purpose and contained by a
/// time limit.
fn empty_send_trap(stream: &mut TcpStream, client: &Transcript) -> Result<(), Report> {
    // `write`, not `write_all`: we want the raw send(2) call and its return value.
    let sent = stream.write(b"")?;
    say!(
        client,
        "send {} -> {sent}: the call succeeds",
        bytes_literal(b"")
    );

    // The notes' client would now sit in recv forever. We wait, but not forever.
    let mut buf = [0u8; RECV_SIZE];
    match timed::read_within(stream, &mut buf, EMPTY_SEND_WAIT)? {
        None => say!(
            client,
            "recv({RECV_SIZE}) -> nothing within {} ms: a zero-length send puts no byte on \
             the wire, so the server is still waiting in its recv and has nothing to \
             answer. Without a time limit both sides would wait forever.",
            EMPTY_SEND_WAIT.as_millis()
        ),
        Some(n) => say!(
            client,
            "recv({RECV_SIZE}) -> unexpectedly {}",
            describe(&buf[..n])
        ),
    }
    Ok(())
}

/// Lesson 02: a communication loop, upper-case echo (notes A §3-4, B 带有通信循环的CS, C 第二版).
///
/// With no subcommand, runs the server and four clients in one process: a normal session
/// with a deliberate empty send, a client that vanishes, one that resets the connection,
/// and one that sends bytes that are not UTF-8. For two terminals: start `server` first,
/// then `client`; type lines, `q` quits.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

fn main() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse::<Cli>().side {
        None => demo::play(run_demo),
        Some(Side::Server(at)) => {
            let listener = at.listen(ListenOptions::new())?;
            serve(&listener, &Hooks::none())
        }
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::Client(at)) => {
            let stream = at.connect()?;
            // The client waits for an answer at most 60 s (the notes' waits for ever).
            limits::await_answer(&stream, limits::answer_limit())?;
            interactive_client(stream, Input::stdin("message for the server :>>>> "))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

fn run_demo() -> Result<(), Report> {
    let stage = demo::stage(ListenOptions::new(), 4, |listener, hooks| {
        serve(&listener, &hooks)
    })?;
    let addr = stage.addr;

    // Client 1: a normal session, with an empty send in the middle.
    let client = Transcript::named("client 1");
    say!(client, "connect to {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only: the server's accept line comes first
    exchange(&mut stream, b"hello", &client)?;
    empty_send_trap(&mut stream, &client)?;
    exchange(&mut stream, "你好 rust".as_bytes(), &client)?;
    quit(stream, &client)?;
    stage.finished()?;

    // Client 2: connects and vanishes without a word (a normal close: FIN).
    let client = Transcript::named("client 2");
    say!(
        client,
        "connect to {addr}, then close without sending anything"
    );
    let stream = net::connect_addr(addr)?;
    stage.accepted()?;
    drop(stream);
    stage.finished()?;

    // Client 3: connects and resets the connection (an RST instead of a FIN).
    let client = Transcript::named("client 3");
    say!(client, "connect to {addr}");
    let stream = net::connect_addr(addr)?;
    stage.accepted()?; // the server has accepted: now pull the plug
    say!(client, "reset the connection (SO_LINGER 0, then close)");
    net::close_with_reset(stream)?;
    stage.finished()?;

    // Client 4: bytes that are not UTF-8 (Latin-1 "café crème"), then a normal line.
    let client = Transcript::named("client 4");
    say!(client, "connect to {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?;
    exchange(&mut stream, b"caf\xe9 cr\xe8me", &client)?;
    exchange(&mut stream, b"still there?", &client)?;
    quit(stream, &client)?;
    stage.finished()?;

    stage.end()
}
