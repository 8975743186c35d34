//! # Lesson 14: the same wires on tokio, a task per connection
//!
//! Past the notes: notes B s.setblocking(False)实现并发 taken to its modern form. Lesson 11
//! served several clients from one thread by asking the kernel which socket was ready (mio,
//! epoll); tokio does that asking for you, and lets each connection be written as the
//! plain loop of lesson 06, `.await` where lesson 06 blocked. Lesson 06's wire (the notes'
//! 方案一: a bare command in, `struct.pack('i')` and the output out) and lesson 11's
//! upper-case echo (framed here) are served by one task per connection, and lesson 06's
//! hand-written `read_frame` / `write_frame` become one configuration of tokio-util's
//! `LengthDelimitedCodec` (codec.rs, line by line).
//!
//! What to look at:
//! - `codec::notes_codec`: 4 bytes, little-endian, the course's 16 MiB limit checked before
//!   anything is allocated; the demo shows its bytes are `write_frame`'s;
//! - `server::serve`: `accept().await`, then `tokio::spawn` a task, and the accept loop
//!   goes on; `select!` between accepting and Ctrl-C; a `Semaphore` whose permits are the
//!   connection cap, and whose permits all back means every connection has ended;
//! - `server::session`: `tokio::time::timeout` for the idle limit, a request clock and an
//!   answers' clock, a server-wide memory budget (a `Semaphore` of bytes);
//! - the demo's scene 4: one blocking call inside a task holds a runtime's thread, and
//!   every other task on it waits.
//!
//! Run it (tokio is behind the `async` feature, which only this lesson needs):
//! - `cargo run --example 14_async_tokio --features async`: the demo;
//! - terminal 1: `cargo run --example 14_async_tokio --features async -- server` (or
//!   `server --wire echo`, `server --runtime current-thread`), terminal 2: `… -- client`
//!   (or `client --wire echo`), then type `seq 300`, `echo hi`. Lesson 06's client, the
//!   notes' clients (notes C 方案一, notes E §8 进阶思路) and lesson 06's server are peers
//!   too: the wire is theirs;
//! - `-- notes-server`, `-- notes-client`: the notes' program on tokio (`notes.rs`), on the
//!   notes' port 8080.
//!
//! The files: this one has the command line and the client; `server.rs` the server;
//! `codec.rs` the codec and the memory budget; `demo.rs` the demo; `notes.rs` the notes'
//! program itself.
//!
//! Previous: lesson 13, the Nagle stall. Next: the bench's `scale` row (`cargo bench --bench
//! speed -- scale`), which runs 10,000 clients against lesson 11 and this lesson.

mod codec;
mod demo;
mod notes;
mod server;

use clap::{Parser, Subcommand, ValueEnum};
use futures_util::{SinkExt, StreamExt};
use server::{Server, Wire};
use socket_lessons::guard::limits::{self, DEFAULT_IDLE_SECS};
use socket_lessons::guard::timed;
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::transcript::describe_answer;
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
use tokio_util::bytes::Bytes;
use tokio_util::codec::Framed;

/// The listen backlog: a server for thousands of connections at once lets them queue (with the
/// notes' `listen(5)` Linux would drop SYNs; Linux caps it at `net.core.somaxconn`).
const BACKLOG: i32 = 1024;

/// The most connections at once (one more is closed at once, with a line), and the most
/// from one address (nginx's `limit_conn`): one address cannot take every place.
const MAX_CLIENTS: usize = 1000;
const MAX_PER_ADDRESS: usize = 100;

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// The two-terminal client: each typed line goes out (bare for the commands wire, as the
/// notes' client sends it; as a frame for the echo), and each answer is read as one frame
/// by the codec, lesson 06's `read_frame` configured.
/// What the server sent before a request: the bytes the codec holds and those waiting in
/// the kernel (read without waiting: tokio's socket is non-blocking), dropped, and the codec
/// started afresh (it may have read half a header). Without this a server that sent two
/// frames per request put the client one answer behind for good, silently (an attack;
/// lessons 06, 07 and 08 use `timed::drop_unasked`).
fn drop_unasked(
    framed: &mut Framed<tokio::net::TcpStream, tokio_util::codec::LengthDelimitedCodec>,
) -> std::io::Result<usize> {
    let mut dropped = framed.read_buffer().len();
    framed.read_buffer_mut().clear();
    *framed.codec_mut() = codec::notes_codec();
    let socket = socket2::SockRef::from(framed.get_ref());
    let mut buf = vec![std::mem::MaybeUninit::<u8>::uninit(); 64 << 10];
    while dropped < timed::UNASKED_MOST {
        match socket.recv(&mut buf) {
            Ok(0) => break, // closed: the request's own read says so
            Ok(n) => dropped += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(dropped)
}

async fn client(at: Endpoint, wire: Wire) -> Result<(), Report> {
    let who = Transcript::client();
    // 1. connect; tokio resolves the host name on its blocking pool.
    let stream = tokio::net::TcpStream::connect((at.host.as_str(), at.port)).await?;
    let mut framed = Framed::new(stream, codec::notes_codec());
    // 2. lines from stdin, read without holding the runtime's thread; a prompt only on a
    //    terminal.
    let prompt = std::io::stdin().is_terminal();
    let mut input = tokio::io::BufReader::new(tokio::io::stdin());
    let mut raw = Vec::new();
    loop {
        if prompt {
            let mut out = tokio::io::stdout();
            out.write_all(b"command :>>>> ").await?;
            out.flush().await?;
        }
        raw.clear();
        if input.read_until(b'\n', &mut raw).await? == 0 {
            break; // end of input
        }
        // A line that is not UTF-8 is said and skipped (before, `lines()` ended the client
        // with `invalid utf-8 sequence`: an attack).
        let Ok(line) = std::str::from_utf8(&raw) else {
            say!(
                who,
                "that line is not UTF-8 text: not sent" | "这一行不是 UTF-8 文本：没有发送"
            );
            continue;
        };
        let line = line.trim();
        if line.is_empty() {
            continue; // an empty send puts nothing on the wire (lesson 02)
        }
        if line == "q" {
            break;
        }
        // What came before the request is no answer to it (lessons 06-08 do the same).
        let unasked = drop_unasked(&mut framed)?;
        if unasked > 0 {
            say!(who, "{}", timed::unasked_line(unasked));
        }
        // 3. the request: bare, or framed (header and body in one write).
        say!(who, "send {}", describe_answer(line.as_bytes(), 32));
        // Within the answer limit too: a server that reads nothing held the client for ever
        // once the line was larger than the buffers (an attack).
        let sent = tokio::time::timeout(limits::answer_limit(), async {
            match wire {
                Wire::Commands => framed.get_mut().write_all(line.as_bytes()).await,
                Wire::Echo => framed.send(Bytes::copy_from_slice(line.as_bytes())).await,
            }
        })
        .await;
        match sent {
            Ok(sent) => sent?,
            Err(_) => {
                return Err(Report::msg(socket_lessons::tr!(
                    "sending the request: the server had not taken all of it within {} s (it is not reading)"
                        | "发送请求：{} 秒内服务端还没有把它全部收下（它没有在读）",
                    limits::answer_limit().as_secs()
                )))
            }
        }
        // 4. the answer, one whole frame, within the client's answer limit.
        let waited = tokio::time::timeout(limits::answer_limit(), framed.next()).await;
        match waited {
            Err(_) => {
                return Err(limits::answer_waited(std::io::ErrorKind::WouldBlock.into()).into())
            }
            Ok(None) => {
                say!(who, "the server closed the connection" | "服务端关闭了连接");
                break;
            }
            Ok(Some(answer)) => say!(who, "frame -> {}", describe_answer(&answer?, 16)),
        }
    }
    Ok(())
}

/// A message for each Ctrl-C (SIGINT on Unix), SIGTERM or SIGHUP, from now on; every other
/// signal that would end the process and can be caught (SIGQUIT, SIGUSR1, SIGALRM…) is
/// turned into a SIGTERM (`guard::ending::forward_to_sigterm`), so each of them asks for
/// the same graceful shutdown. Before, SIGTERM, SIGHUP or SIGUSR1 ended the server at once,
/// with no line. The handlers are in place when this returns, before the first client is
/// accepted: a signal that came before them would end the process the default way. tokio
/// keeps its handlers for the rest of the process, so a second signal would not end it
/// either: the server's drain listens for one.
fn ctrl_c_messages() -> std::io::Result<tokio::sync::mpsc::Receiver<()>> {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        for kind in [
            SignalKind::interrupt(),
            SignalKind::terminate(),
            SignalKind::hangup(),
        ] {
            let mut signals = signal(kind)?;
            let tx = tx.clone();
            tokio::spawn(async move {
                while signals.recv().await.is_some() {
                    if tx.send(()).await.is_err() {
                        break; // the server has ended
                    }
                }
            });
        }
        // After tokio's SIGTERM handler is in place: a forwarded signal finds it there.
        socket_lessons::guard::ending::forward_to_sigterm();
    }
    #[cfg(windows)]
    {
        let mut interrupts = tokio::signal::windows::ctrl_c()?;
        tokio::spawn(async move {
            while interrupts.recv().await.is_some() {
                if tx.send(()).await.is_err() {
                    break; // the server has ended
                }
            }
        });
    }
    Ok(rx)
}

// ---------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------

/// Lesson 14: lesson 06's wire and lesson 11's echo on tokio, a task per connection.
///
/// With no subcommand, runs the demo: lesson 06's frame as the codec writes it, a command
/// server, three echo clients on one thread, bad peers, a blocking call that stalls a
/// runtime, and a graceful shutdown. For two terminals: `server` first, then `client`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first, in terminal 1). Ctrl-C stops it gracefully.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// What it serves
        #[arg(long, value_enum, default_value_t = Wire::Commands)]
        wire: Wire,
        /// The runtime the tasks run on
        #[arg(long, value_enum, default_value_t = Runtime::MultiThread)]
        runtime: Runtime,
        /// The longest wait, in seconds, for a client's next request before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// The most clients at once (at most tokio's semaphore's limit, 2^61 - 1: more made
        /// the server panic at start, an attack)
        #[arg(long, value_name = "N", default_value_t = MAX_CLIENTS,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new()
                  .range(1..=tokio::sync::Semaphore::MAX_PERMITS as u64))]
        max_clients: usize,
        /// The most connections at once from one address (an IPv6 /64)
        #[arg(long, value_name = "N", default_value_t = MAX_PER_ADDRESS,
              value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        max_per_address: usize,
    },
    /// Run only the client (in terminal 2). Type lines; `q` or end of input quits.
    Client {
        #[command(flatten)]
        at: Endpoint,
        /// What the server speaks
        #[arg(long, value_enum, default_value_t = Wire::Commands)]
        wire: Wire,
    },
    /// Run the notes' server (notes C 方案一) on tokio (notes.rs), on the notes' address
    /// unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' client (notes C 方案一) on tokio (notes.rs), against the notes'
    /// address unless told otherwise. End of input quits.
    NotesClient(NotesEndpoint),
}

/// tokio's two schedulers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Runtime {
    /// One thread runs every task (and waits in epoll when none can run)
    CurrentThread,
    /// A thread per CPU, each with its own queue of tasks, stealing from the others
    MultiThread,
}

impl Runtime {
    pub fn build(self) -> std::io::Result<tokio::runtime::Runtime> {
        match self {
            Runtime::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Runtime::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
    }
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 14 课：在 tokio 上跑第 06 课的传输格式和第 11 课的回显，每条连接一个任务",
    long_about: "不带子命令时运行演示：编解码器写出的第 06 课的帧、命令服务端、一个线程上的三个回显客户端、\
                 捣乱的对端、一次卡住运行时的阻塞调用、优雅停机。两个终端：先启动 server，再启动 client。",
    subcommands: &[
        ("server", "只运行服务端（先在终端 1 启动）。Ctrl-C 让它优雅停机"),
        ("client", "只运行客户端（在终端 2）。输入一行行文字；q 或输入结束（Ctrl-D）退出"),
        ("notes-server", "运行笔记的服务端（笔记 C 方案一），tokio 版（notes.rs），默认用笔记自己的地址"),
        ("notes-client", "运行笔记的客户端（笔记 C 方案一），tokio 版（notes.rs），默认连接笔记自己的地址；输入结束（Ctrl-D）时退出"),
    ],
    options: &[
        ("wire", "提供哪种服务：commands（第 06 课：不加报头的命令进，一个帧出）或 echo（第 11 课的大写回显，加了帧）"),
        ("runtime", "任务跑在哪种运行时上：current-thread（一个线程）或 multi-thread（每个核一个线程）"),
        ("idle_limit", "等客户端下一个请求最多等多少秒，超时就关闭它"),
        ("max_clients", "同时最多多少个客户端"),
        ("max_per_address", "同一个地址（IPv6 按 /64）同时最多多少条连接"),
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
            wire,
            runtime,
            idle_limit,
            max_clients,
            max_per_address,
        }) => {
            // socket, SO_REUSEADDR, bind, listen: the course's listener (lesson 03), handed
            // to tokio inside the runtime.
            let listener = at.listen(ListenOptions::new().backlog(BACKLOG))?;
            listener.set_nonblocking(true)?;
            let idle = Duration::from_secs(idle_limit);
            let server = Server::new(wire, idle, max_clients, max_per_address);
            runtime.build()?.block_on(async {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                server::serve(listener, Arc::new(server), ctrl_c_messages()?).await
            })?;
            Ok(())
        }
        Some(Side::Client { at, wire }) => {
            if at.port == 0 {
                // Endpoint::connect's own refusal, for the same mistake.
                return Err(at.connect().unwrap_err().into());
            }
            Runtime::CurrentThread.build()?.block_on(client(at, wire))
        }
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            let runtime = Runtime::CurrentThread.build()?;
            Ok(runtime.block_on(notes::server(&host, port))?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            let runtime = Runtime::CurrentThread.build()?;
            Ok(runtime.block_on(notes::client(&host, port))?)
        }
    }
}
