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
//! - the idle line after each demo: CPU time the process used while no client sent
//!   anything.
//!
//! Wire format: none, as in the notes: raw bytes in, the same bytes upper-cased out.
//!
//! Run it:
//! - `cargo run --example 11_concurrent_server`: the demo, the three ways in turn;
//! - terminal 1: `cargo run --example 11_concurrent_server -- server --way busy` (or
//!   `threads`, `poll`); terminals 2, 3, …: `cargo run --example 11_concurrent_server --
//!   client`, type lines, `q` to quit. Watch `top` while nobody types.
//!
//! Previous: lesson 10, authenticating a client. Next: lesson 12, UDP chat and a time server.

use clap::{Parser, Subcommand, ValueEnum};
use socket_lessons::demo::{self, Cue};
use socket_lessons::echo::{self, QUIT, RECV_SIZE};
use socket_lessons::limits;
use socket_lessons::net::{self, ListenOptions};
use socket_lessons::{measure, say, Endpoint, Input, Report, Transcript};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The listen backlog. The notes' `listen(5)` is fine for one client at a time; a server
/// meant for hundreds of simultaneous connections must let them queue, or the kernel drops
/// the excess SYNs and those clients retry a second later. (Linux caps it at somaxconn.)
const BACKLOG: i32 = 1024;

/// The most clients served at once; one more is told so and closed. For `threads` this is
/// also the most threads: each has its own stack (2 MiB of address space by default).
const MAX_CLIENTS: usize = 1000;

/// How much of a client's answers may wait unsent before the server stops reading from it:
/// a client that sends and never reads must not grow the server's memory without end.
const MAX_OUTBOX: usize = 1 << 20;

/// How long the demo leaves each server with nothing to do, to measure what idling costs.
/// It bounds a measurement; it decides nothing.
const IDLE_WINDOW: Duration = Duration::from_millis(200);

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
    },
    /// Run only a client: type lines, `q` or end of input quits. Start several.
    Client(Endpoint),
}

/// The three servers.
#[derive(ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// The notes' loop: non-blocking sockets tried in turn, never sleeping
    Busy,
    /// A thread per client, each blocking in its own recv
    Threads,
    /// One thread sleeping in epoll/kqueue until a socket is ready (mio)
    Poll,
}

impl Way {
    fn title(self) -> &'static str {
        match self {
            Way::Busy => "the notes' way: one thread, non-blocking sockets, each tried in turn, never sleeping",
            Way::Threads => "a thread per client, each blocking in its own recv",
            Way::Poll => "one thread, sleeping in epoll/kqueue until a socket is ready (mio)",
        }
    }
}

fn main() -> Result<(), Report> {
    match socket_lessons::cli::parse::<Cli>().side {
        None => demo::play(run_demo),
        Some(Side::Server { at, way }) => {
            let listener = at.listen(ListenOptions::new().backlog(BACKLOG))?;
            let control = Arc::new(Control::new(true, Cue::off(), Cue::off()));
            serve(way, listener, control)?;
            Ok(())
        }
        Some(Side::Client(at)) => {
            let mut stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            let input = Input::stdin("message for the server :>>>> ");
            echo::lines_client(&mut stream, input, &Transcript::client())
                .map_err(limits::answer_waited)?;
            Ok(())
        }
    }
}

fn serve(way: Way, listener: TcpListener, control: Arc<Control>) -> io::Result<()> {
    match way {
        Way::Busy => serve_busy(listener, &control),
        Way::Threads => serve_threads(listener, control),
        Way::Poll => serve_poll(listener, &control),
    }
}

// ---------------------------------------------------------------------------------------
// What every way shares: who is connected, what idling cost, when to stop
// ---------------------------------------------------------------------------------------

/// The server's bookkeeping, shared by all its threads.
struct Control {
    state: Mutex<Connected>,
    /// Set by the demo when it is over; a server looks at it when a connection arrives,
    /// so the demo stops a server blocked in `accept` by setting it and connecting once.
    stop: AtomicBool,
    /// Demo cues: after each accept line, after each "closed" line.
    accepted: Cue,
    finished: Cue,
}

struct Connected {
    count: usize,
    /// When the server last became idle (no client connected), and the process's CPU time
    /// then. `None` while clients are connected.
    idle_since: Option<(Instant, Option<Duration>)>,
}

impl Control {
    /// `report_first_idle`: whether the time before the first client counts as idle (in
    /// two-terminal mode it does: start the busy server, wait, connect, read the line).
    fn new(report_first_idle: bool, accepted: Cue, finished: Cue) -> Self {
        Control {
            state: Mutex::new(Connected {
                count: 0,
                idle_since: report_first_idle.then(idle_mark),
            }),
            stop: AtomicBool::new(false),
            accepted,
            finished,
        }
    }

    /// A client connected. Prints what the idle time before it cost, then the accept line.
    /// Returns `Arrival::Stop` when the demo is over, `Arrival::Full` when the server
    /// already has `MAX_CLIENTS`.
    fn arrive(&self, addr: SocketAddr) -> Arrival {
        let server = Transcript::server();
        // A poisoned lock only means another thread panicked while printing; the count
        // is still right (it is updated before anything that could panic).
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((since, cpu_then)) = state.idle_since.take() {
            let wall = since.elapsed();
            match (cpu_then, measure::process_cpu_time()) {
                (Some(then), Some(now)) => say!(
                    server,
                    "no client connected for {}; the process used {} of CPU meanwhile",
                    measure::ms(wall),
                    measure::ms(now.saturating_sub(then))
                ),
                _ => say!(
                    server,
                    "no client connected for {} (CPU time not measurable here)",
                    measure::ms(wall)
                ),
            }
        }
        if self.stop.load(Ordering::SeqCst) {
            say!(server, "the demo is over: stop");
            return Arrival::Stop;
        }
        if state.count >= MAX_CLIENTS {
            say!(server, "{addr} refused: already {MAX_CLIENTS} clients");
            return Arrival::Full;
        }
        state.count += 1;
        say!(
            server,
            "accept -> a connection from {addr} ({} connected)",
            state.count
        );
        self.accepted.give(); // demo only
        Arrival::Welcome
    }

    /// A client left (or broke); `why` says how.
    fn leave(&self, addr: SocketAddr, why: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.count -= 1;
        say!(
            Transcript::server(),
            "{addr} {why} ({} still connected)",
            state.count
        );
        if state.count == 0 {
            state.idle_since = Some(idle_mark());
        }
        self.finished.give(); // demo only
    }
}

fn idle_mark() -> (Instant, Option<Duration>) {
    (Instant::now(), measure::process_cpu_time())
}

enum Arrival {
    Welcome,
    Full,
    Stop,
}

/// One connection of the non-blocking servers (`busy` and `poll`): the socket, the
/// answers not yet sent, and whether the client has finished sending.
struct Conn<S> {
    stream: S,
    addr: SocketAddr,
    outbox: Vec<u8>,
    /// Set when the client closed its sending half (recv returned 0) or said `q`: nothing
    /// more is read, and the connection ends once the outbox is sent. A client may
    /// `shutdown(SHUT_WR)` right after its last message and still read the answer.
    ending: Option<String>,
}

/// What a turn at a connection found.
enum Turn {
    Open,
    /// The connection is over; the text says how.
    Over(String),
}

impl<S: Read + Write> Conn<S> {
    fn new(stream: S, addr: SocketAddr) -> Self {
        Conn {
            stream,
            addr,
            outbox: Vec::new(),
            ending: None,
        }
    }

    /// One turn at this connection, never waiting: read whatever has arrived, queue the
    /// answers, send as much as the socket takes now. A socket that has nothing says
    /// WouldBlock at once, where a blocking one would wait.
    ///
    /// The turn goes on until the socket itself says "wait" (WouldBlock) on the read or
    /// on the write. mio's readiness is edge-triggered: it reports "bytes arrived" or "room
    /// to write" once, when it happens. A turn that stopped reading because the outbox was
    /// full, then sent the whole outbox without filling the socket, would get no further
    /// event: bytes would sit unread in the kernel, and the client would wait for ever.
    fn take_turn(&mut self, buf: &mut [u8]) -> Turn {
        loop {
            // Read while there is room in the outbox (a client that sends and never reads
            // must not grow the server's memory without end).
            let mut read_waits = self.ending.is_some();
            while !read_waits && self.outbox.len() < MAX_OUTBOX {
                match self.stream.read(buf) {
                    // The notes: `if not msg: continue`, which keeps a dead connection in
                    // the list for ever and reads its end-of-stream again on every pass.
                    // Here the client is done sending: answer what it sent, then close.
                    Ok(0) => self.ending = Some("closed the connection".into()),
                    Ok(n) => {
                        let data = &buf[..n];
                        if data == QUIT {
                            self.ending = Some("said q: closing this connection".into());
                        } else {
                            let reply = echo::answer(self.addr, data, &Transcript::server());
                            self.outbox.extend_from_slice(&reply);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => read_waits = true,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Over(format!("broke the connection ({e})")),
                }
                read_waits |= self.ending.is_some();
            }
            // Send what the socket takes; keep the rest for the next turn. (The notes'
            // `c.send(...)` ignores how much was sent: the rest of the answer is lost.)
            let mut write_waits = false;
            while !write_waits && !self.outbox.is_empty() {
                match self.stream.write(&self.outbox) {
                    Ok(n) => {
                        self.outbox.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => write_waits = true,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Over(format!("is gone ({e})")),
                }
            }
            if self.outbox.is_empty() {
                if let Some(why) = self.ending.take() {
                    return Turn::Over(why);
                }
            }
            // An event will come for whichever side is waiting: bytes or room.
            if read_waits || write_waits {
                return Turn::Open;
            }
        }
    }
}

/// Whether an accept failed because this process (EMFILE) or the whole system (ENFILE)
/// has no descriptor left for the new connection. The connection stays queued in the
/// kernel; trying again at once fails again, so the servers wait a moment instead.
fn out_of_descriptors(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
    }
    #[cfg(windows)]
    {
        e.raw_os_error() == Some(10024) // WSAEMFILE
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = e;
        false
    }
}

/// How long a server waits before accepting again when it has no descriptor left.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// One line when accepting starts failing for lack of descriptors, one when it works again:
/// not a line per try (a busy loop retrying would write megabytes of the same error).
#[derive(Default)]
struct AcceptTrouble {
    out_of_descriptors: bool,
}

impl AcceptTrouble {
    /// An accept failed. Returns whether the caller should back off before trying again.
    fn failed(&mut self, e: &io::Error) -> bool {
        if out_of_descriptors(e) {
            if !self.out_of_descriptors {
                say!(
                    Transcript::server(),
                    "accept failed: {e}; serving the connected clients, and trying again every {} ms until a descriptor is free",
                    ACCEPT_BACKOFF.as_millis()
                );
                self.out_of_descriptors = true;
            }
            return true;
        }
        say!(Transcript::server(), "accept failed: {e}");
        false
    }

    /// An accept worked.
    fn ok(&mut self) {
        if std::mem::take(&mut self.out_of_descriptors) {
            say!(
                Transcript::server(),
                "a descriptor is free again: accepting"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// 1. The notes' way: try everything, all the time
// ---------------------------------------------------------------------------------------

fn serve_busy(listener: TcpListener, control: &Control) -> io::Result<()> {
    // 1. s.setblocking(False): accept returns WouldBlock at once when nobody is waiting.
    listener.set_nonblocking(true)?;
    let mut conns: Vec<Conn<TcpStream>> = Vec::new();
    let mut buf = [0u8; RECV_SIZE];
    let mut trouble = AcceptTrouble::default();
    let mut next_accept = Instant::now();
    loop {
        // 2. Try to accept one client (after a pause when descriptors ran out).
        let accepted = if Instant::now() >= next_accept {
            listener.accept()
        } else {
            Err(ErrorKind::WouldBlock.into())
        };
        match accepted {
            Ok((stream, addr)) => {
                trouble.ok();
                match control.arrive(addr) {
                    Arrival::Stop => return Ok(()),
                    Arrival::Full => drop(stream),
                    Arrival::Welcome => {
                        // The step the notes miss: an accepted socket does not inherit
                        // non-blocking mode (not on Linux, not in Python either), and one
                        // blocking recv on a quiet client would stall every other client.
                        match stream.set_nonblocking(true) {
                            Ok(()) => conns.push(Conn::new(stream, addr)),
                            // One connection's trouble ends that connection, not the server.
                            Err(e) => control.leave(addr, &format!("was dropped ({e})")),
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
        // 3. Give every connection a turn; drop the ones that are over.
        conns.retain_mut(|conn| match conn.take_turn(&mut buf) {
            Turn::Open => true,
            Turn::Over(why) => {
                control.leave(conn.addr, &why);
                false
            }
        });
        // DELIBERATE: and round again at once. Nothing in this loop ever waits, so with no
        // client sending anything it still runs millions of times a second: one core at
        // 100%, doing nothing. A sleep here would trade that for latency; the real fix
        // is to let the kernel wake us (way 3).
    }
}

// ---------------------------------------------------------------------------------------
// 2. A thread per client
// ---------------------------------------------------------------------------------------

fn serve_threads(listener: TcpListener, control: Arc<Control>) -> io::Result<()> {
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
        match control.arrive(addr) {
            Arrival::Stop => return Ok(()),
            Arrival::Full => continue,
            Arrival::Welcome => {}
        }
        // 2. …but the client is served on its own thread, so accept comes round again at
        //    once. Each thread is lesson 02's loop: blocking reads, asleep while idle.
        let for_thread = Arc::clone(&control);
        let spawned = std::thread::Builder::new()
            .name(format!("client {addr}"))
            .spawn(move || {
                // Lesson 02's loop (echo::serve): blocking reads, a blocking write_all that
                // makes only this client wait.
                let mut stream = stream;
                let why = echo::serve(&mut stream, addr, &Transcript::server());
                for_thread.leave(addr, &why);
            });
        if let Err(e) = spawned {
            // The OS refused a thread (memory, limits): the client is dropped (its socket
            // went with the closure), the server goes on.
            control.leave(addr, &format!("was dropped: no thread for it ({e})"));
        }
    }
}

// ---------------------------------------------------------------------------------------
// 3. Readiness polling: one thread that sleeps until something is ready
// ---------------------------------------------------------------------------------------

/// mio rather than the smaller `polling` crate: mio's registration API is safe Rust (with
/// `polling` 3, adding a socket is `unsafe`, since the caller must remove it before
/// closing), its sockets are non-blocking by construction, and it is the layer under tokio,
/// so what a learner sees here is what async Rust does underneath.
fn serve_poll(listener: TcpListener, control: &Control) -> io::Result<()> {
    use mio::{Events, Interest, Poll, Token};

    const LISTENER: Token = Token(0);

    // 1. The listener, non-blocking, handed to mio and registered: "wake me when a client
    //    is waiting to be accepted".
    listener.set_nonblocking(true)?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;

    let mut conns: HashMap<Token, Conn<mio::net::TcpStream>> = HashMap::new();
    let mut next_token = 1;
    let mut events = Events::with_capacity(256);
    let mut buf = [0u8; RECV_SIZE];
    let mut trouble = AcceptTrouble::default();
    loop {
        // 2. Sleep until the kernel has news (epoll_wait): zero CPU while nothing happens.
        //    Out of descriptors, the clients still queued get no new event (it came, once,
        //    when they connected): wake up after a moment to try them again.
        let wait = trouble.out_of_descriptors.then_some(ACCEPT_BACKOFF);
        if let Err(e) = poll.poll(&mut events, wait) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let retry = trouble.out_of_descriptors.then_some(LISTENER);
        let tokens: Vec<Token> = events.iter().map(|e| e.token()).chain(retry).collect();
        for token in tokens {
            if token == LISTENER {
                // 3. Accept everyone waiting: the event says "ready" once for all of them.
                loop {
                    let (mut stream, addr) = match listener.accept() {
                        Ok(pair) => {
                            trouble.ok();
                            pair
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => {
                            trouble.failed(&e);
                            break;
                        }
                    };
                    match control.arrive(addr) {
                        Arrival::Stop => return Ok(()),
                        Arrival::Full => continue,
                        Arrival::Welcome => {}
                    }
                    let token = Token(next_token);
                    next_token += 1;
                    // Readable: bytes came (or the client closed). Writable: room freed
                    // for an answer that did not fit before.
                    let registered = poll.registry().register(
                        &mut stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    );
                    match registered {
                        Ok(()) => {
                            conns.insert(token, Conn::new(stream, addr));
                        }
                        // One connection's trouble ends that connection, not the server.
                        Err(e) => control.leave(addr, &format!("was dropped ({e})")),
                    }
                }
            } else if let Some(conn) = conns.get_mut(&token) {
                // 4. A turn for the connection the kernel named, and only for it.
                if let Turn::Over(why) = conn.take_turn(&mut buf) {
                    let mut conn = conns.remove(&token).expect("it was just found");
                    // Closing would deregister it too; saying so keeps the two in step.
                    let _ = poll.registry().deregister(&mut conn.stream);
                    control.leave(conn.addr, &why);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The demo (the clients are lesson 02's, `echo::exchange`: the server's concurrency is
// invisible to them)
// ---------------------------------------------------------------------------------------

fn run_demo() -> Result<(), Report> {
    for (number, way) in (1..).zip([Way::Busy, Way::Threads, Way::Poll]) {
        say!(
            Transcript::named(format!("way {number}")),
            "{}",
            way.title()
        );
        demo_one_way(way)?;
    }
    Ok(())
}

fn demo_one_way(way: Way) -> Result<(), Report> {
    let listener = net::listen(
        "127.0.0.1:0".parse()?,
        ListenOptions::new().backlog(BACKLOG),
    )?;
    let addr = listener.local_addr()?;
    say!(Transcript::server(), "listening on {addr}");
    let (accepted, on_accepted) = demo::cue();
    let (finished, on_finished) = demo::cue();
    let control = Arc::new(Control::new(false, accepted, finished));
    let server_side = demo::spawn("server", {
        let control = Arc::clone(&control);
        move || serve(way, listener, control).map_err(Report::from)
    })?;

    // Three clients, all connected before anyone sends.
    let mut clients = Vec::new();
    for name in ["A", "B", "C"] {
        let client = Transcript::named(format!("client {name}"));
        say!(client, "connect to {addr}");
        let stream = net::connect_addr(addr)?;
        on_accepted.wait()?; // demo only: the server's accept line first
        clients.push((client, stream));
    }

    // Interleaved: each answer arrives while the other two clients are still connected.
    for (who, message) in [
        (0, "a1"),
        (1, "b1"),
        (2, "c1"),
        (1, "b2"),
        (0, "a2"),
        (2, "c2"),
    ] {
        let (client, stream) = &mut clients[who];
        echo::exchange(stream, message.as_bytes(), client)?;
    }

    // They leave in turn.
    for (client, stream) in clients {
        say!(client, "close");
        drop(stream);
        on_finished.wait()?;
    }

    // Nobody connected: what does waiting cost? (The server prints it when the next
    // connection arrives: the demo's own, which tells it to stop.)
    say!(
        Transcript::named("demo"),
        "no client for {} ms, then one connection to stop the server",
        IDLE_WINDOW.as_millis()
    );
    std::thread::sleep(IDLE_WINDOW);
    control.stop.store(true, Ordering::SeqCst);
    let _wake = net::connect_addr(addr)?;
    server_side.join()
}
