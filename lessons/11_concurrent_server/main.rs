//! # Lesson 11: several clients at once, three ways
//!
//! Follows notes B s.setblocking(False)实现并发: one thread serves several clients by making
//! the sockets non-blocking and trying each in turn, in a loop that never waits. Every
//! server so far served one client at a time (lesson 03); a second client waited in the
//! listen backlog until the first left. Here all three clients of the demo are connected at
//! once and their messages interleave: A, B, C, B, A, C. Each answer comes back while the
//! other two are still connected, which a one-at-a-time server could never do.
//!
//! The same demo runs three servers:
//! 1. `busy`, the notes' way, with their bugs fixed: one thread, non-blocking listener and
//!    connections, a loop that tries them all, forever, without ever sleeping. It works,
//!    and it burns a whole CPU core while nobody sends anything: the demo measures it.
//! 2. `threads`: a thread per client, each blocking in its own `recv`, as lesson 03's loop
//!    but spawned. Simple, and asleep while idle; each client costs a thread.
//! 3. `poll`: one thread, non-blocking sockets, and one call that sleeps until the kernel
//!    says which of them are ready (epoll on Linux, kqueue on BSD/macOS), through the `mio`
//!    crate. This is what tokio is built on.
//!
//! What to look at:
//! - the notes' accepted connections are *blocking*: Python's `accept` on a non-blocking
//!   listener returns a blocking socket on Linux, so their `c.recv(1024)` waits for the
//!   first client and every other client waits with it. Here each connection is made
//!   non-blocking explicitly;
//! - `recv` returning 0 means the client left: the notes `continue` and keep the dead
//!   connection in their list for ever (and spin on it); here it is removed;
//! - a non-blocking `send` may take only part of the answer: the rest waits in the
//!   connection's outbox for the next turn, where the notes drop it;
//! - back-pressure: a client whose answers cannot leave is not read from (64 KiB queued
//!   per client, 16 MiB in the whole server; way 2 answers each message before reading the
//!   next), and answers must leave at a pace (10 s, then 1 MiB/s); at most 1000 clients,
//!   100 from one address;
//! - the idle line after each demo: CPU time the process used while no client sent
//!   anything.
//!
//! Wire format: none, as in the notes: raw bytes in, the same bytes upper-cased out.
//!
//! Run it:
//! - `cargo run --example 11_concurrent_server`: the demo, the three ways in turn;
//! - terminal 1: `cargo run --example 11_concurrent_server -- server --way busy` (or
//!   `threads`, `poll`); terminals 2, 3, …: `cargo run --example 11_concurrent_server --
//!   client`, type lines, `q` to quit. Watch `top` while nobody types;
//! - `-- notes-server`, `-- notes-client`: the notes' program in plain Rust (`notes.rs`),
//!   on the notes' port 8080.
//!
//! The files: this one has the notes' server (way 1), the client, way 2, then the command
//! line; `poll.rs` way 3; `conn.rs` one connection's turn (read, answer, send what fits) and the
//! accept errors; `clients.rs` who is connected and what idling cost; `demo.rs` the demo;
//! `notes.rs` the notes' program itself, bugs other than the busy loop fixed and marked.
//!
//! Previous: lesson 10, authenticating a client. Next: lesson 12, UDP chat and a time server.

mod clients;
mod conn;
mod demo;
mod notes;
mod poll;

use clap::{Parser, Subcommand, ValueEnum};
use clients::{Arrival, Caps, Clients};
use conn::{serve_one, AcceptTrouble, Conn, Ending, Queued, Turn};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::pace::Pace;
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::demo::Hooks;
use socket_lessons::stage::echo::{self, RECV_SIZE};
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{Endpoint, Input, Report, Transcript};
use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The caps the demo and a server without `--max-clients` / `--max-per-address` use.
pub const CAPS: Caps = Caps {
    clients: MAX_CLIENTS,
    per_address: MAX_PER_ADDRESS,
};

/// The listen backlog. The notes' `listen(5)` is fine for one client at a time; a server
/// meant for hundreds of simultaneous connections must let them queue, or Linux drops
/// the excess SYNs and those clients retry a second later, or drops the final ACK of one
/// whose SYN got in just before the queue filled, whose first exchange then waits for the
/// server's SYN+ACK to be resent (lesson 03); Windows refuses them. (Linux caps it at
/// somaxconn.)
const BACKLOG: i32 = 1024;

/// The most clients served at once; one more is closed at once, with a line. For
/// `threads` this is also the most threads: each has its own stack (2 MiB of address
/// space by default; only the pages it touches are memory).
const MAX_CLIENTS: usize = 1000;

/// The most connections from one address (one IPv4 address, or one IPv6 /64, the block a
/// host usually has), as nginx's `limit_conn` does: one address that opens connection
/// after connection and drips a byte before each idle limit fills a tenth of the server,
/// not all of it (with `MAX_CLIENTS` alone, 1,000 such connections locked every other
/// address out).
const MAX_PER_ADDRESS: usize = 100;

/// How many bytes of a client's answers may wait unsent before the server stops reading
/// from it (ways 1 and 3; way 2 writes each answer before it reads on, and queues none).
/// Back-pressure, not a queue: a client that does not read its answers is not read from,
/// its bytes wait in the kernel's buffers, and TCP's flow control stops its sends. A client
/// that pushes everything before it reads a byte then waits for ever, and is closed by the
/// answers' clock; one that reads while it sends gets every byte back.
const QUEUE_PER_CLIENT: usize = 64 << 10;

/// How many bytes of answers may wait in the whole server (ways 1 and 3): past it, only
/// clients with an empty queue are read from (and queue one answer, at most 1 KiB), so
/// the queues hold at most this plus 1 KiB a client, whatever the clients do. A review
/// found 50 clients that pushed and never read took the server to 736 MiB when each
/// could queue 16 MiB.
const QUEUE_TOTAL: usize = 16 << 20;

/// The answers' clock: once answers wait, they must start leaving within 10 s and keep
/// leaving at 1 MiB/s, however the client takes them (a few bytes now and then cannot
/// restart it, as it restarts a socket's write timeout). The bytes the kernel's buffers
/// take count as having left.
const ANSWERS: Pace = Pace::new(Duration::from_secs(10), 1 << 20);

/// How long a server waits before accepting again when it has no descriptor left (the
/// library's pause).
const ACCEPT_BACKOFF: Duration = socket_lessons::guard::quiet::ACCEPT_BACKOFF;

// ---------------------------------------------------------------------------------------
// The server, way 1: the notes' own (notes B s.setblocking(False)实现并发), trying everything
// ---------------------------------------------------------------------------------------

/// The notes' server, on a listener already bound and listening (their `socket`,
/// `SO_REUSEADDR`, `bind`, `listen(5)`; here `listen(BACKLOG)`). `clients` counts who is
/// connected and prints what idling cost.
fn serve_busy(listener: TcpListener, clients: &Clients, waits: &Limits) -> io::Result<()> {
    // 1. s.setblocking(False): accept returns WouldBlock at once when nobody is waiting.
    listener.set_nonblocking(true)?;
    // 2. conn_l = []: the connections, each with the answers it has not taken yet.
    let mut conns: Vec<Conn<TcpStream>> = Vec::new();
    let mut buf = [0u8; RECV_SIZE];
    let mut trouble = AcceptTrouble::default();
    let mut queued = Queued::default();
    let mut next_accept = Instant::now();
    loop {
        // 3. conn, client_addr = s.accept(): try to accept one client (after a pause when
        //    descriptors ran out).
        let accepted = if Instant::now() >= next_accept {
            listener.accept()
        } else {
            Err(ErrorKind::WouldBlock.into())
        };
        match accepted {
            Ok((stream, addr)) => {
                trouble.ok();
                match clients.arrive(addr) {
                    Arrival::Stop => return Ok(()),
                    Arrival::Full => drop(stream),
                    Arrival::Welcome => {
                        // The step the notes miss: on Linux an accepted socket is blocking
                        // whatever the listener's mode (accept(2)); Windows and the BSDs
                        // copy the listener's mode, and Python's docs call it
                        // OS-dependent. One blocking recv on a quiet client would stall
                        // every other client: set it, whatever the OS.
                        match stream.set_nonblocking(true) {
                            // conn_l.append(conn)
                            Ok(()) => conns.push(Conn::new(stream, addr)),
                            // One connection's trouble ends that connection, not the server.
                            Err(e) => clients.leave(addr, &conn::dropped(&e)),
                        }
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => {
                if trouble.failed(&e) {
                    next_accept = Instant::now() + ACCEPT_BACKOFF;
                }
            }
        }
        // 4. for c in conn_l: c.recv(1024), c.send(msg.upper()). Give every connection a
        //    turn (conn.rs); drop the ones that are over.
        let now = Instant::now();
        conns.retain_mut(|conn| {
            let over = match conn.take_turn(&mut buf, &mut queued) {
                Turn::Open => conn.expired(now, waits),
                Turn::Over(why) => Some(why),
            };
            if let Some(why) = &over {
                conn.release(&mut queued);
                clients.leave(conn.addr, why);
            }
            over.is_none()
        });
        // DELIBERATE: and round again at once. Nothing in this loop ever waits, so with no
        // client sending anything it still runs millions of times a second: one core at
        // 100%, doing nothing. A sleep here would trade that for latency; the real fix
        // is to let the kernel wake us (way 3).
    }
}

/// The client, for every way: lesson 02's line client (`echo::lines_client`). The server's
/// concurrency is invisible to it.
fn client(at: Endpoint) -> Result<(), Report> {
    // 1. Connect; no read or write waits longer than the answer limit for a stuck server.
    let mut stream = at.connect()?;
    limits::await_answer(&stream, limits::answer_limit())?;
    // 2. Lines from the keyboard, each sent and its answer shown, until `q`.
    let input = Input::stdin(socket_lessons::lang::pick(
        "message for the server :>>>> ",
        "发给服务端的消息 :>>>> ",
    ));
    echo::lines_client(&mut stream, input, &Transcript::client()).map_err(limits::answer_waited)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The server, way 2: a thread per client
// ---------------------------------------------------------------------------------------

fn serve_threads(listener: TcpListener, clients: Arc<Clients>, waits: &Limits) -> io::Result<()> {
    let mut trouble = AcceptTrouble::default();
    loop {
        // 1. The accept loop blocks, as in lesson 03: asleep until a client connects.
        let (stream, addr) = match listener.accept() {
            Ok(pair) => {
                trouble.ok();
                pair
            }
            Err(e) => {
                if trouble.failed(&e) {
                    std::thread::sleep(ACCEPT_BACKOFF);
                }
                continue;
            }
        };
        match clients.arrive(addr) {
            Arrival::Stop => return Ok(()),
            Arrival::Full => continue,
            Arrival::Welcome => {}
        }
        // 2. …but the client is served on its own thread, so accept comes round again at
        //    once. Each thread is lesson 02's loop: blocking reads, asleep while idle.
        let for_thread = Arc::clone(&clients);
        let waits = *waits;
        let spawned = std::thread::Builder::new()
            .name(format!("client {addr}"))
            .spawn(move || {
                let why = serve_one(stream, addr, &waits);
                for_thread.leave(addr, &why);
            });
        if let Err(e) = spawned {
            // The OS refused a thread (memory, limits): the client is dropped (its socket
            // went with the closure), the server goes on.
            clients.leave(
                addr,
                &Ending::broken(socket_lessons::tr!(
                    "was dropped: no thread for it ({})" | "被直接断开了：没有线程可以分给它（{}）",
                    socket_lessons::lang::error_text(&e)
                )),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------

/// Lesson 11: several clients at once (notes B s.setblocking(False)实现并发).
///
/// With no subcommand, runs the same three-client demo against the notes' busy loop, a
/// thread per client, and readiness polling (mio), and prints the CPU each used while idle.
/// For two terminals: start `server --way busy|threads|poll` first, then one or more
/// `client`s; type lines, `q` quits.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first). It serves any number of clients at once.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// How to serve several clients at once
        #[arg(long, value_enum, default_value_t = Way::Busy)]
        way: Way,
        /// The longest wait, in seconds, for a client's next message before closing it
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// The most clients at once (at least 1: 0 turned every client away)
        #[arg(long, value_name = "N", default_value_t = MAX_CLIENTS,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        max_clients: usize,
        /// The most connections at once from one address (an IPv6 /64)
        #[arg(long, value_name = "N", default_value_t = MAX_PER_ADDRESS,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        max_per_address: usize,
    },
    /// Run only a client: type lines, `q` or end of input quits. Start several.
    Client(Endpoint),
    /// Run the notes' server in plain Rust (notes.rs, notes B s.setblocking(False)实现并发)
    /// on the notes' address unless told otherwise: one thread, a loop that never waits.
    NotesServer(NotesEndpoint),
    /// Run the notes' client in plain Rust (notes.rs, notes B's input loop): type lines,
    /// end of input quits.
    NotesClient(NotesEndpoint),
}

/// The three servers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// The notes' loop: non-blocking sockets tried in turn, never sleeping
    Busy,
    /// A thread per client, each blocking in its own recv
    Threads,
    /// One thread sleeping in epoll/kqueue until a socket is ready (mio)
    Poll,
}

/// `--way busy|threads|poll`, with each value's line of `--help` in the language of the
/// moment (a derived `ValueEnum` takes it from the doc comments, in English only).
impl ValueEnum for Way {
    fn value_variants<'a>() -> &'a [Self] {
        &[Way::Busy, Way::Threads, Way::Poll]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use socket_lessons::lang::pick;
        let (name, help) = match self {
            Way::Busy => (
                "busy",
                pick(
                    "The notes' loop: non-blocking sockets tried in turn, never sleeping",
                    "笔记的循环：非阻塞套接字挨个去试，从不睡眠",
                ),
            ),
            Way::Threads => (
                "threads",
                pick(
                    "A thread per client, each blocking in its own recv",
                    "每客户端一个线程，各自阻塞在自己的 recv 里",
                ),
            ),
            Way::Poll => (
                "poll",
                pick(
                    "One thread sleeping in epoll/kqueue until a socket is ready (mio)",
                    "一个线程睡在 epoll/kqueue 里，直到有套接字就绪（mio）",
                ),
            ),
        };
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
}

impl Way {
    /// A few words, for the demo's comparison.
    fn short(self) -> &'static str {
        match self {
            Way::Busy => socket_lessons::lang::pick("the notes' busy loop", "笔记的忙循环"),
            Way::Threads => socket_lessons::lang::pick("a thread per client", "每客户端一个线程"),
            Way::Poll => socket_lessons::lang::pick("readiness polling", "就绪轮询"),
        }
    }

    fn title(self) -> &'static str {
        match self {
            Way::Busy => socket_lessons::lang::pick(
                "the notes' way: one thread, non-blocking sockets, each tried in turn, never sleeping",
                "笔记的做法：一个线程，非阻塞套接字，挨个去试，从不睡眠",
            ),
            Way::Threads => socket_lessons::lang::pick(
                "a thread per client, each blocking in its own recv",
                "每客户端一个线程，各自阻塞在自己的 recv 里",
            ),
            Way::Poll => socket_lessons::lang::pick(
                "one thread, sleeping in epoll/kqueue until a socket is ready (mio)",
                "一个线程，睡在 epoll/kqueue 里，直到有套接字就绪（mio）",
            ),
        }
    }
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 11 课：同时服务多个客户端（笔记 B s.setblocking(False)实现并发）。",
    long_about: "第 11 课：同时服务多个客户端（笔记 B s.setblocking(False)实现并发）。\n\n\
                 不带子命令时，用同样三个客户端的演示依次对付笔记的忙循环、每客户端一个线程、\
                 就绪轮询（mio）三种服务端，并打印每种做法空闲时用了多少 CPU。两个终端：\
                 先启动 server --way busy|threads|poll，再启动一个或几个 client；输入要发送的行，q 退出。",
    subcommands: &[
        ("server", "只运行服务端（先启动）。它能同时服务任意多个客户端"),
        ("client", "只运行一个客户端：输入要发送的行，q 或输入结束（Ctrl-D）退出。可以启动好几个"),
        ("notes-server", "运行笔记的服务端，用纯 Rust 写成（notes.rs，笔记 B s.setblocking(False)实现并发），默认用笔记自己的地址：一个线程，一个从不等待的循环"),
        ("notes-client", "运行笔记的客户端，用纯 Rust 写成（notes.rs，笔记 B 的 input 循环）：输入要发送的行，输入结束（Ctrl-D）时退出"),
    ],
    options: &[
        ("way", "同时服务多个客户端的做法"),
        ("idle_limit", "等客户端下一条消息最多等多少秒，超时就关闭它"),
        ("max_clients", "同时服务的客户端最多多少个"),
        ("max_per_address", "来自同一个地址（IPv6 按 /64 算）的连接最多同时多少个"),
    ],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => socket_lessons::stage::demo::play(demo::run_demo),
        Some(Side::Server {
            at,
            way,
            idle_limit,
            max_clients,
            max_per_address,
        }) => {
            let listener = at.listen(ListenOptions::new().backlog(BACKLOG))?;
            let waits = Limits::server(Duration::from_secs(idle_limit));
            let caps = Caps {
                clients: max_clients,
                per_address: max_per_address,
            };
            serve(
                way,
                listener,
                Clients::new(Hooks::none(), true, caps),
                &waits,
            )?;
            Ok(())
        }
        Some(Side::Client(at)) => client(at),
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

/// Runs one of the three servers; `clients` (its hooks) tells the demo, if there is one.
fn serve(way: Way, listener: TcpListener, clients: Clients, waits: &Limits) -> io::Result<()> {
    // Ctrl-C, SIGTERM, SIGHUP, SIGUSR1…: one line, `interrupted`, and exit status 130.
    // Not in the demo: the handler's thread would be counted in its summary.
    if !clients.in_a_demo() {
        socket_lessons::guard::ending::say_when_ended();
    }
    match way {
        Way::Busy => serve_busy(listener, &clients, waits),
        Way::Threads => serve_threads(listener, Arc::new(clients), waits),
        Way::Poll => poll::serve_poll(listener, &clients, waits),
    }
}
