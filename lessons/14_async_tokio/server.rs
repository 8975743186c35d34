//! The course's server on tokio: an accept loop that spawns a task per connection, and the
//! two wires a task can speak (lesson 06's commands, lesson 11's echo, framed).
//!
//! Underneath the limits, the echo server is these lines:
//!
//! ```text
//! loop {
//!     let (stream, _addr) = listener.accept().await?;           // lesson 03's accept
//!     tokio::spawn(async move {                                  // a task, not a thread
//!         let mut framed = Framed::new(stream, notes_codec());   // lesson 06's frames
//!         while let Some(Ok(body)) = framed.next().await {      // read_frame
//!             let answer = Bytes::from(commands::upper(&body));
//!             if framed.send(answer).await.is_err() {           // write_frame
//!                 break;
//!             }
//!         }
//!     });
//! }
//! ```
//!
//! The rest of this file is what a silent, dripping, lying or never-reading peer makes
//! necessary, and a clean Ctrl-C: each part says which.

use crate::codec::{describe_error, Budget, Budgeted, Frame};
use futures_util::{SinkExt, StreamExt};
use socket_lessons::guard::limits;
use socket_lessons::guard::pace::Pace;
use socket_lessons::guard::quiet::LogGate;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::Cue;
use socket_lessons::stage::transcript::describe_ends;
use socket_lessons::wire::framing::LEN_PREFIX_BYTES;
use socket_lessons::{say, tr, Transcript};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

/// The notes' `recv(1024)`: the most bytes read as one bare command.
pub const RECV_SIZE: usize = 1024;

/// A request once begun: 10 s to arrive, more time for each 64 KiB it has sent (lesson 13's
/// request clock), so a client that drips a frame a byte at a time is closed.
pub const REQUEST: Pace = Pace::new(Duration::from_secs(10), 64 << 10);

/// An answer: 10 s to start leaving, then 1 MiB/s (lesson 11's answers' clock), so a client
/// that never reads holds its answer's memory for a bounded time.
pub const ANSWER: Pace = Pace::new(Duration::from_secs(10), 1 << 20);

/// How often a connection waiting for a frame looks whether one has begun, to start its
/// request clock.
const CLOCK_CHECK: Duration = Duration::from_secs(5);

/// How soon a clock that ran out with bytes waiting looks again (next() reads them
/// meanwhile; the reactor may mark the socket readable a moment after the peek sees them).
const WAITING_RECHECK: Duration = Duration::from_millis(10);

/// How long shutting down waits for the connections to finish before it ends anyway.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// How long accepting pauses after it failed (out of descriptors, say).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How many requests of one connection get a line each; the rest are answered quietly.
const LINES_PER_CLIENT: usize = 20;

/// What the server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Wire {
    /// Lesson 06's, the notes' 方案一: a bare command in, its output as one frame out
    Commands,
    /// Lesson 11's upper-case echo, framed: a frame in, its body upper-cased in a frame out
    Echo,
}

/// What a demo is told, at the moments it orders its lines around: nothing, in two
/// terminals.
#[derive(Clone)]
pub struct Tell {
    pub accepted: Cue,
    pub began: Cue,
    pub finished: Cue,
    pub stopping: Cue,
}

impl Tell {
    pub const fn nobody() -> Self {
        Tell {
            accepted: Cue::off(),
            began: Cue::off(),
            finished: Cue::off(),
            stopping: Cue::off(),
        }
    }
}

/// One server's settings and shared state.
pub struct Server {
    pub wire: Wire,
    /// The longest wait for a connection's next request.
    pub idle: Duration,
    /// The connection cap: one permit a connection.
    slots: Arc<Semaphore>,
    max_clients: usize,
    /// Connections from each address (an IPv4 address, or an IPv6 /64).
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_per_address: usize,
    budget: Budget,
    connected: AtomicUsize,
    /// Connections that broke (a reset, an error): a few lines in any 10 s, then a count.
    broken: Mutex<LogGate>,
    tell: Tell,
}

impl Server {
    pub fn new(wire: Wire, idle: Duration, max_clients: usize, max_per_address: usize) -> Self {
        Server {
            wire,
            idle,
            slots: Arc::new(Semaphore::new(max_clients)),
            max_clients,
            per_address: Mutex::new(HashMap::new()),
            max_per_address,
            budget: Budget::new(crate::codec::MEMORY_BUDGET),
            connected: AtomicUsize::new(0),
            broken: Mutex::new(LogGate::lessons()),
            tell: Tell::nobody(),
        }
    }

    pub fn telling(self, tell: Tell) -> Self {
        Server { tell, ..self }
    }
}

/// Accepts until the first message on `stops` (Ctrl-C), a task per connection; then stops
/// accepting, asks every connection to end after its exchange in progress, and waits for
/// them (at most [`DRAIN_LIMIT`], or until a second message: Ctrl-C again). A channel, not
/// a future made when needed: a signal that comes between the two is kept, not lost.
pub async fn serve(
    listener: TcpListener,
    server: Arc<Server>,
    mut stops: mpsc::Receiver<()>,
) -> io::Result<()> {
    let who = Transcript::server();
    let stop = CancellationToken::new();
    let mut refused = 0usize;
    let mut accept_failed = false;
    loop {
        // 1. accept, or the shutdown: whichever comes first (`biased`: the shutdown is
        //    looked at first).
        let (stream, addr) = tokio::select! {
            biased;
            _ = stops.recv() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors (EMFILE), most often: one line, then a pause, not
                    // a line per try.
                    if !std::mem::replace(&mut accept_failed, true) {
                        say!(who, "accept failed: {e}; trying again every {} ms"
                            | "accept 失败：{e}；每 {} ms 重试一次", ACCEPT_BACKOFF.as_millis());
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        accept_failed = false;
        // 2. the caps: a permit of the connection cap, and room for one more from its
        //    address. Refused: closed at once, the first refusal in a row said.
        let slot = match admit(&server, addr.ip()) {
            Ok(slot) => slot,
            Err(why) => {
                if refused == 0 {
                    say!(
                        who,
                        "{addr} refused: {why} (more refusals are counted, not shown)"
                            | "拒绝 {addr}：{why}（之后的拒绝只计数，不再逐条显示）"
                    );
                }
                refused += 1;
                drop(stream);
                continue;
            }
        };
        if refused > 0 {
            say!(
                who,
                "accepting again; {refused} connection(s) refused meanwhile"
                    | "重新接受连接；期间拒绝了 {refused} 条连接"
            );
            refused = 0;
        }
        let now = server.connected.fetch_add(1, Ordering::Relaxed) + 1;
        say!(
            who,
            "accept -> a connection from {addr} ({now} connected)"
                | "accept -> 来自 {addr} 的连接（现在有 {now} 条连接）"
        );
        server.tell.accepted.give(); // demo only

        // 3. a task for this connection: the accept loop goes on at once. The task owns
        //    its socket and its permit; both are released when it ends.
        let (server, stop) = (Arc::clone(&server), stop.clone());
        tokio::spawn(async move {
            // The notes' header on this socket. A small read buffer (the default is 8 KiB):
            // it grows for a large frame, and is given back after one.
            let codec = Budgeted::new(server.budget.clone()).telling(server.tell.began.clone());
            let mut framed = Framed::with_capacity(stream, codec, 256);
            let ended = session(&mut framed, addr, &server, &stop).await;
            leave(&server, addr);
            let left = server.connected.fetch_sub(1, Ordering::Relaxed) - 1;
            // A broken connection's line goes through the gate: a peer that connects and
            // resets in a loop costs each time its accept line, not a second line.
            let shown = if ended.broke {
                let mut gate = server.broken.lock().unwrap_or_else(|e| e.into_inner());
                gate.admit()
            } else {
                Some(0)
            };
            let who = Transcript::server();
            if let Some(held) = shown.filter(|held| *held > 0) {
                say!(
                    who,
                    "({held} more broken connections were not logged)"
                        | "（另有 {held} 条断掉的连接没有写进日志）"
                );
            }
            if shown.is_some() {
                let why = ended.why;
                say!(
                    who,
                    "{addr} {why} ({left} still connected)" | "{addr} {why}（还有 {left} 条连接）"
                );
            }
            // The line first, then the close: the peer cannot see the end before the
            // server has said why.
            drop(framed);
            drop(slot);
            server.tell.finished.give(); // demo only
        });
    }
    // 4. graceful shutdown: no new connections (the listener closes), every connection
    //    told, and all permits back means every task has ended.
    drop(listener);
    let open = server.connected.load(Ordering::Relaxed);
    say!(
        who,
        "shutting down: no new connections; waiting for {open} connection(s) to finish (at most {})"
            | "正在关闭：不再接受新连接；等待 {open} 条连接结束（最多 {}）",
        limits::seconds(DRAIN_LIMIT)
    );
    stop.cancel();
    server.tell.stopping.give(); // demo only
    let all = u32::try_from(server.max_clients).unwrap_or(u32::MAX);
    tokio::select! {
        drained = timeout(DRAIN_LIMIT, server.slots.acquire_many(all)) => match drained {
            Ok(_) => say!(who, "every connection has ended: the server stops" | "所有连接都已结束：服务端停止"),
            Err(_) => say!(who, "{open} connection(s) still open after {limit}: the server stops anyway"
                | "{limit} 后仍有 {open} 条连接：服务端照样停止",
                open = server.connected.load(Ordering::Relaxed), limit = limits::seconds(DRAIN_LIMIT)),
        },
        Some(()) = stops.recv() => say!(who, "Ctrl-C again: the server stops now, {} connection(s) still open"
            | "又一次 Ctrl-C：服务端立即停止，还有 {} 条连接开着", server.connected.load(Ordering::Relaxed)),
    }
    // A count of broken connections still held back is said now, not lost.
    let held = server
        .broken
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take_held();
    if held > 0 {
        say!(
            who,
            "({held} more broken connections were not logged)"
                | "（另有 {held} 条断掉的连接没有写进日志）"
        );
    }
    Ok(())
}

/// A permit of the connection cap and a place among its address's connections, or why not.
fn admit(server: &Server, ip: IpAddr) -> Result<tokio::sync::OwnedSemaphorePermit, String> {
    let Ok(slot) = Arc::clone(&server.slots).try_acquire_owned() else {
        return Err(tr!(
            "already {} clients" | "已有 {} 个客户端",
            server.max_clients
        ));
    };
    let mut counts = server.per_address.lock().unwrap_or_else(|e| e.into_inner());
    let count = counts.entry(address_key(ip)).or_insert(0);
    if *count >= server.max_per_address {
        // The slot goes back as it is dropped.
        return Err(tr!(
            "already {} connections from its address" | "来自它的地址已有 {} 条连接",
            server.max_per_address
        ));
    }
    *count += 1;
    Ok(slot)
}

fn leave(server: &Server, addr: SocketAddr) {
    let mut counts = server.per_address.lock().unwrap_or_else(|e| e.into_inner());
    let key = address_key(addr.ip());
    if let Some(count) = counts.get_mut(&key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(&key);
        }
    }
}

/// An IPv4 address as it is; an IPv6 address by its /64, the block one host usually has.
fn address_key(ip: IpAddr) -> IpAddr {
    // An IPv4 client of a dual-stack (`::`) listener arrives as `::ffff:a.b.c.d`: its key is
    // the IPv4 address, not the /64 every such address shares (an attack found one IPv4
    // host with the quota's connections locking out every other IPv4 client).
    match ip.to_canonical() {
        v4 @ IpAddr::V4(_) => v4,
        IpAddr::V6(v6) => {
            let s = v6.segments();
            IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
        }
    }
}

/// One connection, to its end; returns how it ended, for the line that says so.
async fn session(
    framed: &mut Framed<TcpStream, Budgeted>,
    addr: SocketAddr,
    server: &Server,
    stop: &CancellationToken,
) -> Ended {
    let mut log = Lines { addr, said: 0 };
    let mut answered_after_stop = false;
    loop {
        // 1. shutting down: one more request is answered, the one in progress or whose
        //    bytes had come (even before this task first ran), then the connection ends,
        //    whatever else the client sends.
        if stop.is_cancelled() && (answered_after_stop || !request_waiting(framed)) {
            return shutting_down().into();
        }
        // 2. the request and its answer, by the wire.
        let answered = match server.wire {
            Wire::Commands => command(framed, server, stop, &mut log).await,
            Wire::Echo => echo(framed, server, stop, &mut log).await,
        };
        if let Err(why) = answered {
            return why;
        }
        answered_after_stop = stop.is_cancelled();
        // 3. buffers grown for a large frame go back: a connection that once carried 16
        //    MiB must not keep 16 MiB for the rest of its life.
        give_back(framed.read_buffer_mut());
        give_back(framed.write_buffer_mut());
    }
}

/// How a connection ended: the words after the address on its last line, and whether it
/// broke (a reset, an error). A peer can break connections as fast as it can open them
/// (connect, then a RST): those lines go through a gate, [`Server::broken`].
struct Ended {
    why: String,
    broke: bool,
}

impl From<String> for Ended {
    fn from(why: String) -> Self {
        Ended { why, broke: false }
    }
}

fn broke(why: String) -> Ended {
    Ended { why, broke: true }
}

fn shutting_down() -> String {
    tr!("closed: the server is shutting down" | "已关闭：服务端正在关闭")
}

fn idle(server: &Server) -> String {
    tr!(
        "sent nothing within {}: closing this connection" | "{}内什么都没有发：关闭这条连接",
        limits::seconds(server.idle)
    )
}

/// One connection's log: a line for each of its first [`LINES_PER_CLIENT`] requests, then
/// one saying the rest get none (a client that floods must not flood the log).
struct Lines {
    addr: SocketAddr,
    said: usize,
}

impl Lines {
    /// Whether this request gets its line.
    fn next(&mut self) -> bool {
        self.said += 1;
        if self.said == LINES_PER_CLIENT + 1 {
            let addr = self.addr;
            say!(Transcript::server(), "{addr}: more than {LINES_PER_CLIENT} requests: the rest are answered without a line each"
                | "{addr}：请求超过 {LINES_PER_CLIENT} 个：其余的照样回答，不再逐条显示");
        }
        self.said <= LINES_PER_CLIENT
    }
}

/// Lesson 06's wire: one read of at most 1024 bytes is one command (the notes' wire frames
/// only the answer); its output goes back as one frame. `Err` ends the connection.
async fn command(
    framed: &mut Framed<TcpStream, Budgeted>,
    server: &Server,
    stop: &CancellationToken,
    log: &mut Lines,
) -> Result<(), Ended> {
    let who = Transcript::server();
    let addr = log.addr;
    let mut buf = [0u8; RECV_SIZE];
    // The command is read bare from the socket under the Framed: this wire never asks the
    // codec for a frame, so the codec's read buffer stays empty. One read within the idle
    // limit, unless the shutdown comes first (`biased`: a command already there wins).
    let read = tokio::select! {
        biased;
        read = timeout(server.idle, framed.get_mut().read(&mut buf)) => read,
        () = stop.cancelled() => {
            if !bytes_waiting(framed.get_ref()) {
                return Err(shutting_down().into());
            }
            // A command has come: it is read and answered (this read does not wait).
            timeout(server.idle, framed.get_mut().read(&mut buf)).await
        }
    };
    let n = match read {
        Err(_) => return Err(idle(server).into()),
        Ok(Err(e)) => return Err(broke(tr!("broke the connection ({e})" | "连接出错（{e}）"))),
        Ok(Ok(0)) => return Err(tr!("closed the connection" | "关闭了连接").into()),
        Ok(Ok(n)) => n,
    };
    let request = &buf[..n];
    if request == b"q" {
        return Err(tr!("said q: closing this connection" | "发来 q：关闭这条连接").into());
    }
    if n == RECV_SIZE {
        // As lesson 06: a read that filled the buffer may be half a command; none of it
        // runs, and the connection ends (there is no telling where the rest ends).
        let refusal = tr!("error: the command filled the whole {RECV_SIZE}-byte read, so it may go on past it; nothing of it was run, and this connection is closed\n"
            | "错误：这条命令占满了整个 {RECV_SIZE} 字节的读取，后面可能还有；一个字也没有执行，这条连接已关闭\n");
        let _ = timeout(ANSWER.grace, framed.send(Bytes::from(refusal))).await;
        return Err(tr!(
            "sent a request that filled the {RECV_SIZE}-byte buffer: refused, nothing run, closing"
                | "请求占满了 {RECV_SIZE} 字节的缓冲区：拒绝，什么都没执行，关闭连接"
        )
        .into());
    }
    // The built-in commands take microseconds: run here, on the task. A slow one (a real
    // shell command) would go to spawn_blocking or tokio::process, never run inline.
    let mut output = commands::run_builtin(request);
    // No .await between making the answer and taking its bytes from the budget: at most one
    // unbudgeted answer per runtime thread exists at any moment.
    let room = match server.budget.take(output.len()) {
        Ok(room) => Some(room),
        Err(e) => {
            output = format!("error: {e}; try again later\n").into_bytes();
            None
        }
    };
    if log.next() {
        say!(
            who,
            "{addr}: command {} -> a frame: header {} + {}"
                | "{addr}：命令 {} -> 一个帧：固定报头 {} + {}",
            describe_ends(request, 32),
            header_hex(output.len()),
            describe_ends(&output, 16)
        );
    }
    send(framed, output).await?;
    drop(room);
    Ok(())
}

/// Lesson 11's echo, framed: a frame in (the codec, its length taken from the budget), its
/// body upper-cased in a frame out. `Err` ends the connection.
async fn echo(
    framed: &mut Framed<TcpStream, Budgeted>,
    server: &Server,
    stop: &CancellationToken,
    log: &mut Lines,
) -> Result<(), Ended> {
    let (body, room): Frame = match next_frame(framed, server, stop).await? {
        Some(frame) => frame,
        None => return Err(tr!("closed the connection" | "关闭了连接").into()),
    };
    // ASCII letters only (`commands::upper`): the answer is exactly as long as the frame,
    // so it fits the frame limit and the budget the request's bytes already hold.
    let answer = commands::upper(&body);
    if log.next() {
        say!(
            Transcript::server(),
            "{}: frame {} -> send back {}" | "{}：帧 {} -> 回送 {}",
            log.addr,
            describe_ends(&body, 24),
            describe_ends(&answer, 24)
        );
    }
    drop(body);
    send(framed, answer).await?;
    drop(room);
    Ok(())
}

/// The next whole frame: its first byte within the idle limit, then the request clock
/// ([`REQUEST`]: its grace from the first byte, and more for every byte that comes).
/// `Ok(None)`: the client closed between frames. The shutdown ends the wait only while no
/// frame has begun.
async fn next_frame(
    framed: &mut Framed<TcpStream, Budgeted>,
    server: &Server,
    stop: &CancellationToken,
) -> Result<Option<Frame>, Ended> {
    let idle_until = Instant::now() + server.idle;
    // The loop cannot see a frame begin (next() reads and waits on): it looks every
    // CLOCK_CHECK, so the request clock starts at most that late.
    let mut wake = idle_until.min(Instant::now() + CLOCK_CHECK);
    let mut watch_stop = true;
    loop {
        tokio::select! {
            biased;
            // next() keeps what it has read in the codec's buffer when another branch
            // wins: it is safe to stop and call again (cancel-safe).
            frame = framed.next() => return match frame {
                Some(Ok(frame)) => Ok(Some(frame)),
                None => Ok(None),
                Some(Err(e)) => Err(frame_error(&e, framed.read_buffer())),
            },
            () = stop.cancelled(), if watch_stop => {
                if framed.codec().began().is_none() && !bytes_waiting(framed.get_ref()) {
                    return Err(shutting_down().into());
                }
                watch_stop = false; // a frame has begun: it is answered first
            }
            () = sleep_until(wake) => {
                let now = Instant::now();
                // A clock that has run out ends the wait only when no bytes wait in the
                // kernel: bytes there came while this task was not reading (the server
                // stopped with SIGSTOP or Ctrl-Z, or busy), and next() reads them first
                // (`biased`). (An attack stopped the server 12 s mid-frame: it woke, read
                // 14 bytes, and called the client too slow while the rest of the frame
                // waited.) A frame is bounded, so bytes that keep coming end it.
                let ends_now = |wake: &mut Instant| {
                    let waiting = bytes_waiting(framed.get_ref());
                    if waiting {
                        *wake = now + WAITING_RECHECK;
                    }
                    !waiting
                };
                let Some(began) = framed.codec().began() else {
                    if now >= idle_until {
                        if !ends_now(&mut wake) {
                            continue;
                        }
                        return Err(idle(server).into());
                    }
                    wake = idle_until.min(now + CLOCK_CHECK);
                    continue;
                };
                // The clock moves on by what has arrived of the frame.
                let moved = framed.codec().moved(framed.read_buffer()) as u64;
                let allowed = Instant::from_std(began) + REQUEST.allowed(moved);
                if now >= allowed {
                    if !ends_now(&mut wake) {
                        continue;
                    }
                    return Err(tr!("sent {moved} bytes of a frame, then too slowly ({}): closing this connection"
                        | "发了一个帧的 {moved} 字节，之后太慢（{}）：关闭这条连接", REQUEST.describe()).into());
                }
                wake = allowed;
            }
        }
    }
}

/// Whether bytes from the client wait in the kernel, unread: a peek that never waits.
/// At shutdown, a task woken by the cancel may run before the reactor has marked its
/// socket readable (on a multi-thread runtime another thread hands out the events), so
/// `next()` can say "nothing yet" for bytes that came before the Ctrl-C. Seen in a test:
/// a half-sent frame was closed as "between requests".
fn bytes_waiting(stream: &TcpStream) -> bool {
    let mut one = [std::mem::MaybeUninit::<u8>::uninit(); 1];
    matches!(socket2::SockRef::from(stream).peek(&mut one), Ok(n) if n > 0)
}

/// Whether the client's next request has begun: bytes in the codec's buffer, or in the
/// kernel's.
fn request_waiting(framed: &Framed<TcpStream, Budgeted>) -> bool {
    !framed.read_buffer().is_empty() || bytes_waiting(framed.get_ref())
}

/// One line for a frame the codec refused or the stream cut. A bad header is a line a
/// peer can cause as fast as it can connect: it goes through the broken connections' gate
/// (an attack: 300 connections with a bad header made 104 KB of log, about 350 bytes each).
fn frame_error(e: &io::Error, buffered: &BytesMut) -> Ended {
    let header = buffered
        .get(..LEN_PREFIX_BYTES)
        .map(|h| h.try_into().expect("four bytes"));
    match e.kind() {
        io::ErrorKind::InvalidData => {
            return broke(tr!(
                "{}; closing this connection (after a bad header, no frame boundary can be found)"
                    | "{}；关闭这条连接：固定报头坏了之后，再也找不到帧的边界",
                describe_error(e, header)
            ))
        }
        io::ErrorKind::UnexpectedEof => tr!("{e}; the frame is dropped" | "{e}；丢弃这个帧"),
        io::ErrorKind::Other => {
            tr!("refused: {e}; closing this connection" | "拒绝：{e}；关闭这条连接")
        }
        _ => return broke(tr!("broke the connection ({e})" | "连接出错（{e}）")),
    }
    .into()
}

/// Sends one frame on the answers' clock: the whole answer must leave within
/// [`ANSWER`]'s allowance for its size, however the client takes it.
async fn send(framed: &mut Framed<TcpStream, Budgeted>, answer: Vec<u8>) -> Result<(), Ended> {
    let len = answer.len();
    match timeout(ANSWER.allowed(len as u64), framed.send(Bytes::from(answer))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(broke(tr!("is gone ({e})" | "已经不在了（{e}）"))),
        Err(_) => Err(tr!(
            "did not take its {len}-byte answer in time ({}): closing this connection"
                | "没有按时取走它的 {len} 字节回答（{}）：关闭这条连接",
            ANSWER.describe()
        )
        .into()),
    }
}

/// A buffer that grew past 64 KiB and is empty now is replaced by a small one.
fn give_back(buffer: &mut BytesMut) {
    if buffer.is_empty() && buffer.capacity() > 64 << 10 {
        *buffer = BytesMut::new();
    }
}

/// `44 04 00 00`, or why there is no header.
fn header_hex(len: usize) -> String {
    socket_lessons::wire::framing::header_hex(len)
}
