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
//!   character, and each `recv` prints the bytes it got before any decoding;
//! - how `connect` fails, and how long it takes: refused at once by a port where nothing
//!   listens (RST), or unanswered when the listener's accept queue is full (the SYN is
//!   dropped), which `connect_timeout` bounds.
//!
//! Run it:
//! - `cargo run --example 01_tcp_once`: the demo, both sides in one process;
//! - terminal 1: `cargo run --example 01_tcp_once -- server` (start it first),
//!   terminal 2: `cargo run --example 01_tcp_once -- client`, then type one line.
//!
//! Previous: lesson 00, what a connection is. Next: lesson 02 turns the single exchange
//! into a loop.

mod notes;

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::transcript::{describe, describe_answer, describe_peer};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Input, Report, Transcript};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The notes' `recv(1024)`: the most bytes one receive call may return. It is an upper
/// bound, not a promise: a recv returns whatever has arrived, between 1 and 1024 bytes.
const RECV_SIZE: usize = 1024;

/// What the demo client says (notes A §2).
const GREETING: &str = "你好!我是客户端!";

// ---------------------------------------------------------------------------------------
// The server (notes A §2 TCP客户端服务端模型一)
// ---------------------------------------------------------------------------------------

/// The server of notes A §2: accept one client, recv once, send once, close.
///
/// `limits.idle` bounds the wait for the client's message, `limits.message` the send of the
/// reply: a client that connects and says nothing, or never reads, costs one line.
fn server(listener: TcpListener, limits: Limits, hooks: &Hooks) -> Result<(), Report> {
    // Ctrl-C, SIGTERM, SIGHUP, SIGUSR1…: one line, `interrupted`, and exit status 130.
    if !hooks.in_a_demo() {
        socket_lessons::guard::ending::say_when_ended();
    }
    let server = Transcript::server();

    // 4. accept(): blocks until a client has connected. It returns a *new* socket for this
    //    one client and the client's address; the listening socket stays as it was.
    let (mut conn, client_addr) = listener.accept()?;
    say!(
        server,
        "4. accept -> a connection from {client_addr}" | "4. accept -> 来自 {client_addr} 的连接"
    );
    hooks.accepted(); // demo only: the client prints its next line after this one

    // 5. recv(1024), waiting at most `limits.idle` (the notes wait for ever).
    limits.await_request(&conn)?;
    let mut buf = [0u8; RECV_SIZE];
    let n = match limits::read(&conn, &mut buf) {
        Ok(n) => n,
        Err(e) if limits::is_timeout(&e) => {
            say!(
                server,
                "5. recv({RECV_SIZE}) -> {}; closing" | "5. recv({RECV_SIZE}) -> {}；关闭连接",
                limits::timed_out(
                    socket_lessons::lang::pick(
                        "waiting for the client's message",
                        "等待客户端的消息"
                    ),
                    limits.idle
                )
            );
            return Ok(());
        }
        Err(e) => {
            say!(
                server,
                "5. recv({RECV_SIZE}) failed: {}" | "5. recv({RECV_SIZE}) 失败：{}",
                socket_lessons::lang::error_text(&e)
            );
            return Ok(());
        }
    };
    if n == 0 {
        // recv returning 0 bytes is not an empty message: it means the client closed.
        say!(
            server,
            "5. recv({RECV_SIZE}) -> 0 bytes: the client closed without sending"
                | "5. recv({RECV_SIZE}) -> 0 字节：客户端什么都没发就关闭了"
        );
        return Ok(());
    }
    // A short preview of what came, not all of it: the log never grows with what a client
    // sends (up to 32 bytes are shown whole, as the demo's greeting is).
    say!(
        server,
        "5. recv({RECV_SIZE}) -> {}",
        describe_peer(&buf[..n])
    );

    // 6. send the reply, with the client's address in it as notes A does.
    //    Python's `send` may send only part of its argument and returns how much it sent;
    //    the notes ignore that. `write_all` (Python: `sendall`) loops until every byte is
    //    handed to the kernel. Rust's `write` is the partial one, like `send`.
    let reply = format!("你好!我是服务端!{client_addr}");
    say!(server, "6. send {}", describe(reply.as_bytes()));
    say!(
        server,
        "7. close the connection and the listening socket" | "7. 关闭这条连接和监听套接字"
    );
    // The reply is 38 bytes: it fits in any send buffer, and the write limit
    // (`await_request` set it) only guards against a machine that has none left.
    if let Err(e) = conn.write_all(reply.as_bytes()) {
        say!(
            server,
            "6. send failed: {}" | "6. send 失败：{}",
            socket_lessons::lang::error_text(&e)
        );
    }

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
            | "已连接；操作系统给这个套接字分配的地址是 {me}"
    );

    // 3. send
    say!(client, "3. send {}", describe_answer(message, 48));
    stream.write_all(message)?;

    // 4. recv(1024). One recv is enough here only because the reply is short and this is
    //    one exchange on a fresh connection. In general a recv may return part of a message
    //    or parts of two: lesson 04 shows it, lesson 06 fixes it.
    let mut buf = [0u8; RECV_SIZE];
    let n = limits::read(&stream, &mut buf)?;
    if n == 0 {
        say!(
            client,
            "4. recv({RECV_SIZE}) -> 0 bytes: the server closed without answering"
                | "4. recv({RECV_SIZE}) -> 0 字节：服务端没有回答就关闭了"
        );
    } else {
        // A hostile server's 1 KiB of U+202E made a 7 KB line: past 160 bytes, the ends.
        say!(
            client,
            "4. recv({RECV_SIZE}) -> {}",
            describe_answer(&buf[..n], 48)
        );
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

#[derive(Subcommand)]
enum Side {
    /// Run only the course's server (start it first, in terminal 1). It prints the address it
    /// bound, serves one client and exits.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// The longest wait, in seconds, for the client's message before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the course's client (in terminal 2), then type one line.
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
    about: "第 01 课：TCP 上的一问一答（笔记 A §2，笔记 C 第一版，笔记 E §5）。",
    long_about: "第 01 课：TCP 上的一问一答（笔记 A §2，笔记 C 第一版，笔记 E §5）。\n\n\
                 不带子命令时，在一个进程里运行服务端和客户端，两边的输出都打印出来。两个终端：先启动 \
                 server，再启动 client，然后输入一行。",
    subcommands: &[
        (
            "server",
            "只运行课程的服务端（先在终端 1 启动）。它打印绑定到的地址，服务一个客户端后退出",
        ),
        ("client", "只运行课程的客户端（在终端 2），然后输入一行"),
        (
            "notes-server",
            "运行笔记的服务端，用纯 Rust 写成（notes.rs），默认用笔记自己的地址",
        ),
        (
            "notes-client",
            "运行笔记的客户端，用纯 Rust 写成（notes.rs），默认连接笔记自己的地址",
        ),
    ],
    options: &[(
        "idle_limit",
        "等客户端的消息最多等多少秒，超时就关闭它",
    )],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => demo::play(run_demo),
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::Server { at, idle_limit }) => server(
            at.listen(ListenOptions::new())?,
            Limits::server(Duration::from_secs(idle_limit)),
            &Hooks::none(),
        ),
        Some(Side::Client(at)) => {
            // 1-2. socket, connect; then the message the user types.
            let stream = at.connect()?;
            let mut input = Input::stdin(socket_lessons::lang::pick(
                "message for the server :>>>> ",
                "发给服务端的消息 :>>>> ",
            ));
            loop {
                match input.next_line()? {
                    // The server then sees recv return 0 and says the client sent nothing.
                    None => {
                        say!(
                            Transcript::client(),
                            "end of input: close without sending"
                                | "输入结束：什么都不发，直接关闭"
                        );
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
        |addr| {
            socket_lessons::tr!(
                "1-3. socket, bind, listen(5): listening on {addr}"
                    | "1-3. socket、bind、listen(5)：在 {addr} 上监听"
            )
        },
        ListenOptions::new(),
        1,
        |listener, hooks| {
            let limits = Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS));
            server(listener, limits, &hooks)
        },
    )?;
    let client = Transcript::client();
    say!(
        client,
        "1-2. socket, connect to {}" | "1-2. socket、connect 到 {}",
        stage.addr
    );
    let stream = net::connect_addr(stage.addr)?;
    stage.accepted()?; // demo only: let the server print its accept line first
    client_exchange(stream, GREETING.as_bytes())?;
    stage.end()?;
    // The server's thread has ended (its lines are printed); the rest is this thread's.
    connect_failures()?;
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "what crossed the connection was bytes: one recv(1024) took the client's 23 bytes of UTF-8, another the server's 38-byte answer, and the server saw the very address the client's OS had picked; connect failed at once where nothing listened (RST), and where the SYN was dropped only a time limit ended the wait"
            | "在连接上传输的是字节：一次 recv(1024) 收下了客户端的 23 字节 UTF-8，另一次收下了服务端 38 字节的回答，服务端看到的正是客户端操作系统挑的那个地址；connect 到没人监听的端口立刻失败（RST），SYN 被丢掉时，只能靠时限结束等待"
    );
    Ok(())
}

/// How long the demo's `connect_timeout` waits for an answer that will not come. It always
/// runs out (the SYN was dropped); it only bounds the wait.
const CONNECT_LIMIT: Duration = Duration::from_millis(300);

/// How `connect` fails, and how long it takes: refused (RST), or no answer at all.
fn connect_failures() -> Result<(), Report> {
    let client = Transcript::client();
    say!(
        client,
        "--- how connect fails ---" | "--- connect 是怎么失败的 ---"
    );

    // A port that is bound but not listening (so no other program can take it meanwhile):
    // the kernel answers the SYN with RST, and connect fails at once.
    let bound = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    bound.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    let closed = bound
        .local_addr()?
        .as_socket()
        .ok_or(socket_lessons::lang::pick(
            "no IP address for the bound socket",
            "绑定的套接字没有 IP 地址",
        ))?;
    let started = Instant::now();
    match TcpStream::connect(closed) {
        Err(e) => {
            let e = socket_lessons::lang::error_text(&e);
            let took = started.elapsed().as_secs_f64() * 1000.0;
            say!(
                client,
                "connect to {closed}, where nothing listens -> {e}, after {took:.3} ms: the kernel answered my SYN with RST"
                    | "connect 到 {closed}，那里没有人监听 -> {e}，用了 {took:.3} ms：内核用 RST 回应了我的 SYN"
            );
        }
        Ok(_) => say!(
            client,
            "connect to {closed} -> connected (unexpected: something listens there)"
                | "connect 到 {closed} -> 连上了（出乎意料：那里有人在监听）"
        ),
    }

    // A listener whose accept queue is full: listen(0) holds one finished connection on
    // Linux, and one client is already in it. Its kernel drops the next SYN without a word.
    let full = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    full.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    full.listen(0)?;
    let full_addr = full
        .local_addr()?
        .as_socket()
        .ok_or(socket_lessons::lang::pick(
            "no IP address for the listener",
            "监听套接字没有 IP 地址",
        ))?;
    let _waiting = TcpStream::connect(full_addr)?; // takes the one place; never accepted
    match TcpStream::connect_timeout(&full_addr, CONNECT_LIMIT) {
        Err(e) if limits::is_timeout(&e) => say!(
            client,
            "connect_timeout({} ms) to {full_addr}, a listener whose accept queue is full -> nothing within {} ms: its kernel dropped my SYN; without the limit connect would send it again and again (on Linux for about 127 s) before failing"
                | "connect_timeout({} ms) 到 {full_addr}，一个全连接队列已满的监听套接字 -> {} ms 内没有任何回应：它的内核丢掉了我的 SYN；如果不设时限，connect 会一遍遍重发（在 Linux 上大约 127 秒）之后才失败",
            CONNECT_LIMIT.as_millis(),
            CONNECT_LIMIT.as_millis()
        ),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => say!(
            client,
            "connect_timeout({} ms) to {full_addr}, a listener whose accept queue is full -> {}: this system refuses when the queue is full"
                | "connect_timeout({} ms) 到 {full_addr}，一个全连接队列已满的监听套接字 -> {}：这个系统在队列满时直接拒绝",
            CONNECT_LIMIT.as_millis(),
            socket_lessons::lang::error_text(&e)
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => say!(
            client,
            "connect_timeout({} ms) to {full_addr} -> connected (this system queued one more)"
                | "connect_timeout({} ms) 到 {full_addr} -> 连上了（这个系统多排了一个）",
            CONNECT_LIMIT.as_millis()
        ),
    }
    Ok(())
}
