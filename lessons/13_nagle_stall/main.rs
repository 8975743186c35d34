//! # Lesson 13: two sends per message, and the 40 ms they cost
//!
//! Past the notes. Most framed programs in the notes send a message as two `send` calls:
//! `conn.send(header)`, then `conn.send(body)` (notes A §9.1 and §9.2, notes C 方案一 and
//! 方案二, notes D; notes E §8 进阶思路 is the exception, with one
//! `sendall(length_bytes + ret)`). For a one-off download that is harmless. In a loop of small requests and
//! answers, it meets two TCP mechanisms that are each reasonable alone:
//!
//! - **Nagle's algorithm** (on by default): hold back a *small* segment while an earlier
//!   small one is unacknowledged (Linux's form of the rule, Minshall's: `tcp_nagle_check`).
//!   The header went out, small and unacknowledged; the body is small; so the body waits.
//! - **Delayed ACK**: a receiver does not acknowledge at once; it waits a little (on Linux at
//!   least 40 ms, `TCP_DELACK_MIN`, up to 200 ms) in the hope of putting the ACK on its
//!   answer. The server cannot answer: it has a header and no body. So the ACK waits.
//!
//! Each side waits for the other until the delayed-ACK timer fires: tens of milliseconds per
//! exchange, once the connection's first exchange is past (Linux acknowledges at once while
//! a connection is new), on a loopback that otherwise answers in microseconds. This lesson
//! runs the same request/response loop several ways and prints the time per exchange and
//! the data segments per request that the kernel counted (TCP_INFO):
//!
//! - two writes (the notes'), and its three fixes: one write of header and body together
//!   (`framing::write_frame`, one `writev`); two writes with TCP_NODELAY, which turns Nagle
//!   off on the sender; the server setting TCP_QUICKACK again before each read, which makes
//!   the receiver acknowledge at once (Linux; the option is not sticky);
//! - on Linux, two more ways to gather writes: TCP_CORK around the two writes, and the
//!   header sent with MSG_MORE;
//! - on Linux, its own form of Nagle's rule: a first write that fills a segment exactly
//!   (TCP_MAXSEG 1000) does not hold the small second one back; one byte less, and it does.
//!
//! What to look at:
//! - the ratios: two writes are hundreds to thousands of times slower per exchange than one,
//!   with the same bytes on the wire, except the first exchange;
//! - the segment counts: TCP_NODELAY and TCP_QUICKACK still send two segments per request
//!   (two syscalls, twice the packets); one write, TCP_CORK and MSG_MORE send one;
//! - no test asserts a time: the transcript test masks the numbers and checks the rest.
//!
//! The server is one at a time, with limits on the whole message (`guard::pace`): the
//! first byte of a request within `--idle-limit` (300 s); the request within 10 s of its
//! first byte, then at 64 KiB/s; the answer within 10 s, then at 1 MiB/s.
//!
//! Wire format: lesson 06's, `struct.pack('i', len)` + body for requests and answers; the
//! request is `echo …`, so lesson 06's server and the notes-style Python framed server
//! answer it too.
//!
//! Run it (release, so that the fast cases measure the network, not debug code):
//! - `cargo run --release --example 13_nagle_stall`: the demo, 50 exchanges each way;
//! - terminal 1: `cargo run --release --example 13_nagle_stall -- server` (add
//!   `--quickack` for the receiver's fix), terminal 2: `cargo run --release --example
//!   13_nagle_stall -- client --writes two` (or `one`, `two-nodelay`, `cork`, `msg-more`,
//!   `full-first`, `short-first`; `--exchanges N`);
//! - the notes' way on both sides, in plain Rust (notes.rs): terminal 1: `cargo run
//!   --example 13_nagle_stall -- notes-server`, terminal 2: `… -- notes-client`.
//!
//! In this directory: `notes.rs`, the notes' way; `main.rs`, the course's server and the
//! command line; `ways.rs`, the client's ways of writing a request; `demo.rs`, the demo.
//!
//! Previous: lesson 12, UDP chat and a time server. This is the last lesson.

mod demo;
mod notes;
mod ways;

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits;
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{Gate, LogGate};
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::demo::Hooks;
use socket_lessons::stage::serve::{serve_in_turn_quietly, ACCEPTS_SHOWN};
use socket_lessons::wire::fast_framing::{self, FrameReader};
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;
use ways::{Timing, Way};

/// How many exchanges each way: enough for the mean to be steady, few enough that a way
/// that stalls takes about two seconds, not ten.
const EXCHANGES: usize = 50;

/// One request: a 4-byte header and a 60-byte body, 64 bytes on the wire.
const BODY_LEN: usize = 60;

/// A request, once its first byte has come, has 10 s, then 64 KiB a second: a header (4
/// bytes) must be complete within about 10 s, a body must keep coming. One clock for the
/// whole request, whatever the gaps between its bytes (mod_reqtimeout's rule; a per-read
/// time limit starts again with every byte).
const REQUEST: Pace = Pace::new(Duration::from_secs(10), 64 * 1024);

/// An answer has 10 s, then 1 MiB a second, to leave. The bytes the kernel's buffers take
/// count as moved, and earn time: a client that never reads a 16 MiB answer holds the
/// server 10 s plus what those buffers took (about 4 MB on Linux's loopback, 4 s), where a
/// write time limit that starts again with every partial write held it 30 s.
const ANSWER: Pace = Pace::new(Duration::from_secs(10), 1024 * 1024);

// ---------------------------------------------------------------------------------------
// The server: one write per answer, always
// ---------------------------------------------------------------------------------------

/// One client at a time. `idle` bounds the wait for each request's first byte; the
/// request and the answer each run on one clock ([`REQUEST`], [`ANSWER`]): one client
/// that stops, drips or never reads cannot hold the others for ever. With `quickack`, the
/// server re-arms TCP_QUICKACK before every read (Linux).
///
/// The log: a line when a client is accepted and one when it leaves, each through a gate
/// (at most [`ACCEPTS_SHOWN`] of each in any 10 s, the rest counted and the count printed
/// before the next line shown): a peer that opens connections as fast as it can costs the
/// log a few lines every 10 s, not two lines a connection.
fn serve(listener: &TcpListener, idle: Duration, quickack: bool, hooks: &Hooks) {
    let server = Transcript::server();
    let mut ends = LogGate::new(ACCEPTS_SHOWN, Duration::from_secs(10));
    serve_in_turn_quietly(listener, hooks, |conn, addr| {
        let ended = serve_client(&conn, idle, quickack);
        match ends.event() {
            Gate::Show => {}
            Gate::ShowAfter(held) => say!(server, "{held}"),
            Gate::Held => return,
        }
        match ended {
            Ok(n) => say!(
                server,
                "{n} requests answered; {addr} closed the connection"
                    | "回答了 {n} 个请求；{addr} 关闭了连接"
            ),
            Err(Ended::Idle) => say!(
                server,
                "{addr} sent nothing within {}; next client"
                    | "{addr} 在 {}内什么都没有发；换下一个客户端",
                limits::seconds(idle)
            ),
            Err(Ended::Failed(e)) => say!(
                server,
                "{addr}: {}; next client" | "{addr}：{}；换下一个客户端",
                socket_lessons::lang::error_text(&e)
            ),
        }
    });
}

/// How a client's session ended, when it did not close the connection itself.
enum Ended {
    /// No new request began within the idle limit.
    Idle,
    /// A request or an answer ran out of time, or the connection failed.
    Failed(io::Error),
}

impl From<io::Error> for Ended {
    fn from(e: io::Error) -> Self {
        Ended::Failed(e)
    }
}

/// Serves one connection: every request frame is answered with one frame, in one write.
/// Returns how many requests it answered once the client closes.
fn serve_client(conn: &TcpStream, idle: Duration, quickack: bool) -> Result<usize, Ended> {
    let mut requests = FrameReader::new(Reading {
        paced: Paced::new(conn, REQUEST, the_request()),
        conn,
        quickack,
    });
    let mut answered = 0;
    loop {
        // Between requests: up to `idle` for the first byte of the next one (unless it is
        // already here, read along with the last one).
        if requests.buffered().is_empty() {
            rearm_quickack(conn, quickack)?;
            // (std refuses a zero timeout: `--idle-limit 0` waits a millisecond.)
            conn.set_read_timeout(Some(idle.max(Duration::from_millis(1))))?;
            // A stop and continue of the server (EINTR) is retried with the time left.
            match limits::peek(conn, &mut [0u8; 1]) {
                Ok(0) => return Ok(answered),
                Ok(_) => {}
                Err(e) if limits::is_timeout(&e) => return Err(Ended::Idle),
                Err(e) => return Err(e.into()),
            }
        }
        // The request, on its own clock from its first byte.
        requests.get_mut().paced = Paced::new(conn, REQUEST, the_request());
        let Some(request) = requests.read_frame()? else {
            return Ok(answered);
        };
        // Answer like the course's command servers: `echo TEXT` gives TEXT.
        let reply = request.strip_prefix(b"echo ").unwrap_or(&request);
        let answer = socket_lessons::lang::pick("the answer", "回答");
        fast_framing::write_frame(&mut Paced::new(conn, ANSWER, answer), reply)?;
        answered += 1;
    }
}

/// What a request's clock is called in its error line.
fn the_request() -> &'static str {
    socket_lessons::lang::pick("the request", "请求")
}

/// The server's reads: each on the request's clock, and, with `quickack`, after
/// TCP_QUICKACK is set again.
struct Reading<'a> {
    conn: &'a TcpStream,
    paced: Paced<'a>,
    quickack: bool,
}

impl Read for Reading<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        rearm_quickack(self.conn, self.quickack)?;
        self.paced.read(buf)
    }
}

/// TCP_QUICKACK is not sticky (tcp(7): "not permanent, it only enables a switch to or
/// from quickack mode"): the kernel goes back to delaying ACKs on its own, so a server
/// that wants every ACK at once sets it again before each read.
#[cfg(target_os = "linux")]
fn rearm_quickack(conn: &TcpStream, quickack: bool) -> io::Result<()> {
    if quickack {
        socket2::SockRef::from(conn).set_tcp_quickack(true)?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn rearm_quickack(_conn: &TcpStream, quickack: bool) -> io::Result<()> {
    if quickack {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            socket_lessons::tr!("TCP_QUICKACK is Linux's" | "TCP_QUICKACK 是 Linux 的选项"),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// The loop under test: `exchanges` times, send a request the `way` way and read the
/// answer.
fn exchange(stream: &mut TcpStream, way: Way, exchanges: usize) -> Result<Timing, Report> {
    Ok(ways::time_exchanges(
        stream, way, exchanges, BODY_LEN, None,
    )?)
}

fn report(client: &Transcript, timing: &Timing) {
    say!(
        client,
        "{} exchanges in {}: {} per exchange (the first: {})"
            | "{} 次交换用时 {}：每次 {}（第一次：{}）",
        timing.exchanges,
        ms3(timing.total),
        ms3(timing.per_exchange()),
        ms3(timing.first)
    );
    if let Some(segments) = timing.segments {
        // A whole number in every run measured here; rounded, so that a rare retransmission
        // does not change the line.
        let segments = segments.round();
        if segments == 1.0 {
            say!(
                client,
                "TCP_INFO: 1 data segment sent per request"
                    | "TCP_INFO：每个请求发出 1 个数据报文段"
            );
        } else {
            say!(
                client,
                "TCP_INFO: {segments} data segments sent per request"
                    | "TCP_INFO：每个请求发出 {segments} 个数据报文段"
            );
        }
    }
}

/// Milliseconds with three decimals: the fast ways take microseconds.
fn ms3(d: std::time::Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// Lesson 13: two sends per message and Nagle's algorithm (past the notes).
///
/// With no subcommand, runs the same request/response loop several ways (two writes, one
/// write, two writes with TCP_NODELAY, with TCP_QUICKACK on the server, and, on Linux,
/// TCP_CORK, MSG_MORE and Linux's own form of Nagle's rule) and prints the time per
/// exchange. For two terminals: start `server` (or `server --quickack`) first, then
/// `client --writes two|one|two-nodelay|cork|msg-more|full-first|short-first`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first): answers every framed request with one frame.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// The longest wait, in seconds, for a client's next request before closing it
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// Set TCP_QUICKACK again before every read, so that every request is
        /// acknowledged at once (Linux only)
        #[arg(long)]
        quickack: bool,
    },
    /// Run only the client: time request/response exchanges one way.
    Client {
        #[command(flatten)]
        at: Endpoint,
        /// How each request goes on the wire
        #[arg(long, default_value = "two", value_parser = socket_lessons::stage::cli::one_of(&Way::ALL, Way::name, Way::about))]
        writes: Way,
        /// How many exchanges (at least 1: 0 printed a time per exchange of none)
        #[arg(long, default_value_t = EXCHANGES,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        exchanges: usize,
    },
    /// Run the notes' way in plain Rust (notes.rs): a server that echoes every frame as two
    /// writes, header then body, on the notes' address unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' way in plain Rust (notes.rs): a client that sends 10 framed requests
    /// as two writes each and prints how long each exchange took.
    NotesClient(NotesEndpoint),
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 13 课：每条消息两次 send，以及 Nagle 算法（笔记之外）。",
    long_about: "第 13 课：每条消息两次 send，以及 Nagle 算法（笔记之外）。\n\n\
                 不带子命令时，用几种写法跑同一个请求/回答循环（两次写、一次写、带 TCP_NODELAY 的两次写、\
                 服务端用 TCP_QUICKACK；在 Linux 上还有 TCP_CORK、MSG_MORE 和 Linux 自己的 Nagle 规则），\
                 并打印每次交换的用时。两个终端：先启动 server（或 server --quickack），再启动 \
                 client --writes two|one|two-nodelay|cork|msg-more|full-first|short-first。",
    subcommands: &[
        ("server", "只运行服务端（先启动）：每个带固定报头的请求都用一个帧回答"),
        ("client", "只运行客户端：按一种写法计时请求/回答交换"),
        ("notes-server", "用纯 Rust 运行笔记的写法（notes.rs）：一个把每个帧分两次写回的服务端，先写固定报头，再写真实数据，默认用笔记自己的地址"),
        ("notes-client", "用纯 Rust 运行笔记的写法（notes.rs）：一个客户端，发 10 个带固定报头的请求，每个分两次写，并打印每次交换的用时"),
    ],
    options: &[
        ("idle_limit", "等客户端下一个请求最多等多少秒，超时就关闭它"),
        ("quickack", "每次读之前重新设置 TCP_QUICKACK，让每个请求都立刻得到确认（只限 Linux）"),
        ("writes", "每个请求怎样写到线路上"),
        ("exchanges", "交换多少次"),
    ],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => socket_lessons::stage::demo::play(demo::run_demo),
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
            idle_limit,
            quickack,
        }) => {
            if quickack && !cfg!(target_os = "linux") {
                return Err(Report::msg(socket_lessons::tr!(
                    "--quickack needs Linux: TCP_QUICKACK is Linux's"
                        | "--quickack 需要 Linux：TCP_QUICKACK 是 Linux 的选项"
                )));
            }
            let listener = at.listen(ListenOptions::new())?;
            serve(
                &listener,
                Duration::from_secs(idle_limit),
                quickack,
                &Hooks::none(),
            );
            Ok(())
        }
        Some(Side::Client {
            at,
            writes,
            exchanges,
        }) => {
            let addr = at.server_addr()?;
            let mut stream = ways::connect(addr, writes)?;
            // No read waits longer than the answer limit (60 s): a server that never
            // answers, or stops halfway through a frame, ends the client with one line (an
            // attack held it for as long as it liked).
            limits::await_answer(&stream, limits::answer_limit())?;
            let client = Transcript::client();
            say!(client, "{}: {}" | "{}：{}", writes.label(), writes.how());
            // Each answer's first byte within the answer limit, then the frame on one clock
            // (10 s, then 1 MiB a second); what the server sent before a request dropped
            // (attacks: a dripping server held the client, a frame nobody asked for was
            // taken as the next answer).
            let pace = Pace::new(Duration::from_secs(10), 1 << 20);
            let timing =
                ways::time_exchanges(&mut stream, writes, exchanges, BODY_LEN, Some(pace))?;
            if timing.unasked > 0 {
                say!(
                    client,
                    "the server sent {} bytes nobody asked for between the exchanges: dropped (no answer to any request)"
                        | "交换之间服务端发来了 {} 字节没人要的数据：已丢掉（它们不是任何请求的回答）",
                    timing.unasked
                );
            }
            report(&client, &timing);
            Ok(())
        }
    }
}
