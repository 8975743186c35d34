//! # Lesson 03: the connection loop, the backlog, and "Address already in use"
//!
//! Follows notes A §5 端口占用问题解决方案 and §8 TCP客户端服务端模型完整版, notes B
//! 加上链接循环的CS, notes C 第三版: the server accepts clients one after another, and is
//! restarted on the same port.
//!
//! What to look at:
//! - a second client's `connect` succeeds at once, yet nobody answers it: the kernel has
//!   finished its handshake and parked it in the listen backlog (`listen(5)`), and the
//!   server, busy with the first client, has not called `accept`. It is served, message
//!   and all, the moment the first client quits;
//! - a server that closed a connection first leaves that connection in TIME_WAIT, holding
//!   the port. A new listener on that port gets "Address already in use" unless SO_REUSEADDR
//!   is set, and on Linux it must be set on the old listener as well as the new one: what
//!   counts is the flag each connection copied from the listener when it was accepted, so
//!   setting it on the old listener after bind still works, after the accept it is too late;
//! - the accept queue under overload: `listen(1)` holds two finished connections on Linux;
//!   the third client's SYN is dropped (the kernel counts it), and its `connect` waits.
//!
//! Run it:
//! - `cargo run --example 03_conn_loop`: the demo;
//! - terminal 1: `cargo run --example 03_conn_loop -- server` (start it first),
//!   terminals 2 and 3: `cargo run --example 03_conn_loop -- client`; the second waits
//!   until the first types `q`.
//! - To see the error yourself: `-- server --no-reuseaddr`, connect a client, stop the
//!   server with Ctrl-C, start it again at once.
//!
//! Previous: lesson 02, the communication loop. Next: lesson 04, 粘包.

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
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// The word that ends a session (notes A §8, notes C 第三版).
const QUIT: &[u8] = b"q";

/// How fast a client must take an answer: 10 s to begin, then 1024 bytes a second, on one
/// clock for the whole answer (at most 1024 bytes: 11 s). A client that pushes and never
/// reads would otherwise hold the server in its write for ever.
const ANSWER_PACE: Pace = Pace::new(limits::MESSAGE_LIMIT, 1024);

/// Messages shown in any 10 s, all clients together: more than anyone types, far fewer than
/// a program that connects again and again, each time with 20 tiny messages, could make.
const MESSAGE_LINES: u32 = 40;

// ---------------------------------------------------------------------------------------
// The server: notes A §8, a connection loop around a communication loop
// ---------------------------------------------------------------------------------------

/// Accepts clients one after another, for ever (in a demo, until its `hooks` say stop).
///
/// One thread, one client at a time: while this loop is inside [`serve_client`], nobody
/// calls `accept`, and every other client waits in the accept queue. Lesson 11 serves
/// several at once.
fn serve(listener: &TcpListener, limits: Limits, hooks: &Hooks) -> Result<(), Report> {
    let server = Transcript::server();
    // The connection loop: take the oldest connection from the accept queue, or wait for
    // one (serve_in_turn: one line per accept; a failed accept paced and counted).
    // Resets come in storms: their lines go through a gate, 5 in any 10 s, then a count.
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

/// The communication loop of lesson 02: upper-case echo until the client leaves. Written
/// out here rather than called from `echo::serve`, so that its lines can say what the
/// connection loop does next ("back to accept"). Every way a client can leave (q, close,
/// reset, a failed send, silence past `limits.idle`, an answer it does not take) ends this
/// client only, in one line.
fn serve_client(
    conn: TcpStream,
    client_addr: SocketAddr,
    limits: Limits,
    resets: &mut LogGate,
    messages: &mut LogGate,
    server: &Transcript,
) {
    let mut buf = [0u8; RECV_SIZE];
    // The first 20 messages of a client get their lines (each a short preview); the rest
    // are counted, so that a client that floods cannot flood the log.
    let mut budget = LineBudget::default();
    loop {
        if let Err(e) = limits.await_request(&conn) {
            say!(
                server,
                "{client_addr}: {}" | "{client_addr}：{}",
                socket_lessons::lang::error_text(&e)
            );
            return;
        }
        // A stop and continue of the server (EINTR) is retried with the time left.
        let data = match limits::read(&conn, &mut buf) {
            Ok(0) => {
                say_held(&budget, client_addr, server);
                say!(
                    server,
                    "{client_addr} closed the connection" | "{client_addr} 关闭了连接"
                );
                return;
            }
            Ok(n) => &buf[..n],
            Err(e) if limits::is_timeout(&e) => {
                say_held(&budget, client_addr, server);
                say!(
                    server,
                    "{client_addr}: {}; back to accept" | "{client_addr}：{}；回到 accept",
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
            Err(e) => {
                say_held(&budget, client_addr, server);
                if gated(resets, server, Held::Resets) {
                    say!(
                        server,
                        "recv from {client_addr} failed: {}" | "从 {client_addr} recv 失败：{}",
                        socket_lessons::lang::error_text(&e)
                    );
                }
                return;
            }
        };
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
        if data == QUIT {
            say_held(&budget, client_addr, server);
            say!(
                server,
                "{client_addr} said q: back to accept" | "{client_addr} 说了 q：回到 accept"
            );
            return;
        }
        let reply = commands::upper(data); // not UTF-8: ASCII letters only (lesson 02)
        if shown {
            say!(server, "send {}", describe_peer(&reply));
        }
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
                    "{client_addr}: {}; back to accept" | "{client_addr}：{}；回到 accept",
                    socket_lessons::lang::error_text(&e)
                );
            } else if gated(resets, server, Held::Resets) {
                // A reset seen by the send: the recv's gate (lesson 02).
                say!(
                    server,
                    "send to {client_addr} failed: {}" | "向 {client_addr} send 失败：{}",
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
                    "({held} more failed recvs were not logged)"
                        | "（另有 {held} 次 recv 失败没有写进日志）"
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

/// Sends one message and prints the answer; `false` when the server has closed.
fn exchange(stream: &mut TcpStream, message: &[u8], who: &Transcript) -> Result<bool, Report> {
    say!(who, "send {}", describe_answer(message, 48));
    stream.write_all(message)?;
    let mut buf = [0u8; RECV_SIZE];
    // SIMPLIFICATION: one recv taken as the whole answer (lesson 04 shows why not).
    match limits::read(stream, &mut buf).map_err(limits::answer_waited)? {
        0 => {
            say!(
                who,
                "recv({RECV_SIZE}) -> 0 bytes: the server closed the connection"
                    | "recv({RECV_SIZE}) -> 0 字节：服务端关闭了连接"
            );
            Ok(false)
        }
        n => {
            // A preview of a long answer (lesson 02).
            say!(who, "recv({RECV_SIZE}) -> {}", describe_peer(&buf[..n]));
            Ok(true)
        }
    }
}

/// Says `q` and closes.
fn quit(mut stream: TcpStream, who: &Transcript) -> Result<(), Report> {
    say!(
        who,
        "send {}, then close" | "send {}，然后 close",
        describe(QUIT)
    );
    stream.write_all(QUIT)?;
    Ok(())
}

/// Lesson 03: the connection loop, the backlog, and "Address already in use" (notes A §5, §8,
/// B 加上链接循环的CS, C 第三版).
///
/// With no subcommand, shows a second client waiting in the backlog until the first quits,
/// then restarts a server on the same port six ways, with and without SO_REUSEADDR, and
/// overflows the accept queue of `listen(1)`. For two terminals: start `server` first, then
/// one or more `client`s.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first, in terminal 1). It prints the address it bound.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Do not set SO_REUSEADDR (restart quickly after Ctrl-C to see the error)
        #[arg(long)]
        no_reuseaddr: bool,
        /// The longest wait, in seconds, for a client's next message before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the client (in terminal 2), then type lines; `q` or end of input quits.
    Client(Endpoint),
    /// Run the notes' server, in plain Rust (notes.rs), on the notes' address unless told
    /// otherwise; type each answer it sends.
    NotesServer(NotesEndpoint),
    /// Run the notes' client, in plain Rust (notes.rs), against the notes' address unless
    /// told otherwise; type lines, `q` quits.
    NotesClient(NotesEndpoint),
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 03 课：链接循环、全连接队列和“Address already in use”（笔记 A §5、§8，笔记 B 加上链接循环的CS，笔记 C 第三版）。",
    long_about: "第 03 课：链接循环、全连接队列和“Address already in use”（笔记 A §5、§8，笔记 B 加上链接循环的CS，笔记 C 第三版）。\n\n\
                 不带子命令时，先展示第二个客户端在全连接队列里等着，直到第一个客户端退出；再在同一个端口上\
                 用六种方式重启服务端，设或不设 SO_REUSEADDR；最后让 listen(1) 的全连接队列溢出。两个终端：\
                 先启动 server，再启动一个或几个 client。",
    subcommands: &[
        ("server", "只运行服务端（先在终端 1 启动），它会打印绑定到的地址"),
        ("client", "只运行客户端（在终端 2），然后输入一行行文字；q 或输入结束（Ctrl-D）退出"),
        ("notes-server", "运行笔记的服务端，用纯 Rust 写成（notes.rs），默认用笔记自己的地址；它发的每个回答由你来输入"),
        ("notes-client", "运行笔记的客户端，用纯 Rust 写成（notes.rs），默认连接笔记自己的地址；输入一行行文字，q 退出"),
    ],
    options: &[
        ("no_reuseaddr", "不设置 SO_REUSEADDR（按 Ctrl-C 之后马上重启，就能看到那个错误）"),
        ("idle_limit", "等客户端下一条消息最多等多少秒，超时就关闭它"),
    ],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => demo::play(scenes::run_demo),
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::Server {
            at,
            no_reuseaddr,
            idle_limit,
        }) => {
            let options = ListenOptions::new().reuse_address(!no_reuseaddr);
            let listener = at.listen(options)?;
            say!(
                Transcript::server(),
                "SO_REUSEADDR {}",
                on_off(options.reuse_address)
            );
            serve(
                &listener,
                Limits::server(Duration::from_secs(idle_limit)),
                &Hooks::none(),
            )
        }
        Some(Side::Client(at)) => {
            let mut stream = at.connect()?;
            // No wait for an answer longer than the answer limit (60 s), as lesson 02's
            // client (an attack found this one waiting for ever on a silent server).
            limits::await_answer(&stream, limits::answer_limit())?;
            let client = Transcript::client();
            let mut input = Input::stdin(socket_lessons::lang::pick(
                "message for the server :>>>> ",
                "发给服务端的消息 :>>>> ",
            ));
            loop {
                match input.next_line()? {
                    None => {
                        say!(client, "end of input: close" | "输入结束：close");
                        return Ok(());
                    }
                    Some(line) if line.is_empty() => continue, // see lesson 02
                    Some(line) if line == QUIT => return quit(stream, &client),
                    Some(line) => {
                        if !exchange(&mut stream, &line, &client)? {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}
