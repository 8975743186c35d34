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

use clap::{Parser, Subcommand};
use socket2::SockRef;
use socket_lessons::guard::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{LineBudget, LINES_PER_PEER};
use socket_lessons::guard::timed;
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve;
use socket_lessons::stage::tcp_state::{self, counter, queues};
use socket_lessons::stage::transcript::{describe, describe_peer};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Endpoint, Input, Report, Transcript};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// The word that ends a session (notes A §8, notes C 第三版).
const QUIT: &[u8] = b"q";

/// How long the second client waits for an answer it cannot get yet. The wait always runs
/// out (the server is busy with the first client until we let it go); it only bounds it.
const BACKLOG_WAIT: Duration = Duration::from_millis(300);

/// How long part 3's third client waits for its dropped SYN to be answered: it always runs
/// out (the queue stays full until the demo accepts); it only bounds the wait.
const CONNECT_LIMIT: Duration = Duration::from_millis(300);

/// How fast a client must take an answer: 10 s to begin, then 1024 bytes a second, on one
/// clock for the whole answer (at most 1024 bytes: 11 s). A client that pushes and never
/// reads would otherwise hold the server in its write for ever.
const ANSWER_PACE: Pace = Pace::new(limits::MESSAGE_LIMIT, 1024);

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
    serve::serve_in_turn(listener, hooks, |conn, client_addr| {
        serve_client(conn, client_addr, limits, &server)
    });
    Ok(())
}

/// The communication loop of lesson 02: upper-case echo until the client leaves. Written
/// out here rather than called from `echo::serve`, so that its lines can say what the
/// connection loop does next ("back to accept"). Every way a client can leave (q, close,
/// reset, a failed send, silence past `limits.idle`, an answer it does not take) ends this
/// client only, in one line.
fn serve_client(mut conn: TcpStream, client_addr: SocketAddr, limits: Limits, server: &Transcript) {
    let mut buf = [0u8; RECV_SIZE];
    // The first 20 messages of a client get their lines (each a short preview); the rest
    // are counted, so that a client that floods cannot flood the log.
    let mut budget = LineBudget::default();
    loop {
        if let Err(e) = limits.await_request(&conn) {
            say!(server, "{client_addr}: {e}");
            return;
        }
        let data = match conn.read(&mut buf) {
            Ok(0) => {
                say_held(&budget, client_addr, server);
                say!(server, "{client_addr} closed the connection");
                return;
            }
            Ok(n) => &buf[..n],
            Err(e) if limits::is_timeout(&e) => {
                say_held(&budget, client_addr, server);
                say!(
                    server,
                    "{client_addr}: {}; back to accept" | "{client_addr}：{}；回到 accept",
                    limits::timed_out("waiting for the next message", limits.idle)
                );
                return;
            }
            Err(e) => {
                say_held(&budget, client_addr, server);
                say!(server, "recv from {client_addr} failed: {e}");
                return;
            }
        };
        let shown = budget.allow();
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
            say!(server, "{client_addr} said q: back to accept");
            return;
        }
        let reply = commands::upper(data); // not UTF-8: ASCII letters only (lesson 02)
        if shown {
            say!(server, "send {}", describe_peer(&reply));
        }
        let mut paced = Paced::new(&conn, ANSWER_PACE, "the answer");
        if let Err(e) = paced.write_all(&reply) {
            say_held(&budget, client_addr, server);
            if limits::is_timeout(&e) {
                say!(
                    server,
                    "{client_addr}: {e}; back to accept" | "{client_addr}：{e}；回到 accept"
                );
            } else {
                say!(server, "send to {client_addr} failed: {e}");
            }
            return;
        }
    }
}

/// The count of messages that got no line, once the client leaves (nothing when all did).
fn say_held(budget: &LineBudget, client_addr: SocketAddr, server: &Transcript) {
    if budget.held() > 0 {
        say!(
            server,
            "{client_addr}: {} more messages were answered without a line"
                | "{client_addr}：另有 {} 条消息已回答，但没有逐条打印",
            budget.held()
        );
    }
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// Sends one message and prints the answer; `false` when the server has closed.
fn exchange(stream: &mut TcpStream, message: &[u8], who: &Transcript) -> Result<bool, Report> {
    say!(who, "send {}", describe(message));
    stream.write_all(message)?;
    let mut buf = [0u8; RECV_SIZE];
    // SIMPLIFICATION: one recv taken as the whole answer (lesson 04 shows why not).
    match stream.read(&mut buf)? {
        0 => {
            say!(
                who,
                "recv({RECV_SIZE}) -> 0 bytes: the server closed the connection"
            );
            Ok(false)
        }
        n => {
            say!(who, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
            Ok(true)
        }
    }
}

/// Says `q` and closes.
fn quit(mut stream: TcpStream, who: &Transcript) -> Result<(), Report> {
    say!(who, "send {}, then close", describe(QUIT));
    stream.write_all(QUIT)?;
    Ok(())
}

/// Lesson 03: the connection loop, the backlog, and "Address already in use" (notes A §5, §8,
/// B 加上链接循环的CS, C 第三版).
///
/// With no subcommand, shows a second client waiting in the backlog until the first quits,
/// then restarts a server on the same port four ways, with and without SO_REUSEADDR.
/// For two terminals: start `server` first, then one or more `client`s.
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
            let client = Transcript::client();
            let mut input = Input::stdin("message for the server :>>>> ");
            loop {
                match input.next_line()? {
                    None => {
                        say!(client, "end of input: close");
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

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

fn run_demo() -> Result<(), Report> {
    one_client_at_a_time()?;
    restart_on_the_same_port()?;
    the_accept_queue_overflows()
}

/// Part 1: the second client waits in the backlog until the first one quits.
fn one_client_at_a_time() -> Result<(), Report> {
    let server = Transcript::server();
    say!(server, "part 1: one client at a time");
    let stage = demo::stage_saying(
        |addr| format!("listening on {addr}, backlog 5"),
        ListenOptions::new(),
        2,
        |listener, hooks| {
            let limits = Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS));
            serve(&listener, limits, &hooks)
        },
    )?;
    let addr = stage.addr;

    let a = Transcript::named("client A");
    say!(a, "connect to {addr}");
    let mut stream_a = net::connect_addr(addr)?;
    stage.accepted()?; // demo only: the server's accept line first
    exchange(&mut stream_a, b"a1", &a)?;

    // B connects while the server is inside A's communication loop.
    let b = Transcript::named("client B");
    let mut stream_b = net::connect_addr(addr)?;
    say!(
        b,
        "connect to {addr} -> returned at once: the kernel completed the handshake and \
         queued the connection in the backlog; nobody has accepted it"
    );
    say!(b, "send {}", describe(b"b1"));
    stream_b.write_all(b"b1")?;
    let mut buf = [0u8; RECV_SIZE];
    match timed::read_within(&mut stream_b, &mut buf, BACKLOG_WAIT)? {
        None => say!(
            b,
            "recv({RECV_SIZE}) -> nothing within {} ms: the server is still serving client A",
            BACKLOG_WAIT.as_millis()
        ),
        Some(n) => say!(
            b,
            "recv({RECV_SIZE}) -> unexpectedly {}",
            describe(&buf[..n])
        ),
    }

    exchange(&mut stream_a, b"a2", &a)?;
    quit(stream_a, &a)?;

    // Now the server accepts B and finds B's message waiting in the socket's buffer.
    let n = stream_b.read(&mut buf)?;
    say!(b, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
    quit(stream_b, &b)?;
    stage.end()
}

/// When the old listener of a round sets SO_REUSEADDR.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OldReuse {
    /// Never: Python's default.
    Off,
    /// Before bind, as the notes do.
    BeforeBind,
    /// After bind (and listen), before any client connects.
    AfterBind,
    /// Once the round's client has connected and been accepted.
    AfterAccept,
}

/// Part 2: restart a server on the port it just used, SO_REUSEADDR off and on.
///
/// Each round: a listener, one client; the *server* closes the connection first (that is
/// the side that ends up in TIME_WAIT, for 60 s on Linux), then the listener; then a new
/// listener tries to bind the same port. Single-threaded: `connect` completes through the
/// accept queue before `accept` is called.
fn restart_on_the_same_port() -> Result<(), Report> {
    let server = Transcript::server();
    let client = Transcript::client();
    say!(server, "part 2: restart on the same port");
    use OldReuse::*;
    let rounds = [
        (Off, false),
        (Off, true),
        (BeforeBind, false),
        (BeforeBind, true),
        (AfterBind, true),
        (AfterAccept, true),
    ];
    let mut rebound = Vec::new();
    for (round, (old_reuse, new_reuse)) in rounds.into_iter().enumerate() {
        let round = round + 1;
        let new = on_off(new_reuse);
        match old_reuse {
            Off | BeforeBind => say!(
                server,
                "round {round}: old listener SO_REUSEADDR={}, new listener SO_REUSEADDR={new}",
                on_off(old_reuse == BeforeBind)
            ),
            AfterBind => say!(
                server,
                "round {round}: old listener SO_REUSEADDR set after bind, before any client connects; new listener SO_REUSEADDR={new}"
                    | "第 {round} 轮：旧监听套接字在 bind 之后、任何客户端连上之前才设置 SO_REUSEADDR；新监听套接字 SO_REUSEADDR={new}"
            ),
            AfterAccept => say!(
                server,
                "round {round}: old listener SO_REUSEADDR set only after the client was accepted; new listener SO_REUSEADDR={new}"
                    | "第 {round} 轮：旧监听套接字等客户端被 accept 之后才设置 SO_REUSEADDR；新监听套接字 SO_REUSEADDR={new}"
            ),
        }
        let old_listener = net::listen(
            "127.0.0.1:0".parse()?,
            ListenOptions::new().reuse_address(old_reuse == BeforeBind),
        )?;
        if old_reuse == AfterBind {
            SockRef::from(&old_listener).set_reuse_address(true)?;
        }
        let addr = old_listener.local_addr()?;
        say!(server, "listening on {addr}");
        let mut stream = net::connect_addr(addr)?;
        let (conn, client_addr) = old_listener.accept()?;
        if old_reuse == AfterAccept {
            SockRef::from(&old_listener).set_reuse_address(true)?;
        }
        say!(
            server,
            "accept -> {client_addr}; close it first, then the listener"
        );
        drop(conn);
        drop(old_listener);
        let mut buf = [0u8; 16];
        let n = stream.read(&mut buf)?;
        say!(client, "recv -> {n} bytes: the server closed; close too");
        drop(stream);

        // Restart: a new listener on the very same address.
        let options = ListenOptions::new().reuse_address(new_reuse);
        match net::listen(addr, options) {
            Ok(listener) => {
                rebound.push(round);
                say!(server, "new listener: bound {addr} again");
                // And it really works: a client connects, says one line and closes.
                let mut stream = net::connect_addr(addr)?;
                stream.write_all(b"hello again")?;
                drop(stream);
                let (mut conn, client_addr) = listener.accept()?;
                let mut got = Vec::new();
                conn.read_to_end(&mut got)?; // everything until the client's close
                say!(
                    server,
                    "accept -> {client_addr}; it said {}",
                    describe(&got)
                );
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                say!(server, "new listener: {e}");
            }
            Err(e) => return Err(e.into()),
        }
    }
    say!(server, "{}", rules_observed(&rebound));
    Ok(())
}

/// Which OS's rule the six rounds showed, said from what happened (`rebound`: the rounds
/// whose new listener could bind), not from the OS the lesson was built for.
fn rules_observed(rebound: &[usize]) -> String {
    match rebound {
        [4, 5] => tr!(
            "rounds 4 and 5 bound: the Linux rule, a connection in TIME_WAIT holds its port against a new listener unless both have SO_REUSEADDR; the connection has the flag its listener had when the connection was made, so setting it after bind still counts, after the accept it is too late"
                | "第 4、5 轮绑定成功：这是 Linux 的规则，处于 TIME_WAIT 的连接会占住端口，挡住新的监听套接字，除非两者都设了 SO_REUSEADDR；连接带着的是它建立时监听套接字的那个标志，所以在 bind 之后设置仍然算数，accept 之后再设就晚了"
        ),
        [1, 2, 3, 4, 5, 6] => tr!(
            "every round bound: the Windows rule, a connection in TIME_WAIT does not hold its port against a new listener; there SO_REUSEADDR means something else (binding a port that another socket is using)"
                | "每一轮都绑定成功：这是 Windows 的规则，处于 TIME_WAIT 的连接不会挡住新的监听套接字；在那里 SO_REUSEADDR 的意思完全不同（绑定另一个套接字正在使用的端口）"
        ),
        _ => tr!(
            "rounds {rebound:?} bound: neither the Linux nor the Windows rule"
                | "第 {rebound:?} 轮绑定成功：既不是 Linux 的规则，也不是 Windows 的规则"
        ),
    }
}

/// Part 3: the accept queue under overload. `listen(1)`, and no `accept` until the queue
/// has overflowed.
fn the_accept_queue_overflows() -> Result<(), Report> {
    let server = Transcript::server();
    say!(
        server,
        "part 3: the accept queue under overload" | "第 3 部分：过载时的全连接队列"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new().backlog(1))?;
    let addr = listener.local_addr()?;
    say!(
        server,
        "listening on {addr}, backlog 1; this server does not call accept yet"
            | "在 {addr} 上监听，backlog 1；这个服务端暂时不调用 accept"
    );
    // Clients 1 and 2: on Linux listen(1) holds backlog + 1 finished connections.
    let mut queued = Vec::new();
    for n in 1..=2 {
        let who = Transcript::named(format!("client {n}"));
        let stream = TcpStream::connect_timeout(&addr, CONNECT_LIMIT)?;
        say!(
            who,
            "connect -> connected: the kernel did the handshake; the connection waits in the accept queue"
                | "connect -> 连上了：握手由内核完成；这条连接在全连接队列里等着"
        );
        queued.push(stream);
    }
    if tcp_state::OBSERVABLE {
        let any: SocketAddr = ([0, 0, 0, 0], 0).into();
        let waiting = queues(addr, any)?.map_or(0, |q| q.recv);
        say!(
            server,
            "the kernel's table: my accept queue holds {waiting} connections, backlog 1 + 1 (ss -ltn: Recv-Q {waiting}, Send-Q 1)"
                | "内核的连接表：我的全连接队列里有 {waiting} 个连接，即 backlog 1 + 1（ss -ltn：Recv-Q {waiting}，Send-Q 1）"
        );
    }
    // Client 3: the queue is full. Linux drops its SYN; connect_timeout bounds the wait.
    let overflows = || -> io::Result<(Option<u64>, Option<u64>)> {
        Ok((
            counter("TcpExt", "ListenOverflows")?,
            counter("TcpExt", "ListenDrops")?,
        ))
    };
    let before = overflows()?;
    let third = Transcript::named("client 3");
    let limit = CONNECT_LIMIT.as_millis();
    match TcpStream::connect_timeout(&addr, CONNECT_LIMIT) {
        Err(e) if limits::is_timeout(&e) => say!(
            third,
            "connect_timeout({limit} ms) -> nothing within {limit} ms: the queue is full, so the kernel dropped my SYN; without a limit connect would send it again after 1 s, 3 s, 7 s… and fail after about 127 s"
                | "connect_timeout({limit} ms) -> {limit} ms 内没有任何回应：队列满了，内核丢掉了我的 SYN；如果不设时限，connect 会在 1 秒、3 秒、7 秒……后重发，大约 127 秒后失败"
        ),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => say!(
            third,
            "connect_timeout({limit} ms) -> {e}: this system refuses when the queue is full"
                | "connect_timeout({limit} ms) -> {e}：这个系统在队列满时直接拒绝"
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => say!(
            third,
            "connect_timeout({limit} ms) -> connected: this system queues more than backlog + 1"
                | "connect_timeout({limit} ms) -> 连上了：这个系统排队的连接多于 backlog + 1"
        ),
    }
    if let ((Some(o1), Some(d1)), (Some(o2), Some(d2))) = (before, overflows()?) {
        let rose = |a: u64, b: u64| {
            if b > a {
                tr!("rose" | "增加了")
            } else {
                tr!("did not move" | "没有变化")
            }
        };
        say!(
            server,
            "the kernel's counters: TcpExtListenOverflows {}, TcpExtListenDrops {} (nstat; the machine's, so other programs may add to them)"
                | "内核的计数器：TcpExtListenOverflows {}，TcpExtListenDrops {}（nstat；整台机器共用，别的程序也可能让它们增长）",
            rose(o1, o2),
            rose(d1, d2)
        );
    }
    // Now accept: first in, first out.
    for (n, stream) in queued.iter().enumerate() {
        let (_conn, peer) = listener.accept()?;
        let whose = if stream.local_addr()? == peer {
            tr!("client {}" | "客户端 {}", n + 1)
        } else {
            tr!("another client" | "另一个客户端")
        };
        say!(
            server,
            "accept -> {peer}: {whose}" | "accept -> {peer}：{whose}"
        );
    }
    let fourth = Transcript::named("client 4");
    TcpStream::connect_timeout(&addr, CONNECT_LIMIT)?;
    say!(
        fourth,
        "connect -> connected: the queue has room again" | "connect -> 连上了：队列里又有空位了"
    );
    Ok(())
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}
