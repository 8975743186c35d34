//! # Lesson 06: the length header, the fix for 粘包
//!
//! Follows notes A §9.2 解决思路 (struct 报头), notes C 粘包的解决方案 (struct, 方案一),
//! notes D 解决粘包问题, notes E §8 解决黏包.
//!
//! Every message goes out as a frame: a 4-byte header, `struct.pack('i', len(body))`, then
//! the body. The reader reads exactly 4 bytes, then exactly that many. Boundaries are now in
//! the bytes themselves, so it no longer matters how TCP merged or split them
//! ([`socket_lessons::wire::framing`] does the reading and writing).
//!
//! What to look at:
//! - lesson 04's scenes 1 and 3 replayed over frames: every answer arrives whole;
//! - a real header in hex beside what Python prints for `struct.pack('i', n)`;
//! - scene 4: the notes frame only the answer, so two commands sent before the server reads
//!   are still one command to it;
//! - a server fed garbage headers or a peer that closes mid-frame: one clear line each,
//!   nothing allocated for the absurd lengths, and the next client served.
//!
//! Wire format, the notes' own (notes C 方案一, notes E §8 进阶思路): the command goes bare,
//! one `recv(1024)`; the answer comes back as `struct.pack('i', n)` (little-endian i32) + n
//! bytes. So the notes' Python client and server can be either side. The server also takes
//! a *framed* request (scene 1 sends two), told apart by its first bytes
//! ([`socket_lessons::guard::sniff`]): a length prefix starts with bytes that typed text never
//! has. A framed request is the real fix, since a bare one can itself be split or merged.
//!
//! Run it:
//! - `cargo run --example 06_length_prefix`: the demo;
//! - terminal 1: `cargo run --example 06_length_prefix -- server`, terminal 2: `… -- client`,
//!   then type `seq 300`, `echo hi`, `bytes 5000000`: every answer whole. Either side can be
//!   the notes' own program (notes C 方案一, notes E §8 进阶思路).
//!
//! Previous: lesson 04 (the problem), lesson 05 (UDP). Next: lesson 07, remote commands.

mod notes;
mod scenes;

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::sniff;
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve::serve_in_turn;
use socket_lessons::stage::transcript::{describe, describe_answer, describe_ends};
use socket_lessons::wire::framing::{self, read_frame, write_frame, LEN_PREFIX_BYTES};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Input, Report, Transcript};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `conn.recv(1024)`: the most bytes read as one bare command.
const RECV_SIZE: usize = 1024;

/// The word that ends a session.
const QUIT: &[u8] = b"q";

/// How long a reader waits for bytes that are on their way before calling the demo broken.
const ARRIVAL_LIMIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// Serves clients one after another, for ever (a demo's `hooks` end it after its clients).
fn serve(listener: &TcpListener, waits: Limits, hooks: &Hooks) -> Result<(), Report> {
    let server = &Transcript::server();
    serve_in_turn(listener, hooks, |conn, addr| {
        serve_client(conn, addr, &waits, server)
    });
    Ok(())
}

/// One client: a frame in, the command's output as a frame out, until the client is done.
fn serve_client(mut conn: TcpStream, addr: SocketAddr, waits: &Limits, server: &Transcript) {
    let mut buf = [0u8; RECV_SIZE];
    loop {
        // 0. the next request's first bytes, without taking them (at most the idle limit).
        //    The notes' clients (notes C 方案一, notes E §8 进阶思路) send the command bare:
        //    text. A framed request starts with a length whose last byte is 0: not text.
        let mut first = [0u8; LEN_PREFIX_BYTES];
        let seen = match sniff::peek_start(&conn, &mut first, LEN_PREFIX_BYTES, QUIT, waits) {
            Ok(0) => {
                say!(server, "{addr} closed the connection between requests");
                return;
            }
            Ok(seen) => seen,
            Err(e) if limits::is_timeout(&e) => {
                say!(
                    server,
                    "{addr}: {}; closing",
                    limits::timed_out("waiting for a request", waits.idle)
                );
                return;
            }
            Err(e) => {
                say!(server, "{addr}: {e}");
                return;
            }
        };
        let request = if sniff::is_text_start(&first[..seen]) {
            // 1a. the notes' request: one recv(1024) is one command. Their wire frames only
            //     the answer; the command has no boundary, so a read that fills the buffer
            //     may be half of one, and nothing of it may run (as in lesson 07).
            match conn.read(&mut buf) {
                Ok(0) => {
                    say!(server, "{addr} closed the connection between requests");
                    return;
                }
                Ok(n) if n == buf.len() => {
                    say!(server, "recv({RECV_SIZE}) -> {}", describe_ends(&buf, 16));
                    say!(server, "the request filled the {RECV_SIZE}-byte buffer: refused, nothing run, closing the connection");
                    let refusal = format!(
                        "error: the command filled the whole {RECV_SIZE}-byte read, so it may go \
                         on past it; nothing of it was run, and this connection is closed\n"
                    );
                    let _ = write_frame(&mut conn, refusal.as_bytes());
                    net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                    return;
                }
                Ok(n) => {
                    say!(
                        server,
                        "recv({RECV_SIZE}) -> {}",
                        describe_ends(&buf[..n], 32)
                    );
                    if &buf[..n] == QUIT {
                        say!(server, "{addr} said q: closing the connection");
                        return;
                    }
                    buf[..n].to_vec()
                }
                Err(e) => {
                    say!(server, "{addr}: recv failed: {e}");
                    return;
                }
            }
        } else {
            // 1b. a framed request: exactly 4 header bytes, then exactly the length they give.
            match read_frame(&mut conn) {
                Ok(Some(request)) => {
                    // A preview, not the whole request: a 16 MiB request logged whole is 16
                    // MiB of escaped bytes in the log.
                    say!(server, "read_frame -> {}", describe_ends(&request, 32));
                    request
                }
                // A clean end *between* frames: the client is done.
                Ok(None) => {
                    say!(server, "{addr} closed the connection between frames");
                    return;
                }
                // A bad length (negative, or over the limit) was refused before any
                // allocation. After a bad header there is no way to find the next frame
                // boundary in the stream, so the only safe thing is to close this connection.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    say!(server, "{addr}: {e}; closing this connection");
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    say!(
                        server,
                        "{addr}: {e}; the message is incomplete, dropping it"
                    );
                    return;
                }
                Err(e) if limits::is_timeout(&e) => {
                    say!(
                        server,
                        "{addr}: {}; the message is incomplete, closing",
                        limits::timed_out("the rest of a frame", waits.message)
                    );
                    return;
                }
                Err(e) => {
                    say!(server, "{addr}: {e}");
                    return;
                }
            }
        };

        // 2. run it and answer with one frame: header and body in one write.
        let output = commands::run_builtin(&request);
        say!(
            server,
            "write_frame: header {} + {}",
            framing::header_hex(output.len()),
            describe_ends(&output, 16)
        );
        let sent = limits::WriteWithin::new(&conn, waits.message)
            .and_then(|mut bounded| write_frame(&mut bounded, &output));
        if let Err(e) = sent {
            say!(server, "{addr}: write_frame failed: {e}");
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// Sends one command bare, as the notes' client does (notes C 方案一, notes E §8), and
/// prints the whole answer, framed. `false` when the server has closed.
fn command(stream: &mut TcpStream, line: &[u8], client: &Transcript) -> Result<bool, Report> {
    say!(client, "send {}", describe(line));
    stream.write_all(line)?;
    // read_frame reads until the whole answer is in, however TCP delivers it: no recv(1024)
    // guess, no `count += buffer_size` miscount (notes A §9.2).
    match read_frame(stream).map_err(limits::answer_waited)? {
        Some(answer) => {
            say!(client, "read_frame -> {}", describe_answer(&answer, 16));
            Ok(true)
        }
        None => {
            say!(client, "the server closed the connection");
            Ok(false)
        }
    }
}

/// The two-terminal client: a typed line goes out as a command, its answer is printed.
fn interactive_client(mut stream: TcpStream) -> Result<(), Report> {
    let client = Transcript::client();
    let mut input = Input::stdin("command :>>>> ");
    while let Some(line) = input.next_line()? {
        if line.is_empty() {
            continue;
        }
        if line == b"q" {
            break;
        }
        if !command(&mut stream, &line, &client)? {
            break;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// Lesson 06: the length header, the fix for 粘包 (notes A §9.2, C 方案一, D, E §8).
///
/// With no subcommand, replays lesson 04's scenes over frames, shows bare commands still
/// sticking, and feeds the server bad headers. For two terminals, the notes' wire: `server`
/// answers each command (built-in `seq N`, `echo TEXT`, `bytes N`) with one frame, and
/// `client` sends each line bare and prints each whole answer.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first, in terminal 1).
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// The longest wait, in seconds, for a client's next request before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the client (in terminal 2). Type commands; `q` or end of input quits.
    Client(Endpoint),
    /// Run the notes' server (notes C 方案一), in plain Rust (notes.rs), on the notes'
    /// address unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' client (notes C 方案一), in plain Rust (notes.rs), against the notes'
    /// address unless told otherwise. End of input quits.
    NotesClient(NotesEndpoint),
}

fn main() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse::<Cli>().side {
        None => demo::play(scenes::run_demo),
        Some(Side::Server { at, idle_limit }) => {
            let listener = at.listen(ListenOptions::new())?;
            let waits = Limits::server(Duration::from_secs(idle_limit));
            serve(&listener, waits, &Hooks::none())
        }
        Some(Side::Client(at)) => {
            let stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            interactive_client(stream)
        }
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
    }
}
