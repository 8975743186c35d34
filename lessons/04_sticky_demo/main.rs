//! # Lesson 04: 粘包 (sticky packets), shown on purpose
//!
//! Follows notes A §9.1 问题演示, notes B 粘包现象, notes C 粘包 and 两种情况下会发生粘包,
//! notes D 粘包现象, notes E §7 黏包.
//!
//! TCP carries a stream of bytes, not a series of messages: it keeps their order and loses
//! none, but where one `send` ended is not part of what arrives. A receiver sees whatever
//! has piled up in its buffer. Five scenes show what that does to programs that take one
//! `recv` for one message:
//!
//! 1. two small sends, read by one recv;
//! 2. a recv that asks for too little leaves the rest for the next one;
//! 3. a command's output larger than `recv(1024)` leaks into the next command's answer;
//! 4. a UTF-8 character cut in two by recv boundaries fails to decode;
//! 5. the notes' "sleep between the sends" workaround, and why it is no fix.
//!
//! Every scene is deterministic by construction: the reader first waits until the bytes it
//! is about to read are all in its buffer (peeking, without taking them), which is the
//! situation of any reader that is a little late. No scene relies on timing.
//!
//! Run it:
//! - `cargo run --example 04_sticky_demo` (all scenes) or `-- --scene 3` (one);
//! - terminal 1: `cargo run --example 04_sticky_demo -- server`, a command server like the
//!   notes' (built-in `seq N`, `echo TEXT`, `bytes N`), terminal 2: `… -- client`, then type
//!   `seq 300` and `echo hi` and watch the first answer leak into the second.
//!
//! Previous: lesson 03. Next: lesson 05 (UDP, which has no 粘包), then lesson 06 (the fix).

mod notes;

use clap::Parser;
use socket_lessons::guard::quiet::{Gate, LogGate};
use socket_lessons::guard::timed;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Cue, Hooks};
use socket_lessons::stage::serve::serve_in_turn_quietly;
use socket_lessons::stage::transcript::{describe, describe_answer, describe_ends};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Input, Report, Side, Transcript};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// How long a reader waits for bytes that are on their way before calling the demo broken.
const ARRIVAL_LIMIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// The server and the client of notes A §9.1 问题演示
// ---------------------------------------------------------------------------------------

/// The command server of notes A §9.1 / notes C 远程执行命令, with built-in commands:
/// recv(1024) is taken as one command, its whole output is sent back, no framing.
///
/// Its log cannot outgrow what clients send: a read is shown by at most 32 of its bytes,
/// and each kind of event (a command and its answer, a client leaving, a failure) gets at
/// most five lines in any 10 s; the rest are counted (`quiet`).
fn command_server(mut conn: TcpStream, addr: SocketAddr, quiet: &mut Quiet) {
    let server = Transcript::server();
    let mut buf = [0u8; RECV_SIZE];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => {
                if shown(&mut quiet.ends, &server) {
                    say!(
                        server,
                        "recv({RECV_SIZE}) -> 0 bytes: {addr} closed the connection"
                    );
                }
                return;
            }
            Ok(n) => n,
            Err(e) => {
                if shown(&mut quiet.failures, &server) {
                    say!(server, "recv from {addr} failed: {e}");
                }
                return;
            }
        };
        let show = shown(&mut quiet.commands, &server);
        if show {
            say!(
                server,
                "recv({RECV_SIZE}) -> {}",
                describe_ends(&buf[..n], 16)
            );
        }
        let output = commands::run_builtin(&buf[..n]);
        if show {
            say!(server, "send the output, {}", describe_ends(&output, 24));
        }
        if let Err(e) = conn.write_all(&output) {
            if shown(&mut quiet.failures, &server) {
                say!(server, "send to {addr} failed: {e}");
            }
            return;
        }
    }
}

/// One [`LogGate`] per kind of event the command server logs.
struct Quiet {
    /// A command and its answer (two lines).
    commands: LogGate,
    /// A client that closed.
    ends: LogGate,
    /// A read or a write the OS failed.
    failures: LogGate,
}

impl Default for Quiet {
    fn default() -> Self {
        Quiet {
            commands: LogGate::lessons(),
            ends: LogGate::lessons(),
            failures: LogGate::lessons(),
        }
    }
}

/// Whether this event gets its lines; prints first how many of its kind were held back.
fn shown(gate: &mut LogGate, who: &Transcript) -> bool {
    match gate.event() {
        Gate::Show => true,
        Gate::ShowAfter(held) => {
            say!(who, "{held}");
            true
        }
        Gate::Held => false,
    }
}

/// The client of notes A §9.1: a command, one recv(1024), the next command.
fn interactive_client(mut stream: TcpStream) -> Result<(), Report> {
    let client = Transcript::client();
    let mut input = Input::stdin("command :>>>> ");
    while let Some(line) = input.next_line()? {
        if line.is_empty() {
            continue; // lesson 02: an empty send sends nothing
        }
        if line == b"q" {
            break;
        }
        say!(client, "send {}", describe(&line));
        stream.write_all(&line)?;
        // DELIBERATE: one recv(1024) taken as the whole answer, as the notes do.
        let mut buf = [0u8; RECV_SIZE];
        let n = stream.read(&mut buf)?;
        if n == 0 {
            say!(client, "the server closed the connection");
            break;
        }
        say!(
            client,
            "recv({RECV_SIZE}) -> {}",
            describe_answer(&buf[..n], 24)
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// Lesson 04: 粘包 (sticky packets), shown on purpose (notes A §9.1, B 粘包现象, C 两种情况下会发生粘包, D, E §7).
///
/// With no subcommand, plays five scenes in which message boundaries are lost, each the
/// same every run. For two terminals: `server` is a command server like the notes' (built-in
/// `seq N`, `echo TEXT`, `bytes N`); `client` sends each line and prints one recv(1024).
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
    /// Demo: play only this scene (1-5)
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=5))]
    scene: Option<u8>,
}

fn main() -> Result<(), Report> {
    let cli = socket_lessons::stage::cli::parse::<Cli>();
    match cli.side {
        None => demo::play(move || run_demo(cli.scene)),
        Some(Side::Server(at)) => {
            let listener = at.listen(ListenOptions::new())?;
            let mut quiet = Quiet::default();
            serve_in_turn_quietly(&listener, &Hooks::none(), |conn, addr| {
                command_server(conn, addr, &mut quiet)
            });
            Ok(())
        }
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::Client(at)) => interactive_client(at.connect()?),
    }
}

// ---------------------------------------------------------------------------------------
// The scenes
// ---------------------------------------------------------------------------------------

fn run_demo(only: Option<u8>) -> Result<(), Report> {
    let scenes: [fn() -> Result<(), Report>; 5] = [
        two_sends_one_recv,
        short_recv_leaves_the_rest,
        answer_leaks_into_the_next,
        character_cut_in_two,
        sleep_is_no_fix,
    ];
    for (number, scene) in (1..).zip(scenes) {
        if only.is_none_or(|n| n == number) {
            scene()?;
        }
    }
    Ok(())
}

/// A listener on a free loopback port, announced by the scene's narrator.
fn set_scene(scene: &Transcript, title: &str) -> Result<(TcpListener, SocketAddr), Report> {
    say!(scene, "{title}");
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// The reading side of scenes 1, 2 and 4: accept, wait until `total` bytes are queued, then
/// one `recv(size)` for each size, printing each. Returns what the recvs returned.
fn late_reader(
    listener: TcpListener,
    total: usize,
    sizes: &[usize],
    accepted: &Cue,
) -> Result<Vec<Vec<u8>>, Report> {
    let server = Transcript::server();
    let (mut conn, addr) = listener.accept()?;
    say!(server, "accept -> a connection from {addr}");
    accepted.give(); // demo only

    // DEMO ORDER: read only once everything sent is here, as any reader a little late does.
    timed::wait_for_bytes(&conn, total, ARRIVAL_LIMIT)?;
    say!(server, "({total} bytes are waiting in the receive buffer)");
    let mut got = Vec::new();
    for &size in sizes {
        let mut buf = vec![0u8; size];
        let n = conn.read(&mut buf)?;
        say!(server, "recv({size}) -> {}", describe(&buf[..n]));
        got.push(buf[..n].to_vec());
    }
    Ok(got)
}

/// Scene 1 (notes B 粘包现象, notes C 两种情况 2, notes E §7 情况一): the sender's two
/// `send`s are one piece of data by the time anyone reads.
fn two_sends_one_recv() -> Result<(), Report> {
    let scene = Transcript::named("scene 1");
    let (listener, addr) = set_scene(&scene, "two small sends, read by one recv")?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        late_reader(listener, 10, &[RECV_SIZE, RECV_SIZE], &accepted)
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    // Two sends. With Nagle's algorithm on (the default), the second small write may wait
    // for the first one's ACK and leave in the same segment; TCP_NODELAY stops that wait,
    // not every merge (bytes queued for other reasons still leave together). On loopback
    // the ACK usually comes back before the second write: two segments (the page shows a
    // capture). Either way the reader below finds 10 bytes and no boundary between them.
    for message in [&b"hello"[..], b"world"] {
        say!(client, "send {}", describe(message));
        stream.write_all(message)?;
    }
    // Close without a line: nothing orders it against the server's next line.
    drop(stream);
    server_side.join()?;
    say!(
        scene,
        "two sends, one recv: the boundary between hello and world is gone. The second recv \
         returned 0 bytes: the client had closed"
    );
    Ok(())
}

/// Scene 2 (notes E §7 情况二, notes C 两种情况 1): the receiver takes less than is there;
/// the rest stays in the buffer and the next recv starts with it.
fn short_recv_leaves_the_rest() -> Result<(), Report> {
    let scene = Transcript::named("scene 2");
    let (listener, addr) = set_scene(&scene, "a recv that asks for too little")?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        late_reader(listener, 11, &[2, 10], &accepted)
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    let message = b"hei hei hei";
    say!(client, "send {}", describe(message));
    stream.write_all(message)?;
    server_side.join()?;
    say!(
        scene,
        "one send, two recvs: the second recv began with what the first one left behind"
    );
    Ok(())
}

/// Scene 3 (notes A §9.1, notes B 模拟ssh, notes C 两种情况 1, notes D): the answer to
/// `seq 300` is 1092 bytes; the client's recv(1024) takes 1024 of them, and the other 68
/// arrive as the start of the answer to the *next* command.
fn answer_leaks_into_the_next() -> Result<(), Report> {
    let scene = Transcript::named("scene 3");
    let (listener, addr) = set_scene(&scene, "a command's output larger than recv(1024)")?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let (conn, addr) = listener.accept()?;
        say!(Transcript::server(), "accept -> a connection from {addr}");
        accepted.give(); // demo only
        command_server(conn, addr, &mut Quiet::default());
        Ok(())
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    let mut queued = 0;
    for command in [&b"seq 300"[..], b"echo hi"] {
        say!(client, "send {}", describe(command));
        stream.write_all(command)?;
        // DEMO ORDER: wait until this command's whole answer has arrived (the client of the
        // notes cannot know its size; we do, since the output is built in). A recv made
        // earlier could return even less.
        queued += commands::run_builtin(command).len();
        timed::wait_for_bytes(&stream, queued, ARRIVAL_LIMIT)?;
        // DELIBERATE: one recv(1024) per command, as in the notes.
        let mut buf = [0u8; RECV_SIZE];
        let n = stream.read(&mut buf)?;
        queued -= n;
        say!(
            client,
            "recv({RECV_SIZE}) -> {}",
            describe_ends(&buf[..n], 20)
        );
    }
    say!(
        scene,
        "the answer to `echo hi` begins with 284, the rest of the answer to `seq 300`; every \
         answer from now on is off by 68 bytes"
    );
    say!(client, "close");
    drop(stream);
    server_side.join()
}

/// Scene 4 (notes B 粘包现象, the `你` example): `你好` is 6 bytes; recv(4) cuts the second
/// character in two, and neither piece decodes on its own.
fn character_cut_in_two() -> Result<(), Report> {
    let scene = Transcript::named("scene 4");
    let (listener, addr) = set_scene(&scene, "a UTF-8 character cut in two by recv")?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        late_reader(listener, 6, &[4, RECV_SIZE], &accepted)
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    let message = "你好".as_bytes();
    say!(client, "send {}", describe(message));
    stream.write_all(message)?;
    let pieces = server_side.join()?;
    // The notes' server calls .decode() on each piece and dies of UnicodeDecodeError. Bytes
    // must be put together *before* decoding.
    let joined = pieces.concat();
    say!(
        scene,
        "each piece fails to decode; the pieces joined: {}",
        describe(&joined)
    );
    Ok(())
}

/// Scene 5 (notes B 粘包现象, the `time.sleep(5)` workaround): a pause between the sends
/// keeps the messages apart only if the reader reads during the pause.
fn sleep_is_no_fix() -> Result<(), Report> {
    let scene = Transcript::named("scene 5");
    say!(scene, "the sleep between the sends");

    // (a) The sender sleeps, but the reader is busy and reads after both sends.
    let (listener, addr) = set_scene(
        &scene,
        "(a) the sender sleeps 100 ms; the reader reads late",
    )?;
    let (accepted, on_accepted) = demo::cue();
    let (sent, on_sent) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, addr) = listener.accept()?;
        say!(server, "accept -> a connection from {addr}");
        accepted.give(); // demo only
        on_sent.wait()?; // the reader is busy elsewhere until both sends are done
        timed::wait_for_bytes(&conn, 10, ARRIVAL_LIMIT)?;
        let mut buf = [0u8; RECV_SIZE];
        let n = conn.read(&mut buf)?;
        say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
        Ok(())
    })?;
    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    say!(client, "send {}", describe(b"hello"));
    stream.write_all(b"hello")?;
    say!(client, "sleep 100 ms (the notes sleep 5 s)");
    // DELIBERATE: the notes' workaround. It decides nothing here: the reader reads after
    // the second send whatever the pause, because it is busy until then.
    std::thread::sleep(Duration::from_millis(100));
    say!(client, "send {}", describe(b"world"));
    stream.write_all(b"world")?;
    sent.give();
    server_side.join()?;

    // (b) The reader reads before the second send: the messages stay apart, sleep or not.
    let (listener, addr) = set_scene(&scene, "(b) the reader reads before the second send")?;
    let (read_one, on_read_one) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, _) = listener.accept()?;
        let mut buf = [0u8; RECV_SIZE];
        for _ in 0..2 {
            let n = conn.read(&mut buf)?;
            say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
            read_one.give();
        }
        Ok(())
    })?;
    let mut stream = net::connect_addr(addr)?;
    say!(client, "send {}", describe(b"hello"));
    stream.write_all(b"hello")?;
    on_read_one.wait()?; // what the sleep hopes for: the reader has read before we go on
    say!(client, "send {}", describe(b"world"));
    stream.write_all(b"world")?;
    on_read_one.wait()?;
    server_side.join()?;
    say!(
        scene,
        "what kept the messages apart in (b) was the reader reading between the sends; a \
         sleep only makes that likely, costs its length on every message, and fails as soon \
         as the reader is slower than the pause. Lesson 06 marks the boundaries instead"
    );
    Ok(())
}
