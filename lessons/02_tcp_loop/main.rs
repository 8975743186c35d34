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
//!   the server one line of output, not its life (the notes' server crashes on each);
//! - a client that resets before the server has called `accept` is still accepted on Linux:
//!   the reset shows at the first `recv` (ECONNRESET);
//! - what a hostile client cannot do: hold the server for longer than `--idle-limit`, stall
//!   it on an answer it never reads for more than 10 s, or grow its log by more than a few
//!   kilobytes.
//!
//! Run it:
//! - `cargo run --example 02_tcp_loop`: the demo, five clients one after another;
//! - terminal 1: `cargo run --example 02_tcp_loop -- server` (start it first),
//!   terminal 2: `cargo run --example 02_tcp_loop -- client`, type lines, `q` to quit.
//!
//! Previous: lesson 01, one exchange. Next: lesson 03, what the connection loop implies.

mod notes;
mod scenes;

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{Gate, LineBudget, LogGate, LINES_PER_PEER};
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve;
use socket_lessons::stage::transcript::{describe, describe_answer, describe_peer};
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{say, Endpoint, Input, Report, Transcript};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// The word that ends a session, as in notes A §8 and notes C 第三版.
const QUIT: &[u8] = b"q";

/// How fast a client must take an answer: 10 s to begin, then 1024 bytes a second, on one
/// clock for the whole answer (an answer is at most 1024 bytes, so 11 s in all). A client
/// that pushes and never reads fills the buffers, and the server's write would otherwise
/// wait for ever.
const ANSWER_PACE: Pace = Pace::new(limits::MESSAGE_LIMIT, 1024);

/// Messages shown in any 10 s, all clients together: more than anyone types, far fewer than
/// a program that connects again and again, each time with 20 tiny messages, could make.
const MESSAGE_LINES: u32 = 40;

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// The connection loop around the communication loop (notes A §3 has both): serve a client
/// until it leaves, then accept the next (`serve_in_turn`: one line per accept, a failed
/// accept paced and counted).
///
/// `hooks` tell a demo when a client is accepted and done; in two-terminal mode they are
/// [`Hooks::none`].
fn serve(listener: &TcpListener, limits: Limits, hooks: &Hooks) -> Result<(), Report> {
    let server = Transcript::server();
    // On Linux a client that resets after its handshake and before this accept is still
    // accepted: the reset shows at its first recv (ECONNRESET). The BSDs may fail accept
    // with ECONNABORTED instead, and Windows with WSAECONNRESET. Either way: one line, and
    // the server keeps listening.
    //
    // Resets come in storms (a client killed in a loop, a scanner): their lines go through
    // a gate, 5 in any 10 s, then a count.
    let mut resets = LogGate::lessons();
    // And the lines of messages, whoever sends them: a client's own 20 lines are not a
    // bound when clients come one after another, each with 20 tiny messages.
    let mut messages = LogGate::new(MESSAGE_LINES, Duration::from_secs(10));
    serve::serve_in_turn(listener, hooks, |conn, client_addr| {
        serve_client(
            conn,
            client_addr,
            limits,
            &mut resets,
            &mut messages,
            &server,
        )
    });
    Ok(())
}

/// The communication loop for one client. Whatever the client does, this returns and the
/// server goes back to `accept`: nothing a client sends can end the server, hold it longer
/// than its limits, or grow its log by more than a few kilobytes.
fn serve_client(
    conn: TcpStream,
    client_addr: SocketAddr,
    limits: Limits,
    resets: &mut LogGate,
    messages: &mut LogGate,
    server: &Transcript,
) {
    let mut buf = [0u8; RECV_SIZE];
    // The first 20 messages of a client get their lines; the rest are only counted.
    let mut budget = LineBudget::default();
    loop {
        // 1. recv(1024): blocks until the client sends something or goes away, at most
        //    `limits.idle` (the notes wait for ever).
        if let Err(e) = limits.await_request(&conn) {
            say!(
                server,
                "{client_addr}: {}; waiting for the next client"
                    | "{client_addr}：{}；等待下一个客户端",
                socket_lessons::lang::error_text(&e)
            );
            return;
        }
        // A stop and continue of the server (EINTR) is retried with the time left.
        let n = match limits::read(&conn, &mut buf) {
            // 0 bytes: the client closed its end (FIN). The notes' first servers treat this
            // as an empty message and spin forever printing b''; it is the end of the
            // stream, and the only right thing is to stop reading.
            Ok(0) => {
                say_held(&budget, client_addr, server);
                say!(
                    server,
                    "recv({RECV_SIZE}) -> 0 bytes: {client_addr} closed the connection; \
                     waiting for the next client"
                        | "recv({RECV_SIZE}) -> 0 字节：{client_addr} 关闭了连接；等待下一个客户端"
                );
                return;
            }
            Ok(n) => n,
            Err(e) if limits::is_timeout(&e) => {
                say_held(&budget, client_addr, server);
                say!(
                    server,
                    "{client_addr}: {}; closing, waiting for the next client"
                        | "{client_addr}：{}；关闭连接，等待下一个客户端",
                    limits::timed_out(
                        socket_lessons::lang::pick(
                            "waiting for the next message",
                            "等待下一条消息"
                        ),
                        limits.idle
                    )
                );
                return;
            }
            // A reset (the client's OS closed a socket that had unread data, or SO_LINGER 0)
            // or any other error on this connection: one line, then the next client. The
            // notes' servers crash here (ConnectionResetError) unless wrapped in try/except.
            Err(e) => {
                say_held(&budget, client_addr, server);
                if gated(resets, server, Held::Resets) {
                    let what = if e.kind() == io::ErrorKind::ConnectionReset {
                        socket_lessons::lang::pick("reset the connection", "重置了连接")
                    } else {
                        socket_lessons::lang::pick("broke the connection", "弄断了连接")
                    };
                    say!(
                        server,
                        "recv({RECV_SIZE}) failed: {client_addr} {what} ({}); waiting for the next client"
                            | "recv({RECV_SIZE}) 失败：{client_addr} {what}（{}）；等待下一个客户端",
                        socket_lessons::lang::error_text(&e)
                    );
                }
                return;
            }
        };
        let data = &buf[..n];
        // A preview of what came (at most 32 bytes), not all of it: a client that sends a
        // megabyte must not be able to write four megabytes of escaped log.
        let shown = budget.allow() && gated(messages, server, Held::Messages);
        if shown {
            say!(server, "recv({RECV_SIZE}) -> {}", describe_peer(data));
        } else if budget.just_ran_out() {
            say!(
                server,
                "{client_addr}: more than {LINES_PER_PEER} messages; the rest are answered without a line each"
                    | "{client_addr}：已经超过 {LINES_PER_PEER} 条消息；之后的照常回答，但不再逐条打印"
            );
        }

        // 2. `q` ends the session (notes A §8). The client closes right after sending it.
        if data == QUIT {
            say_held(&budget, client_addr, server);
            say!(
                server,
                "{client_addr} said q: closing this connection"
                    | "{client_addr} 说了 q：关闭这条连接"
            );
            return;
        }

        // 3. upper-case and send back. The notes call `data.decode().upper()`, which raises
        //    UnicodeDecodeError on bytes that are not UTF-8 and kills the server.
        if shown && std::str::from_utf8(data).is_err() {
            say!(
                server,
                "not UTF-8, so only the ASCII letters are upper-cased"
                    | "不是 UTF-8，所以只把其中的 ASCII 字母转成大写"
            );
        }
        let reply = commands::upper(data);
        if shown {
            say!(server, "send {}", describe_peer(&reply));
        }
        // write_all, not write: Python's `send` may send only part, `sendall` loops. Under
        // one clock for the whole answer (ANSWER_PACE): a client that never reads cannot
        // hold the server by taking a few bytes now and then.
        let mut paced = Paced::new(
            &conn,
            ANSWER_PACE,
            socket_lessons::lang::pick("the answer", "回答"),
        );
        if let Err(e) = paced.write_all(&reply) {
            say_held(&budget, client_addr, server);
            if limits::is_timeout(&e) {
                say!(
                    server,
                    "{client_addr}: {}; closing, waiting for the next client"
                        | "{client_addr}：{}；关闭连接，等待下一个客户端",
                    socket_lessons::lang::error_text(&e)
                );
            } else if gated(resets, server, Held::Resets) {
                // A reset seen by the send, not the recv (a client that sent a byte and
                // reset at once): the same gate as the recv's (an attack found these lines
                // ungated, 135 of them in 3 s).
                say!(
                    server,
                    "send failed: {client_addr} is gone ({}); waiting for the next client"
                        | "send 失败：{client_addr} 已经不在了（{}）；等待下一个客户端",
                    socket_lessons::lang::error_text(&e)
                );
            }
            return;
        }
    }
}

/// What a [`LogGate`] held back: said when it lets the next line through.
#[derive(Clone, Copy)]
enum Held {
    Resets,
    Messages,
}

/// Whether an event gets its line (after one saying how many were held back since the last).
fn gated(gate: &mut LogGate, server: &Transcript, what: Held) -> bool {
    let held = gate.held();
    match gate.event() {
        Gate::Show => true,
        Gate::ShowAfter(_) => {
            match what {
                Held::Resets => say!(
                    server,
                    "({held} more resets were not logged)" | "（另有 {held} 次重置没有写进日志）"
                ),
                Held::Messages => say!(
                    server,
                    "({held} more messages were answered without a line)"
                        | "（另有 {held} 条消息已回答，但没有写进日志）"
                ),
            }
            true
        }
        Gate::Held => false,
    }
}

/// The count of messages that got no line, once the client leaves (nothing when all did).
fn say_held(budget: &LineBudget, client_addr: SocketAddr, server: &Transcript) {
    if budget.held() > 0 {
        say!(
            server,
            "{client_addr}: {} more messages were answered without a line"
                | "{client_addr}：另有 {} 条消息已回答，但没有写进日志",
            budget.held()
        );
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
                    | "跳过空行：长度为 0 的 send 不会往线路上发出任何东西"
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
    say!(client, "end of input: close" | "输入结束：close");
    Ok(())
}

/// Sends one message and prints the answer. Returns `false` when the server has closed.
fn exchange(stream: &mut TcpStream, message: &[u8], client: &Transcript) -> Result<bool, Report> {
    say!(client, "send {}", describe_answer(message, 48));
    stream.write_all(message)?;

    // SIMPLIFICATION: one recv is taken to be the whole answer. For short lines on a quiet
    // connection it is; in general it is not, which is the 粘包 problem of lesson 04.
    let mut buf = [0u8; RECV_SIZE];
    let n = limits::read(stream, &mut buf).map_err(limits::answer_waited)?;
    if n == 0 {
        say!(
            client,
            "recv({RECV_SIZE}) -> 0 bytes: the server closed the connection"
                | "recv({RECV_SIZE}) -> 0 字节：服务端关闭了连接"
        );
        return Ok(false);
    }
    // A preview of a long answer (describe_peer), as the server logs what it gets: 1 KiB
    // of U+202E made a 7 KB line (an attack).
    say!(client, "recv({RECV_SIZE}) -> {}", describe_peer(&buf[..n]));
    Ok(true)
}

/// Says `q` and closes (notes A §8): the server ends this session when it reads it.
fn quit(mut stream: TcpStream, client: &Transcript) -> Result<(), Report> {
    say!(
        client,
        "send {}, then close" | "send {}，然后 close",
        describe(QUIT)
    );
    stream.write_all(QUIT)?;
    Ok(())
}

/// Lesson 02: a communication loop, upper-case echo (notes A §3-4, B 带有通信循环的CS, C 第二版).
///
/// With no subcommand, runs the server and five clients in one process: a normal session
/// with a deliberate empty send, a client that vanishes, one that resets the connection,
/// one that sends bytes that are not UTF-8, and one that resets before it is accepted. For
/// two terminals: start `server` first, then `client`; type lines, `q` quits.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the course's server (start it first, in terminal 1). It prints the address
    /// it bound.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// The longest wait, in seconds, for a client's next message before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the course's client (in terminal 2), then type lines; `q` or end of input
    /// quits.
    Client(Endpoint),
    /// Run the notes' server, in plain Rust (notes.rs), on the notes' address unless told
    /// otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' client, in plain Rust (notes.rs), against the notes' address unless
    /// told otherwise.
    NotesClient(NotesEndpoint),
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 02 课：通信循环，大写回显（笔记 A §3-4，笔记 B 带有通信循环的CS，笔记 C 第二版）。",
    long_about: "第 02 课：通信循环，大写回显（笔记 A §3-4，笔记 B 带有通信循环的CS，笔记 C 第二版）。\n\n\
                 不带子命令时，在一个进程里运行服务端和五个客户端：一次正常的会话（中间故意发送一次空数据）、\
                 一个一声不响就走掉的客户端、一个重置连接的客户端、一个发送非 UTF-8 字节的客户端、一个在被 \
                 accept 之前就重置的客户端。两个终端：先启动 server，再启动 client；输入一行行文字，q 退出。",
    subcommands: &[
        ("server", "只运行课程的服务端（先在终端 1 启动），它会打印绑定到的地址"),
        ("client", "只运行课程的客户端（在终端 2），然后输入一行行文字；q 或输入结束（Ctrl-D）退出"),
        ("notes-server", "运行笔记的服务端，用纯 Rust 写成（notes.rs），默认用笔记自己的地址"),
        ("notes-client", "运行笔记的客户端，用纯 Rust 写成（notes.rs），默认连接笔记自己的地址"),
    ],
    options: &[("idle_limit", "等客户端下一条消息最多等多少秒，超时就关闭它")],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => demo::play(scenes::run_demo),
        Some(Side::Server { at, idle_limit }) => {
            let listener = at.listen(ListenOptions::new())?;
            serve(
                &listener,
                Limits::server(Duration::from_secs(idle_limit)),
                &Hooks::none(),
            )
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
            interactive_client(
                stream,
                Input::stdin(socket_lessons::lang::pick(
                    "message for the server :>>>> ",
                    "发给服务端的消息 :>>>> ",
                )),
            )
        }
    }
}
