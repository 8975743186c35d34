//! # Lesson 13: two sends per message, and the 40 ms they cost
//!
//! Past the notes. Every framed program in the notes sends a message as two `send` calls:
//! `conn.send(header)`, then `conn.send(body)` (notes A §9.2, notes C 方案一 and 方案二,
//! notes D). For a one-off download that is harmless. In a loop of small requests and
//! answers, it meets two TCP mechanisms that are each reasonable alone:
//!
//! - **Nagle's algorithm** (on by default): while a sent segment is not yet acknowledged,
//!   hold back further *small* segments and send them together later. The header went out;
//!   the body is small; so the body waits for the header's ACK.
//! - **Delayed ACK**: a receiver does not acknowledge at once; it waits a little (on Linux
//!   at least 40 ms) in the hope of putting the ACK on its answer. The server cannot answer:
//!   it has a header and no body. So the ACK waits for the timer.
//!
//! Each side waits for the other until the delayed-ACK timer fires: tens of milliseconds per
//! exchange, on a loopback that otherwise answers in microseconds. This lesson runs the same
//! request/response loop three ways and prints the time per exchange: two writes (the
//! notes'); one write of header and body together (`framing::write_frame`, one `writev`);
//! and two writes with TCP_NODELAY, which turns Nagle off.
//!
//! What to look at:
//! - the ratio: two writes are hundreds to thousands of times slower per exchange than one
//!   (about 40 ms against tens of microseconds on Linux), with the same bytes on the wire (a
//!   unit test checks that the bytes are identical);
//! - TCP_NODELAY fixes it too, at a cost one write does not have: two segments, two
//!   syscalls, twice the packets (for a busy server, twice the per-packet work);
//! - no test asserts a time: the transcript test masks the numbers and checks the rest.
//!
//! Wire format: lesson 06's, `struct.pack('i', len)` + body for requests and answers; the
//! request is `echo …`, so lesson 06's server and the notes-style Python framed server
//! answer it too.
//!
//! Run it (release, so that the fast cases measure the network, not debug code):
//! - `cargo run --release --example 13_nagle_stall`: the demo, three ways, 200 exchanges each;
//! - terminal 1: `cargo run --release --example 13_nagle_stall -- server`,
//!   terminal 2: `cargo run --release --example 13_nagle_stall -- client --writes two`
//!   (or `one`, `two-nodelay`; `--exchanges N`);
//! - the notes' way on both sides, in plain Rust (notes.rs): terminal 1: `cargo run
//!   --example 13_nagle_stall -- notes-server`, terminal 2: `… -- notes-client`.
//!
//! Previous: lesson 12, UDP chat and a time server. This is the last lesson.

mod notes;

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits;
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve::serve_in_turn;
use socket_lessons::wire::nagle::{self, Timing, Writes};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

/// How many exchanges each way: enough for the mean to be steady, few enough that the slow
/// way takes seconds, not minutes.
const EXCHANGES: usize = 200;

/// One request: a 4-byte header and a 60-byte body, 64 bytes on the wire.
const BODY_LEN: usize = 60;

// ---------------------------------------------------------------------------------------
// The server: one write per answer, always
// ---------------------------------------------------------------------------------------

/// One client at a time. `idle` bounds every wait for a client's bytes, and the write limit
/// every wait for it to take an answer: one client that stops cannot hold the others for
/// ever (the first client's reads here wait only for bytes a working client sends at once).
fn serve(listener: &TcpListener, idle: Duration, hooks: &Hooks) {
    serve_in_turn(listener, hooks, |mut conn, addr| {
        let server = Transcript::server();
        let limited = conn
            .set_read_timeout(Some(idle))
            .and_then(|()| conn.set_write_timeout(Some(limits::MESSAGE_LIMIT)));
        if let Err(e) = limited {
            say!(server, "{addr}: {e}; next client");
            return;
        }
        // read_frame waits for the whole request: with two writes, for the body that
        // Nagle is holding back on the client's side.
        match nagle::serve_echo(&mut conn) {
            Ok(n) => say!(
                server,
                "{n} requests answered; {addr} closed the connection"
            ),
            Err(e) if limits::is_timeout(&e) => say!(
                server,
                "{addr} sent nothing within {} (or took none of an answer within {}); next client",
                limits::seconds(idle),
                limits::seconds(limits::MESSAGE_LIMIT)
            ),
            Err(e) => say!(server, "{addr}: {e}; next client"),
        }
    });
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// The loop under test: `exchanges` times, send a request the `writes` way and read the
/// answer. (The code is `nagle::time_exchanges`; the benchmark runs the same function.)
fn exchange(stream: &mut TcpStream, writes: Writes, exchanges: usize) -> Result<Timing, Report> {
    let body = nagle::request_body(BODY_LEN);
    Ok(nagle::time_exchanges(stream, writes, exchanges, &body)?)
}

fn report(client: &Transcript, timing: &Timing) {
    say!(
        client,
        "{} exchanges in {}: {} per exchange",
        timing.exchanges,
        ms3(timing.total),
        ms3(timing.per_exchange())
    );
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
/// With no subcommand, runs the same request/response loop three ways (two writes, one
/// write, two writes with TCP_NODELAY) and prints the time per exchange. For two terminals:
/// start `server` first, then `client --writes two|one|two-nodelay`.
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
        /// The longest wait, in seconds, for a client's bytes before closing it
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the client: time request/response exchanges one way.
    Client {
        #[command(flatten)]
        at: Endpoint,
        /// How each request goes on the wire
        #[arg(long, default_value = "two", value_parser = socket_lessons::stage::cli::one_of(&Writes::ALL, Writes::name, Writes::about))]
        writes: Writes,
        /// How many exchanges
        #[arg(long, default_value_t = EXCHANGES)]
        exchanges: usize,
    },
    /// Run the notes' way in plain Rust (notes.rs): a server that echoes every frame as two
    /// writes, header then body, on the notes' address unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' way in plain Rust (notes.rs): a client that sends 10 framed requests
    /// as two writes each and prints how long each exchange took.
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
        Some(Side::Server { at, idle_limit }) => {
            let listener = at.listen(ListenOptions::new())?;
            serve(&listener, Duration::from_secs(idle_limit), &Hooks::none());
            Ok(())
        }
        Some(Side::Client {
            at,
            writes,
            exchanges,
        }) => {
            let mut stream = at.connect()?;
            let client = Transcript::client();
            say!(client, "{}: {}", writes.label(), how(writes));
            let timing = exchange(&mut stream, writes, exchanges)?;
            report(&client, &timing);
            Ok(())
        }
    }
}

/// What the client does, in words.
fn how(writes: Writes) -> &'static str {
    match writes {
        Writes::Two => "send(header), send(body), recv the answer; the notes' way",
        Writes::One => "header and body in one writev (write_frame), recv the answer",
        Writes::TwoNodelay => "send(header), send(body) with Nagle off, recv the answer",
    }
}

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

fn run_demo() -> Result<(), Report> {
    say!(
        Transcript::named("lesson 13"),
        "the same loop three ways: {EXCHANGES} exchanges of a {}-byte request (4-byte header \
         + {BODY_LEN}-byte body) and its answer",
        BODY_LEN + 4
    );
    let stage = demo::stage(
        ListenOptions::new(),
        Writes::ALL.len(),
        |listener, hooks| {
            serve(
                &listener,
                Duration::from_secs(limits::DEFAULT_IDLE_SECS),
                &hooks,
            );
            Ok(())
        },
    )?;
    let addr = stage.addr;

    let client = Transcript::client();
    // Time per exchange, for each way of writing.
    let mut per_exchange = Vec::new();
    for writes in Writes::ALL {
        say!(client, "{}: {}", writes.label(), how(writes));
        let mut stream = net::connect_addr(addr)?;
        stage.accepted()?; // demo only: the server's accept line first
        let timing = exchange(&mut stream, writes, EXCHANGES)?;
        report(&client, &timing);
        drop(stream);
        stage.finished()?;
        per_exchange.push((writes, timing.per_exchange()));
    }
    stage.end()?;

    // The ratios, against one write.
    let took = |way: Writes| {
        per_exchange
            .iter()
            .find(|(writes, _)| *writes == way)
            .map_or(0.0, |(_, time)| time.as_secs_f64())
    };
    let one = took(Writes::One).max(f64::MIN_POSITIVE);
    let result = Transcript::named("result");
    say!(
        result,
        "per exchange, two writes with Nagle on took {:.1}× as long as one write",
        took(Writes::Two) / one
    );
    say!(
        result,
        "two writes with TCP_NODELAY took {:.1}× as long as one write",
        took(Writes::TwoNodelay) / one
    );
    Ok(())
}
