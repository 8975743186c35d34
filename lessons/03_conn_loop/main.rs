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
//!   is set, and on Linux it must be set on the old listener as well as the new one.
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
use socket_lessons::guard::timed;
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Input, Report, Transcript};
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

// ---------------------------------------------------------------------------------------
// The server: notes A §8, a connection loop around a communication loop
// ---------------------------------------------------------------------------------------

/// Accepts clients one after another, for ever (in a demo, until its `hooks` say stop).
///
/// One thread, one client at a time: while this loop is inside [`serve_client`], nobody
/// calls `accept`, and every other client waits in the backlog. Lesson 11 serves several
/// at once.
fn serve(listener: &TcpListener, hooks: &Hooks) -> Result<(), Report> {
    let server = Transcript::server();
    let mut served = 0;
    while hooks.more(served) {
        // The connection loop: take the oldest connection from the backlog, or wait for one.
        let (conn, client_addr) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                say!(server, "accept failed: {e}; still listening");
                continue;
            }
        };
        say!(server, "accept -> a connection from {client_addr}");
        hooks.accepted(); // demo only
        serve_client(conn, client_addr, &server);
        served += 1;
    }
    Ok(())
}

/// The communication loop of lesson 02: upper-case echo until the client leaves. Written
/// out here rather than called from `echo::serve`, so that its lines can say what the
/// connection loop does next ("back to accept"). Every way a client can leave (q, close,
/// reset, a failed send) ends this client only.
fn serve_client(mut conn: TcpStream, client_addr: SocketAddr, server: &Transcript) {
    let mut buf = [0u8; RECV_SIZE];
    loop {
        let data = match conn.read(&mut buf) {
            Ok(0) => {
                say!(server, "{client_addr} closed the connection");
                return;
            }
            Ok(n) => &buf[..n],
            Err(e) => {
                say!(server, "recv from {client_addr} failed: {e}");
                return;
            }
        };
        say!(server, "recv({RECV_SIZE}) -> {}", describe(data));
        if data == QUIT {
            say!(server, "{client_addr} said q: back to accept");
            return;
        }
        let reply = commands::upper(data); // not UTF-8: ASCII letters only (lesson 02)
        say!(server, "send {}", describe(&reply));
        if let Err(e) = conn.write_all(&reply) {
            say!(server, "send to {client_addr} failed: {e}");
            return;
        }
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
        Some(Side::Server { at, no_reuseaddr }) => {
            let options = ListenOptions::new().reuse_address(!no_reuseaddr);
            let listener = at.listen(options)?;
            say!(
                Transcript::server(),
                "SO_REUSEADDR {}",
                on_off(options.reuse_address)
            );
            serve(&listener, &Hooks::none())
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
    restart_on_the_same_port()
}

/// Part 1: the second client waits in the backlog until the first one quits.
fn one_client_at_a_time() -> Result<(), Report> {
    let server = Transcript::server();
    say!(server, "part 1: one client at a time");
    let stage = demo::stage_saying(
        |addr| format!("listening on {addr}, backlog 5"),
        ListenOptions::new(),
        2,
        |listener, hooks| serve(&listener, &hooks),
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

/// Part 2: restart a server on the port it just used, SO_REUSEADDR off and on.
///
/// Each round: a listener, one client; the *server* closes the connection first (that is
/// the side that ends up in TIME_WAIT, for 60 s on Linux), then the listener; then a new
/// listener tries to bind the same port. Single-threaded: `connect` completes through the
/// backlog before `accept` is called.
fn restart_on_the_same_port() -> Result<(), Report> {
    let server = Transcript::server();
    let client = Transcript::client();
    say!(server, "part 2: restart on the same port");
    let rounds = [(false, false), (false, true), (true, false), (true, true)];
    let mut rebound = Vec::new();
    for (round, (old_reuse, new_reuse)) in rounds.into_iter().enumerate() {
        say!(
            server,
            "round {}: old listener SO_REUSEADDR={}, new listener SO_REUSEADDR={}",
            round + 1,
            on_off(old_reuse),
            on_off(new_reuse)
        );
        let old_listener = net::listen(
            "127.0.0.1:0".parse()?,
            ListenOptions::new().reuse_address(old_reuse),
        )?;
        let addr = old_listener.local_addr()?;
        say!(server, "listening on {addr}");
        let mut stream = net::connect_addr(addr)?;
        let (conn, client_addr) = old_listener.accept()?;
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
                rebound.push(round + 1);
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

/// Which OS's rule the four rounds showed, said from what happened (`rebound`: the rounds
/// whose new listener could bind), not from the OS the lesson was built for.
fn rules_observed(rebound: &[usize]) -> String {
    match rebound {
        [4] => "only round 4 bound: the Linux rule, a connection in TIME_WAIT holds its port \
                against a new listener unless both the old and the new listener set SO_REUSEADDR"
            .to_owned(),
        [1, 2, 3, 4] => "every round bound: the Windows rule, a connection in TIME_WAIT does \
                         not hold its port against a new listener; there SO_REUSEADDR means \
                         something else (binding a port that another socket is using)"
            .to_owned(),
        _ => format!("rounds {rebound:?} bound: neither the Linux nor the Windows rule"),
    }
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}
