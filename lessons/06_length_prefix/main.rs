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

mod client;
mod notes;
mod scenes;

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{Gate, LogGate};
use socket_lessons::guard::sniff;
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve::serve_in_turn_quietly;
use socket_lessons::stage::transcript::{describe, describe_ends};
use socket_lessons::wire::framing::{self, read_frame, write_frame, LEN_PREFIX_BYTES};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::io::{self, Read};
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

/// How long a request may take from its first byte: 10 s, then 64 KiB a second. One clock
/// for the header and the body, as Apache's mod_reqtimeout puts one on each (`header=20-40,
/// MinRate=500 body=20,MinRate=500`): the 4-byte header has 10 s, and a body must keep
/// coming at 64 KiB/s after that, so the largest frame, 16 MiB, has 266 s at most. A peer
/// that sends a byte every few seconds no longer restarts a per-read limit with each byte.
const REQUEST_PACE: Pace = Pace::new(limits::MESSAGE_LIMIT, 64 * 1024);

/// How long an answer may take to be taken by the client: 10 s, then 256 KiB a second,
/// on the writes. A partial write earns time for the bytes it moved; it does not start the
/// clock again. The rate is higher than a request's because the bytes an answer "moves"
/// include what the kernels' buffers take without the client reading a byte: about 4 MB on
/// loopback here, which buys a client that never reads about 16 s more at this rate (and
/// would buy it a minute at 64 KiB/s).
const ANSWER_PACE: Pace = Pace::new(limits::MESSAGE_LIMIT, 256 * 1024);

/// Serves clients one after another, for ever (a demo's `hooks` end it after its clients).
fn serve(listener: &TcpListener, waits: Limits, hooks: &Hooks) -> Result<(), Report> {
    let server = &Transcript::server();
    let mut quiet = Quiet::default();
    serve_in_turn_quietly(listener, hooks, |conn, addr| {
        serve_client(conn, addr, &waits, server, &mut quiet)
    });
    Ok(())
}

/// The server's log, bounded whatever peers send: each kind of event gets at most five
/// lines in any 10 s ([`LogGate::lessons`]); the rest are counted, and the count is printed
/// before the next line of that kind. A request's lines show at most 32 of its bytes.
struct Quiet {
    /// A request and its answer (two lines).
    requests: LogGate,
    /// A client that closed or said `q`.
    ends: LogGate,
    /// A request refused: a bad header, a frame cut short, a bare command too long.
    refusals: LogGate,
    /// A time limit that ran out.
    slow: LogGate,
    /// Anything else the OS reported.
    failures: LogGate,
}

impl Default for Quiet {
    fn default() -> Self {
        Quiet {
            requests: LogGate::lessons(),
            ends: LogGate::lessons(),
            refusals: LogGate::lessons(),
            slow: LogGate::lessons(),
            failures: LogGate::lessons(),
        }
    }
}

/// Whether this event gets its lines; prints first how many of its kind were held back.
fn shown(gate: &mut LogGate, who: &Transcript) -> bool {
    match gate.event() {
        Gate::Show => true,
        Gate::ShowAfter(held) => {
            say!(who, "{held}");
            true
        }
        Gate::Held => false,
    }
}

/// One client: a frame in, the command's output as a frame out, until the client is done.
fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    waits: &Limits,
    server: &Transcript,
    quiet: &mut Quiet,
) {
    let mut buf = [0u8; RECV_SIZE];
    loop {
        // 0. the next request's first bytes, without taking them (at most the idle limit).
        //    The notes' clients (notes C 方案一, notes E §8 进阶思路) send the command bare:
        //    text. A framed request starts with a length whose last byte is 0: not text.
        let mut first = [0u8; LEN_PREFIX_BYTES];
        let seen = match sniff::peek_start(&conn, &mut first, LEN_PREFIX_BYTES, QUIT, waits) {
            Ok(0) => {
                if shown(&mut quiet.ends, server) {
                    say!(
                        server,
                        "{addr} closed the connection between requests"
                            | "{addr} 在两个请求之间关闭了连接"
                    );
                }
                return;
            }
            Ok(seen) => seen,
            Err(e) if limits::is_timeout(&e) => {
                if shown(&mut quiet.slow, server) {
                    say!(
                        server,
                        "{addr}: {}; closing" | "{addr}：{}；关闭连接",
                        limits::timed_out(
                            socket_lessons::lang::pick("waiting for a request", "等待请求"),
                            waits.idle
                        )
                    );
                }
                return;
            }
            Err(e) => {
                if shown(&mut quiet.failures, server) {
                    say!(
                        server,
                        "{addr}: {}" | "{addr}：{}",
                        socket_lessons::lang::error_text(&e)
                    );
                }
                return;
            }
        };
        // From its first byte, the whole request is on one clock (REQUEST_PACE).
        let mut request_clock = Paced::new(
            &conn,
            REQUEST_PACE,
            socket_lessons::lang::pick("the request", "请求"),
        );
        let request = if is_typed_text(&first[..seen]) {
            // 1a. the notes' request: one recv(1024) is one command. Their wire frames only
            //     the answer; the command has no boundary, so a read that fills the buffer
            //     may be half of one, and nothing of it may run (as in lesson 07).
            match request_clock.read(&mut buf) {
                Ok(0) => {
                    if shown(&mut quiet.ends, server) {
                        say!(
                            server,
                            "{addr} closed the connection between requests"
                                | "{addr} 在两个请求之间关闭了连接"
                        );
                    }
                    return;
                }
                Ok(n) if n == buf.len() => {
                    if shown(&mut quiet.refusals, server) {
                        say!(server, "recv({RECV_SIZE}) -> {}", describe_ends(&buf, 16));
                        say!(server, "the request filled the {RECV_SIZE}-byte buffer: refused, nothing run, closing the connection"
            | "这个请求填满了 {RECV_SIZE} 字节的缓冲区：拒绝它，什么都不执行，关闭连接");
                    }
                    // Wire bytes, like the built-in commands' errors: English in both languages.
                    let refusal = format!(
                        "error: the command filled the whole {RECV_SIZE}-byte read, so it may go \
                         on past it; nothing of it was run, and this connection is closed\n"
                    );
                    let _ = write_frame(&mut conn, refusal.as_bytes());
                    net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                    return;
                }
                Ok(n) => {
                    if &buf[..n] == QUIT {
                        if shown(&mut quiet.ends, server) {
                            say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
                            say!(
                                server,
                                "{addr} said q: closing the connection" | "{addr} 说了 q：关闭连接"
                            );
                        }
                        return;
                    }
                    Request {
                        shown: shown(&mut quiet.requests, server),
                        bytes: buf[..n].to_vec(),
                    }
                    .said(server, &format!("recv({RECV_SIZE}) -> "))
                }
                Err(e) => {
                    if shown(&mut quiet.failures, server) {
                        say!(
                            server,
                            "{addr}: recv failed: {}" | "{addr}：recv 失败：{}",
                            socket_lessons::lang::error_text(&e)
                        );
                    }
                    return;
                }
            }
        } else {
            // 1b. a framed request: exactly 4 header bytes, then exactly the length they give.
            match read_frame(&mut request_clock) {
                Ok(Some(request)) => Request {
                    shown: shown(&mut quiet.requests, server),
                    bytes: request,
                }
                .said(server, "read_frame -> "),
                // A clean end *between* frames: the client is done.
                Ok(None) => {
                    if shown(&mut quiet.ends, server) {
                        say!(
                            server,
                            "{addr} closed the connection between frames"
                                | "{addr} 在两帧之间关闭了连接"
                        );
                    }
                    return;
                }
                // A bad length (negative, or over the limit) was refused before any
                // allocation. After a bad header there is no way to find the next frame
                // boundary in the stream, so the only safe thing is to close this connection.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    if shown(&mut quiet.refusals, server) {
                        say!(
                            server,
                            "{addr}: {}; closing this connection" | "{addr}：{}；关闭这条连接",
                            socket_lessons::lang::error_text(&e)
                        );
                    }
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    if shown(&mut quiet.refusals, server) {
                        say!(
                            server,
                            "{addr}: {}; the message is incomplete, dropping it"
                                | "{addr}：{}；消息不完整，丢弃它",
                            socket_lessons::lang::error_text(&e)
                        );
                    }
                    return;
                }
                // The request's clock ran out: a peer that drips, or stops mid-frame.
                Err(e) if limits::is_timeout(&e) => {
                    if shown(&mut quiet.slow, server) {
                        say!(
                            server,
                            "{addr}: {}; the message is incomplete, closing"
                                | "{addr}：{}；消息不完整，关闭连接",
                            socket_lessons::lang::error_text(&e)
                        );
                    }
                    return;
                }
                Err(e) => {
                    if shown(&mut quiet.failures, server) {
                        say!(
                            server,
                            "{addr}: {}" | "{addr}：{}",
                            socket_lessons::lang::error_text(&e)
                        );
                    }
                    return;
                }
            }
        };

        // 2. run it and answer with one frame: header and body in one write, the whole
        //    answer on one clock (ANSWER_PACE).
        let output = commands::run_builtin(&request.bytes);
        if request.shown {
            say!(
                server,
                "write_frame: header {} + {}" | "write_frame：固定报头 {} + {}",
                framing::header_hex(output.len()),
                describe_ends(&output, 16)
            );
        }
        let answer = socket_lessons::lang::pick("the answer", "回答");
        if let Err(e) = write_frame(&mut Paced::new(&conn, ANSWER_PACE, answer), &output) {
            let timed_out = limits::is_timeout(&e);
            let e = socket_lessons::lang::error_text(&e);
            if timed_out {
                if shown(&mut quiet.slow, server) {
                    say!(
                        server,
                        "{addr}: write_frame failed: {e}; resetting the connection"
                            | "{addr}：write_frame 失败：{e}；重置连接"
                    );
                }
                // A plain close would leave the unsent megabytes queued in the kernel,
                // probing a closed window for minutes (FIN-WAIT-1, `ss -tmi` shows it);
                // a reset (SO_LINGER 0) drops them now. The client did not read anyway.
                let _ = net::close_with_reset(conn);
            } else if shown(&mut quiet.failures, server) {
                say!(
                    server,
                    "{addr}: write_frame failed: {e}; closing"
                        | "{addr}：write_frame 失败：{e}；关闭连接"
                );
            }
            return;
        }
    }
}

/// Whether a request's first bytes are a bare command: text, where a line end or a tab
/// counts as text too (`nc` sends `pwd\n`, whose fourth byte is a newline). A length
/// prefix cannot pass for it: every length this server accepts has a 0 byte (under 16 MiB,
/// the last of the four), and 0 is never text.
fn is_typed_text(first: &[u8]) -> bool {
    let blanked: Vec<u8> = first
        .iter()
        .map(|&b| {
            if matches!(b, b'\n' | b'\r' | b'\t') {
                b' '
            } else {
                b
            }
        })
        .collect();
    sniff::is_text_start(&blanked)
}

/// A request read whole, and whether the log shows it and its answer.
struct Request {
    shown: bool,
    bytes: Vec<u8>,
}

impl Request {
    /// Prints `{how}{a preview of the request}` if it is shown.
    fn said(self, server: &Transcript, how: &str) -> Self {
        if self.shown {
            // A preview, not the whole request: a 16 MiB request logged whole is 16 MiB of
            // escaped bytes in the log.
            say!(server, "{how}{}", describe_ends(&self.bytes, 16));
        }
        self
    }
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

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&scenes::ZH).side {
        None => demo::play(scenes::run_demo),
        Some(Side::Server { at, idle_limit }) => {
            let listener = at.listen(ListenOptions::new())?;
            let waits = Limits::server(Duration::from_secs(idle_limit));
            serve(&listener, waits, &Hooks::none())
        }
        Some(Side::Client(at)) => {
            let stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            client::interactive_client(stream)
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
