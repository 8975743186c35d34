//! # Lesson 07: remote commands, the notes' "ssh"
//!
//! Follows notes A §9.1 问题演示 (the command server and its struct-header client), notes B
//! 基于tcp协议模拟ssh远程执行命令, notes C 远程执行命令, notes D 解决粘包问题.
//!
//! The client sends a command line; the server runs it through the shell and answers with
//! one frame: stdout, or stderr when stdout is empty, exactly as notes A §9.1 chooses. The
//! client prints the whole answer, however large, because the 4-byte header says how large.
//!
//! What the notes leave out, and this server does:
//! - it listens on loopback unless `--host` says otherwise, and then warns: whoever reaches
//!   the port runs commands as you;
//! - a command has a time limit (`--time-limit`, 10 s) and is killed with its children when
//!   it runs past it; what it printed until then is kept, with a notice;
//! - output past the frame limit (16 MiB) is cut with a notice, and the command stopped;
//! - a command that is not UTF-8 gets a one-line error answer, not a dead connection.
//!
//! Wire format, the notes A §9.1 one, so the notes' Python client and server can be either
//! side: client → server, the command's bytes in one send, no header; server → client,
//! `struct.pack('i', n)` + n bytes.
//!
//! Run it:
//! - `cargo run --example 07_remote_cmd`: the demo;
//! - terminal 1: `cargo run --example 07_remote_cmd -- server`, terminal 2:
//!   `cargo run --example 07_remote_cmd -- client`, then type commands (`ls -l`, `seq 5000`,
//!   `q` to quit);
//! - the notes' program in plain Rust (`notes.rs`, notes A §9.1): `-- notes-server`, then
//!   `-- notes-client`.
//!
//! Previous: lesson 06, the length header. Next: lesson 08, a JSON header.

mod log;
mod notes;
mod scenes;

use log::{ended, gated, Gates};

use clap::{Parser, Subcommand};
use encoding_rs::Encoding;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::quiet::{self, LogGate};
use socket_lessons::guard::shell::{self, CommandLimits, Request};
use socket_lessons::guard::timed;
use socket_lessons::lang::{error_text, pick};
use socket_lessons::stage::cli::{AnswerText, NotesEndpoint};
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve::serve_in_turn_gated;
use socket_lessons::stage::transcript::describe_ends;
use socket_lessons::wire::encoding;
use socket_lessons::wire::framing::{self, read_frame, write_frame, MAX_FRAME_LEN};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Input, Report, Transcript};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The most bytes read as one command. The notes read `recv(1024)` (notes A, B, C) or
/// `recv(8096)` (notes D).
const COMMAND_MAX: usize = 8192;

/// The word that ends a session (notes A §9.1).
const QUIT: &[u8] = b"q";

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// Serves clients one after another, for ever (a demo's `hooks` end it after its clients).
fn serve(
    listener: &TcpListener,
    limits: CommandLimits,
    waits: Limits,
    session: Duration,
    hooks: &Hooks,
) -> Result<(), Report> {
    let server = &Transcript::server();
    // What a command leaves running is this process's to find and kill (Linux: it adopts
    // every orphan of its commands). One command runs at a time, so when one ends, every
    // process descended from this one is its leftover.
    shell::contain_commands();
    // Ctrl-C or SIGTERM to the server kills the running command and all it started first.
    shell::kill_commands_on_interrupt();
    let mut gates = Gates::new();
    let mut accepts = LogGate::new(20, Duration::from_secs(10));
    serve_in_turn_gated(listener, hooks, &mut accepts, |conn, addr| {
        let rules = Rules {
            limits,
            waits: &waits,
            session,
        };
        serve_client(conn, addr, &rules, &mut gates, server)
    });
    Ok(())
}

/// What the server allows each client.
struct Rules<'a> {
    /// The command's time and output limits.
    limits: CommandLimits,
    /// The idle limit between commands.
    waits: &'a Limits,
    /// How long one connection is served in all.
    session: Duration,
}

/// One client: a command in, its output out as one frame, until the client is done.
fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    rules: &Rules,
    gates: &mut Gates,
    server: &Transcript,
) {
    let session = shell::Session::start(rules.session);
    let mut buf = vec![0u8; COMMAND_MAX];
    loop {
        // 1. receive a command. SIMPLIFICATION: one read is one command, as in the notes.
        // Their wire has no header on the request; it works because the client sends the
        // next command only after the whole answer came back, so there is never more than
        // one command in flight to merge with. (Lesson 06 frames requests too.) A read that
        // fills the buffer may be half a command: refused, nothing of it run.
        let n = match shell::read_request(&mut conn, &mut buf, rules.waits, &session) {
            Request::Line(n) => n,
            Request::Closed => {
                ended(gates, server, || {
                    say!(
                        server,
                        "recv -> 0 bytes: {addr} closed the connection"
                            | "recv -> 0 字节：{addr} 关闭了连接"
                    )
                });
                return;
            }
            Request::Idle => {
                ended(gates, server, || {
                    say!(
                        server,
                        "{addr}: {}; closing" | "{addr}：{}；关闭连接",
                        limits::timed_out(
                            pick("waiting for a command", "等待命令"),
                            rules.waits.idle
                        )
                    )
                });
                return;
            }
            Request::SessionOver => {
                let over = session.over();
                ended(gates, server, || {
                    say!(server, "{addr}: {}" | "{addr}：{}", over.log)
                });
                let _ = write_frame(
                    &mut Paced::new(&conn, shell::ANSWER_PACE, pick("the notice", "通知")),
                    &over.body,
                );
                // A command may be on its way: read and drop it for a moment, so that
                // closing does not reset the connection before the client reads the notice.
                net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                return;
            }
            Request::TooLong => {
                let refusal = shell::too_long(buf.len());
                ended(gates, server, || {
                    say!(server, "recv -> {}", describe_ends(&buf, 16));
                    say!(server, "{}", refusal.log);
                });
                let _ = write_frame(
                    &mut Paced::new(&conn, shell::ANSWER_PACE, pick("the refusal", "拒绝的回答")),
                    &refusal.body,
                );
                // The rest of the line is on its way: read and drop it for a moment, so that
                // closing does not reset the connection before the client reads the answer.
                net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                return;
            }
            Request::Failed(e) => {
                ended(gates, server, || {
                    say!(
                        server,
                        "{addr}: recv failed: {}" | "{addr}：recv 失败：{}",
                        error_text(&e)
                    )
                });
                return;
            }
        };
        let request = &buf[..n];
        if request == QUIT {
            ended(gates, server, || {
                say!(server, "recv -> {}", describe_ends(request, 16));
                say!(
                    server,
                    "{addr} said q: closing the connection" | "{addr} 说了 q：关闭连接"
                );
            });
            return;
        }

        // 2. run it through the shell (shell::answer_request): stdout, or stderr when stdout
        // is empty, as notes A §9.1 chooses; killed past the time limit or the output limit,
        // and whatever it left running killed when it ends. Bytes that are not UTF-8 get an
        // error answer: the notes' `cmd.decode('utf-8')` raises, and their `except
        // Exception: break` drops the client.
        let answer = shell::answer_request(request, rules.limits, MAX_FRAME_LEN);
        gated(&mut gates.commands, server, || {
            // A preview: at most 16 bytes from each end, however long the command.
            say!(server, "recv -> {}", describe_ends(request, 16));
            say!(server, "{}", answer.log);
            say!(
                server,
                "write_frame: header {} + {} bytes" | "write_frame：固定报头 {} + {} 字节",
                framing::header_hex(answer.body.len()),
                answer.body.len()
            );
        });

        // 3. answer with one frame: header and body in one write, not the notes' two sends
        // (`send` may also send only part; write_frame goes on until every byte is out, like
        // `sendall`). The whole answer is under one clock (ANSWER_PACE): a client that takes
        // a few bytes now and then cannot stretch it, as it could a limit on each write.
        let sent = write_frame(
            &mut Paced::new(&conn, shell::ANSWER_PACE, pick("the answer", "回答")),
            &answer.body,
        );
        if let Err(e) = sent {
            let timed_out = limits::is_timeout(&e);
            let e = error_text(&e);
            ended(gates, server, || {
                if timed_out {
                    say!(server, "{addr}: {e}; closing" | "{addr}：{e}；关闭连接");
                } else {
                    say!(
                        server,
                        "{addr}: write_frame failed: {e}" | "{addr}：write_frame 失败：{e}"
                    );
                }
            });
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// Sends one command and returns the whole answer (`None`: the server closed). `client`
/// prints the exchange (the demo); `None` keeps quiet (two terminals, where the answer
/// itself is the output).
fn command(
    stream: &mut TcpStream,
    line: &[u8],
    client: Option<&Transcript>,
) -> Result<Option<Vec<u8>>, Report> {
    if let Some(client) = client {
        say!(client, "send {}", describe_ends(line, 40));
    }
    // One write_all: the whole command in one go (`send` may take only part of it).
    stream.write_all(line)?;
    // The answer's first byte may take as long as the command runs (up to the server's
    // time limit): that wait is the long one (60 s, `limits::answer_limit`).
    if !limits::answer_begins(stream)? {
        return Ok(None);
    }
    // read_frame reads the 4 header bytes, then exactly that many, however TCP delivers
    // them: no `recv(4)` that returns 2, no `count += buffer_size` that miscounts a short
    // read (notes A §9.1's client), no `data += recv()` copying the answer again and again.
    // The whole frame is under one clock, as the server's writes are (ANSWER_PACE): a
    // server that sends a byte now and then cannot hold this client.
    let answer = read_frame(&mut Paced::new(
        stream,
        shell::ANSWER_PACE,
        pick("the answer", "回答"),
    ))?;
    if let (Some(client), Some(answer)) = (client, &answer) {
        say!(client, "read_frame -> {}", describe_ends(answer, 40));
    }
    Ok(answer)
}

/// The two-terminal client: each typed line is a command; its output is printed as text,
/// read in `encoding` (the notes' `res.decode('gbk')`, named instead of assumed).
fn interactive_client(mut stream: TcpStream, encoding: &'static Encoding) -> Result<(), Report> {
    let mut input = Input::stdin(">>> ");
    let mut out = io::stdout().lock();
    while let Some(line) = input.next_line()? {
        // An empty send puts nothing on the wire (lesson 02): skip it.
        if line.is_empty() {
            continue;
        }
        if line == QUIT {
            stream.write_all(QUIT)?;
            break;
        }
        // What came before the request is no answer to it (timed::drop_unasked).
        let unasked = timed::drop_unasked(&stream)?;
        if unasked > 0 {
            say!(Transcript::client(), "{}", timed::unasked_line(unasked));
        }
        match command(&mut stream, &line, None)? {
            Some(answer) => {
                // The command's own output, as text: the bytes are the server machine's
                // (GBK from a Chinese Windows' cmd, UTF-8 from Linux), the reader says which.
                // Control characters escaped (quiet::terminal_safe): a server cannot drive
                // this terminal (ESC sequences, OSC 52 to the clipboard, `\r` overwrites).
                let text = encoding::decode(&answer, encoding);
                out.write_all(quiet::terminal_safe(&text).as_bytes())?;
                if !answer.ends_with(b"\n") {
                    out.write_all(b"\n")?;
                }
                out.flush()?;
            }
            None => {
                say!(
                    Transcript::client(),
                    "the server closed the connection" | "服务端关闭了连接"
                );
                break;
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// Lesson 07: remote commands (notes A §9.1, B 模拟ssh, C 远程执行命令, D).
///
/// With no subcommand, runs the server and a client in one process: an echo, three thousand
/// numbered lines, a command that does not exist, one that runs too long, one that prints
/// too much, and one that is not UTF-8. For two terminals: start `server` first, then
/// `client`, and type commands; `q` quits.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first, in terminal 1). It runs what clients send
    /// through the shell, as the user who started it.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Seconds a command may run before it is killed (at most a day: a limit past the
        /// clock's range made the server panic at the first command, an attack)
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        time_limit: u64,
        /// The longest wait, in seconds, for a client's next command before closing it
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// How long, in seconds, one connection is served in all before it is closed (so
        /// that a client that keeps sending cannot hold this one-at-a-time server for ever)
        #[arg(long, value_name = "SECS", default_value_t = shell::DEFAULT_SESSION_SECS,
              value_parser = clap::value_parser!(u64).range(1..))]
        session_limit: u64,
    },
    /// Run only the client (in terminal 2). Type commands; `q` or end of input quits.
    Client {
        #[command(flatten)]
        at: Endpoint,
        #[command(flatten)]
        text: AnswerText,
    },
    /// Run the notes' server (notes A §9.1) in plain Rust (notes.rs), on the notes' address
    /// (127.0.0.1:9696) unless told otherwise. No limits: it runs what clients send, as you.
    NotesServer(NotesEndpoint),
    /// Run the notes' client (notes A §9.1) in plain Rust (notes.rs). Type commands; `q` or
    /// end of input quits.
    NotesClient(NotesEndpoint),
}

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&scenes::ZH).side {
        None => demo::play(scenes::run_demo),
        Some(Side::Server {
            at,
            time_limit,
            idle_limit,
            session_limit,
        }) => {
            let listener = at.listen(ListenOptions::new())?;
            // Not on loopback, this server gives a shell to anyone who reaches the port.
            if let Some(warning) = shell::exposure_warning(listener.local_addr()?) {
                say!(Transcript::server(), "{warning}");
            }
            let limits = CommandLimits {
                time: Duration::from_secs(time_limit),
                output: MAX_FRAME_LEN,
            };
            let waits = Limits::server(Duration::from_secs(idle_limit));
            let session = Duration::from_secs(session_limit);
            serve(&listener, limits, waits, session, &Hooks::none())
        }
        Some(Side::Client { at, text }) => {
            let stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            interactive_client(stream, text.encoding())
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
