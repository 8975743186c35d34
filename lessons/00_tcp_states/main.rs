//! # Lesson 00: what a connection is — the handshake and the teardown as live TCP states
//!
//! Follows notes A §0 内容回顾 (7. 三次握手和四次挥手) and §1 socket层, notes B 基于tcp和udp
//! 协议的socket抽象层 and 套接字家族, notes C socket, 套接字家族 and its tables of socket
//! functions, notes D 上节回顾, notes E 1–4 (socket层, 理解socket, 套接字的发展史, 网络基础)
//! and "8.socket的更多方法".
//!
//! The notes draw the three-way handshake (三次握手) and the four-way teardown (四次挥手).
//! This lesson asks the kernel instead: at each step it prints each end's TCP state as Linux
//! reports it ([`socket_lessons::stage::tcp_state`]: `TCP_INFO` for a socket the program holds,
//! the kernel's table `/proc/net/tcp` for one it does not).
//!
//! What to look at:
//! - `connect` returns once the handshake is done, before the server calls `accept`: the
//!   server's end is already ESTABLISHED, with no descriptor yet, waiting in the accept
//!   queue (lesson 03's backlog);
//! - the side that closes first goes FIN_WAIT2, then TIME_WAIT; the other sits in
//!   CLOSE_WAIT until its program reads 0 and closes (lesson 03's "address already in use"
//!   is that TIME_WAIT);
//! - two kinds of RST: a connect nobody listens for (`Connection refused`), and a close with
//!   unread data (`Connection reset by peer`);
//! - the teardown timed by the kernel: on Linux the ACK of a FIN is a delayed ACK, about
//!   40 ms; a server-side TIME_WAIT taken over by a new SYN; what a successful `send` or
//!   `close` does not mean (EPIPE, SIGPIPE, bytes still queued after `close`); SO_LINGER 0
//!   and the gentle close (`shutdown`, then read to the end);
//! - the socket's own methods, notes E 8 / notes C's tables, live.
//!
//! Run it:
//! - `cargo run --example 00_tcp_states`: the demo, both ends in one process;
//! - terminal 1: `cargo run --example 00_tcp_states -- server`, terminal 2:
//!   `cargo run --example 00_tcp_states -- client`, type lines, then `q`: each side prints its
//!   own socket's state at each step (`ss -tan` in a third terminal shows the same).
//!
//! The lesson reads TCP states on Linux only (TCP_INFO and the kernel's table). Windows
//! has them too (GetTcpTable2, `netstat`), as do macOS and the BSDs (`netstat`); elsewhere
//! the demo says it does not read them and still runs.
//!
//! Here: the notes' server and client first, with the notes' step numbers; then the command
//! line. The demo is in demo.rs (handshake, teardown, resets), closing.rs (the teardown timed,
//! and what closing promises) and methods.rs (the socket's own methods).
//!
//! Next: lesson 01, one request and one reply.

mod closing;
mod demo;
mod methods;
mod notes;

use clap::Parser;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::quiet::{Gate, LineBudget, LogGate, LINES_PER_PEER};
use socket_lessons::stage::cli::ZhHelp;
use socket_lessons::stage::demo::Hooks;
use socket_lessons::stage::serve;
use socket_lessons::stage::tcp_state::{lookup, of, settle, show, TcpState};
use socket_lessons::stage::transcript::{describe_answer, describe_peer};
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{say, Input, Report, Side, Transcript};
use std::io::{self, BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// How long the demo waits for a state the kernel is about to reach (a packet on loopback
/// takes microseconds, a delayed ACK about 40 ms). It bounds the wait, it never decides
/// what is printed.
const SETTLE: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------
// The notes' server and client, each printing its own socket's state
// ---------------------------------------------------------------------------------------

/// The server: listen, then for each client accept, receive until the client closes,
/// close; its own state printed at every step.
fn server(listener: &TcpListener, hooks: &Hooks) -> Result<(), Report> {
    let server = Transcript::server();
    // 1-3. socket, bind, listen(5): `main` did them (`at.listen`). The listening socket
    //      never carries data: it only hands out connections.
    say!(
        server,
        "my listening socket: {}" | "我的监听套接字：{}",
        state(of(listener))
    );
    let limits = Limits::server(Duration::from_secs(limits::DEFAULT_IDLE_SECS));
    // recv lines for all clients together: 40 in any 10 s, so that clients coming one after
    // another, each with its 20 lines, cannot add up.
    let mut lines = LogGate::new(40, Duration::from_secs(10));
    // 4. accept, one client at a time: serve_in_turn says who connected.
    serve::serve_in_turn(listener, hooks, |mut conn, peer| {
        say!(
            server,
            "my end of it: {}" | "我这一端：{}",
            state(of(&conn))
        );
        // 5. recv(1024) until the client closes. Each recv gets a line with a short
        //    preview of its bytes, the first 20 of them: a client that floods costs the
        //    log a few kilobytes, not a copy of everything it sent.
        let mut buf = [0u8; RECV_SIZE];
        let mut budget = LineBudget::default();
        loop {
            let _ = limits.await_request(&conn);
            match conn.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if budget.allow() && shown(&mut lines, &server) {
                        say!(server, "recv({RECV_SIZE}) -> {}", describe_peer(&buf[..n]));
                    } else if budget.just_ran_out() {
                        say!(
                            server,
                            "{peer}: more than {LINES_PER_PEER} recvs; the rest are counted, not shown"
                                | "{peer}：已经超过 {LINES_PER_PEER} 次 recv，之后的只计数，不再逐条显示"
                        );
                    }
                }
                Err(e) if limits::is_timeout(&e) => {
                    say!(
                        server,
                        "{peer}: {}; closing" | "{peer}：{}；关闭连接",
                        limits::timed_out(
                            socket_lessons::lang::pick("waiting for data", "等待数据"),
                            limits.idle
                        )
                    );
                    return;
                }
                Err(e) => {
                    say!(
                        server,
                        "{peer}: recv failed: {}" | "{peer}：recv 失败：{}",
                        socket_lessons::lang::error_text(&e)
                    );
                    return;
                }
            }
        }
        // The client's FIN has arrived: the kernel acknowledges it (on Linux after a
        // delayed-ACK wait of about 40 ms, or together with our FIN if we close sooner), and
        // our end waits in CLOSE_WAIT until this program closes too.
        if budget.held() > 0 {
            say!(
                server,
                "{peer}: {} more recvs were not shown" | "{peer}：另有 {} 次 recv 没有显示",
                budget.held()
            );
        }
        say!(
            server,
            "recv -> 0 bytes: {peer} closed; my end is {}"
                | "recv -> 0 字节：{peer} 关闭了连接；我这一端是 {}",
            state(of(&conn))
        );
        // 6. close.
        let me = conn.local_addr();
        drop(conn);
        if let Ok(me) = me {
            let after = settle(&[None], SETTLE, || lookup(me, peer)).ok().flatten();
            // LAST_ACK until the client's kernel ACKs our FIN; then nothing is left.
            say!(
                server,
                "closed; my end: {}" | "已关闭；我这一端：{}",
                show(after)
            );
        }
    });
    Ok(())
}

/// The client: its state once connected, each line sent, then close and its state after.
fn client<R: BufRead>(mut stream: TcpStream, mut input: Input<R>) -> Result<(), Report> {
    let client = Transcript::client();
    // 1-2. socket, connect: `main` did them (`at.connect`); connect returns once the
    //      handshake is done.
    let (me, peer) = (stream.local_addr()?, stream.peer_addr()?);
    say!(
        client,
        "connected {me} -> {peer}: my end is {}" | "已连接 {me} -> {peer}：我这一端是 {}",
        state(of(&stream))
    );
    // 3. send each line typed, until `q`.
    while let Some(line) = input.next_line()? {
        if line == b"q" {
            break;
        }
        if line.is_empty() {
            continue; // an empty send sends nothing: lesson 02
        }
        stream.write_all(&line)?;
        say!(client, "send {}", describe_answer(&line, 48));
    }
    // 4. close.
    drop(stream);
    // Without a descriptor the kernel's table is the only place to look. Which state comes
    // first depends on the server: FIN_WAIT2 while its program has not closed, TIME_WAIT
    // once it has.
    let (fin_wait2, time_wait) = (Some(TcpState::FinWait2), Some(TcpState::TimeWait));
    let first = settle(&[fin_wait2, time_wait, None], SETTLE, || lookup(me, peer))?;
    say!(
        client,
        "closed; my end: {}" | "已关闭；我这一端：{}",
        show(first)
    );
    if first == fin_wait2 {
        match settle(&[time_wait, None], SETTLE, || lookup(me, peer))? {
            still if still == fin_wait2 => say!(
                client,
                "still FIN_WAIT2: the server has not closed its end (its program has not read 0 and closed)"
            | "仍是 FIN_WAIT2：服务端还没有关闭它那一端（它的程序还没有读到 0 字节、也没有 close）"
            ),
            then => say!(client, "then my end: {}"
            | "然后我这一端：{}", show(then)),
        }
    }
    Ok(())
}

/// Whether a recv gets its line, after one saying how many were held back since the last.
fn shown(gate: &mut LogGate, server: &Transcript) -> bool {
    let held = gate.held();
    match gate.event() {
        Gate::Show => true,
        Gate::ShowAfter(_) => {
            say!(
                server,
                "({held} more recvs were not shown)" | "（另有 {held} 次 recv 没有显示）"
            );
            true
        }
        Gate::Held => false,
    }
}

/// A state for a line: its name, or why there is none.
fn state(result: io::Result<Option<TcpState>>) -> String {
    match result {
        Ok(state) => show(state),
        Err(e) => socket_lessons::tr!(
            "(state unreadable: {})" | "（读不到状态：{}）",
            socket_lessons::lang::error_text(&e)
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------

/// Lesson 00: the handshake and the teardown as live TCP states (notes A §0, E 4).
///
/// With no subcommand, shows both ends of a connection in one process, state by state. For
/// two terminals: `server` prints its socket's state at each step; `client` sends the lines
/// you type and prints its own socket's state as it connects and closes.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 00 课：把三次握手和四次挥手看成实时的 TCP 状态（笔记 A §0，笔记 E 4）。",
    long_about: "第 00 课：把三次握手和四次挥手看成实时的 TCP 状态（笔记 A §0，笔记 E 4）。\n\n\
                 不带子命令时，在一个进程里展示一条连接的两端，一个状态接一个状态。两个终端：server \
                 在每一步打印自己这一端套接字的状态；client 发送你输入的每一行，并在连接和关闭时打印\
                 自己这一端的状态。",
    subcommands: &[],
    options: &[],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => socket_lessons::stage::demo::play(demo::run_demo),
        Some(Side::Server(at)) => {
            let listener = at.listen(ListenOptions::new())?;
            server(&listener, &Hooks::none())
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
            client(
                stream,
                Input::stdin(socket_lessons::lang::pick(
                    "message (q to close) :>>>> ",
                    "消息（q 关闭连接） :>>>> ",
                )),
            )
        }
    }
}
