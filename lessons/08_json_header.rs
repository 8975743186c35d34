//! # Lesson 08: a JSON header, with a real md5
//!
//! Follows notes C 粘包的解决方案 方案二 可自定制报头, notes D 解决粘包问题 (完整版), and the
//! idea in notes B 自定义协议解决粘包.
//!
//! Lesson 07's header was a bare length. Here the header is an object, serialized as JSON:
//! `{"total_size": …, "md5": …, "filename": …}`, the fields notes C and D use. Since JSON
//! has no length of its own on a stream, a 4-byte `struct.pack('i', len(header))` goes
//! first. The receiver reads the length, the header, then exactly `total_size` body bytes,
//! and checks both things the header promised: the size and the md5. It says which one
//! failed.
//!
//! What to look at:
//! - the message on the wire: length, JSON, body;
//! - a server that lies (short body, flipped byte, the notes' placeholder md5, a header
//!   that is not JSON or lacks `total_size`, a negative length, a 5 GiB claim): one line
//!   each from the client, which then goes on with a new connection;
//! - why an object beats a bare length: it carries metadata, and its size is a JSON number,
//!   not an `'i'` that stops at 2 GiB.
//!
//! The md5 is real (the md-5 crate); the notes put a placeholder there (`'fdsaf2143254f'`,
//! `'xxxxxxxxxxxxxxxxxxx'`). `filename` says which stream the body is, `stdout` or `stderr`
//! (the notes fill it with a placeholder too).
//!
//! Wire format, notes C 方案二's, so its Python client and server can be either side:
//! client → server, the command's bytes in one send; server → client,
//! `struct.pack('i', len(header))` + header JSON + `total_size` body bytes.
//!
//! Run it:
//! - `cargo run --example 08_json_header`: the demo;
//! - terminal 1: `cargo run --example 08_json_header -- server`, terminal 2:
//!   `cargo run --example 08_json_header -- client`, type commands, `q` to quit.
//!
//! Previous: lesson 07, remote commands. Next: lesson 09, files with a JSON header.

use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};
use socket_lessons::demo::{self, Cue};
use socket_lessons::framing::{hex, MAX_FRAME_LEN};
use socket_lessons::header::{self, is_md5_hex, md5_hex, read_header, write_message};
use socket_lessons::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::net::{self, ListenOptions};
use socket_lessons::shell::{self, CommandLimits, Request};
use socket_lessons::transcript::{bytes_literal, describe, describe_ends};
use socket_lessons::{say, Endpoint, Input, Report, Transcript};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// The most bytes read as one command (notes D reads `recv(8096)`).
const COMMAND_MAX: usize = 8192;

/// The word that ends a session.
const QUIT: &[u8] = b"q";

/// The largest answer the client keeps in memory. A header may announce far more (that is
/// the point of a JSON size); this client refuses it before reading a byte of the body.
/// Lesson 09 streams a body to disk instead.
const MAX_BODY: u64 = MAX_FRAME_LEN as u64;

/// The header of notes C 方案二 and notes D, fields in their order.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Header {
    /// The body's size in bytes. A JSON number: 5 GiB is as easy as 5 bytes.
    total_size: u64,
    /// `hashlib.md5(body).hexdigest()`.
    md5: String,
    /// What the body is: `stdout` or `stderr`. Notes C 方案二 spells it `file_name` (and
    /// notes D `filename`); both are read, and a header without it is still usable.
    #[serde(default, alias = "file_name")]
    filename: String,
}

/// Lesson 08: a JSON header with a real md5 (notes C 方案二, D 完整版, B 自定义协议).
///
/// With no subcommand, shows a message on the wire, a verified answer, a server that lies
/// in seven ways, and why a JSON size has no 2 GiB ceiling. For two terminals: start
/// `server` first, then `client`; type commands, `q` quits.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first). It runs what clients send through the shell,
    /// as the user who started it.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Seconds a command may run before it is killed
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        time_limit: u64,
        /// The longest wait, in seconds, for a client's next command before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the client. Type commands; `q` or end of input quits.
    Client(Endpoint),
}

fn main() -> Result<(), Report> {
    match socket_lessons::cli::parse::<Cli>().side {
        None => demo::play(run_demo),
        Some(Side::Server {
            at,
            time_limit,
            idle_limit,
        }) => {
            let listener = at.listen(ListenOptions::new())?;
            if let Some(warning) = shell::exposure_warning(listener.local_addr()?) {
                say!(Transcript::server(), "{warning}");
            }
            let limits = CommandLimits {
                time: Duration::from_secs(time_limit),
                output: MAX_FRAME_LEN,
            };
            let waits = Limits::server(Duration::from_secs(idle_limit));
            serve(&listener, limits, waits, None, &Cue::off(), &Cue::off())
        }
        Some(Side::Client(at)) => {
            let mut stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            let client = Transcript::client();
            let mut input = Input::stdin(">>> ");
            let mut out = io::stdout().lock();
            while let Some(line) = input.next_line()? {
                if line.is_empty() {
                    continue; // an empty send sends nothing (lesson 02)
                }
                if line == QUIT {
                    stream.write_all(QUIT)?;
                    break;
                }
                match command(&mut stream, &line, None)? {
                    Answer::Closed => {
                        say!(client, "the server closed the connection");
                        break;
                    }
                    Answer::Verified(body) => {
                        out.write_all(&body)?;
                        out.flush()?;
                    }
                    // The body was read to its end, so the stream is still in step: go on.
                    Answer::Md5Failed(failed) => say!(client, "{failed}"),
                }
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

fn serve(
    listener: &TcpListener,
    limits: CommandLimits,
    waits: Limits,
    clients: Option<usize>,
    accepted: &Cue,
    finished: &Cue,
) -> Result<(), Report> {
    let server = &Transcript::server();
    serve::serve_in_turn(listener, clients, accepted, finished, |conn, addr| {
        serve_client(conn, addr, limits, &waits, server)
    });
    Ok(())
}

fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    limits: CommandLimits,
    waits: &Limits,
    server: &Transcript,
) {
    let mut buf = vec![0u8; COMMAND_MAX];
    loop {
        // 1. receive a command. SIMPLIFICATION: one read is one command, as in the notes;
        // the client sends the next only after the whole answer, so none can merge. A read
        // that fills the buffer may be half a command: refused, nothing of it run.
        let request = match shell::read_request(&mut conn, &mut buf, waits) {
            Request::Line(n) => &buf[..n],
            Request::Closed => {
                say!(server, "recv -> 0 bytes: {addr} closed the connection");
                return;
            }
            Request::Idle => {
                say!(
                    server,
                    "{addr}: {}; closing",
                    limits::timed_out("waiting for a command", waits.idle)
                );
                return;
            }
            Request::TooLong => {
                say!(server, "recv -> {}", describe_ends(&buf, 16));
                let refusal = shell::too_long(buf.len());
                say!(server, "{}", refusal.log);
                if let Ok(json) = header::encode(&Header {
                    total_size: refusal.body.len() as u64,
                    md5: md5_hex(&refusal.body),
                    filename: refusal.source.name().to_owned(),
                }) {
                    let _ = write_message(&mut conn, &json, &refusal.body);
                }
                // The rest of the line is on its way: read and drop it for a moment, so that
                // closing does not reset the connection before the client reads the answer.
                net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                return;
            }
            Request::Failed(e) => {
                say!(server, "{addr}: recv failed: {e}");
                return;
            }
        };
        say!(server, "recv -> {}", describe(request));
        if request == QUIT {
            say!(server, "{addr} said q: closing the connection");
            return;
        }

        // 2. run it, by lesson 07's rules (time limit, output limit, stdout or else stderr).
        let shell::Answer { body, source, .. } =
            shell::answer_request(request, limits, MAX_FRAME_LEN);

        // 3. make the header: the size and md5 of the very bytes that follow.
        let header = Header {
            total_size: body.len() as u64,
            md5: md5_hex(&body),
            filename: source.name().to_owned(),
        };
        let json = match header::encode(&header) {
            Ok(json) => json,
            Err(e) => {
                say!(server, "{addr}: {e}");
                return;
            }
        };
        say!(server, "header {} ({} bytes)", show_json(&json), json.len());

        // 4. send length, header, body: one write, where the notes make three or four
        // `send` calls (each a chance for a partial send, and together a Nagle stall).
        say!(
            server,
            "write_message: header length {} + {}-byte header + {}-byte body, in one write",
            hex(&(json.len() as i32).to_le_bytes()),
            json.len(),
            body.len()
        );
        let sent = limits::WriteWithin::new(&conn, waits.message)
            .and_then(|mut bounded| write_message(&mut bounded, &json, &body));
        if let Err(e) = sent {
            if limits::is_timeout(&e) {
                say!(
                    server,
                    "{addr}: took no more of its answer within {}; closing",
                    limits::seconds(waits.message)
                );
            } else {
                say!(server, "{addr}: write failed: {e}");
            }
            return;
        }
    }
}

fn show_json(json: &[u8]) -> String {
    String::from_utf8_lossy(json).into_owned()
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// How one answer turned out, when the stream is still usable. (`Err` from [`command`] and
/// [`receive`] means it is not: a bad header, a body cut short; that connection is over.)
enum Answer {
    /// Size and md5 both checked out.
    Verified(Vec<u8>),
    /// Read to its end, but its md5 failed (the line says how): the stream is still in
    /// step, and the next command can go.
    Md5Failed(String),
    /// The server closed before answering.
    Closed,
}

/// Sends one command and receives its answer.
fn command(
    stream: &mut TcpStream,
    line: &[u8],
    client: Option<&Transcript>,
) -> Result<Answer, Report> {
    if let Some(client) = client {
        say!(client, "send {}", describe(line));
    }
    stream.write_all(line)?;
    receive(stream, client)
}

/// Receives one answer and checks it; see [`command`] for what the results mean.
fn receive(stream: &mut TcpStream, client: Option<&Transcript>) -> Result<Answer, Report> {
    // 1. the header length, then the header (put together if it comes in pieces, unlike
    // the notes' `recv(header_size)`), then its fields.
    let Some(header) = read_header::<Header>(stream).map_err(limits::answer_waited)? else {
        return Ok(Answer::Closed);
    };
    if let Some(client) = client {
        say!(
            client,
            "read_header -> total_size {}, md5 {}, filename {:?}",
            header.total_size,
            header.md5,
            header.filename
        );
    }

    // 2. the body: exactly total_size bytes, counted as they really arrive (not the notes
    // A §9.2 `count += buffer_size`), into one buffer sized once (not `res += recv()`,
    // which copies everything received so far on every chunk).
    if header.total_size > MAX_BODY {
        return Err(Report::msg(format!(
            "size check failed: total_size {} is over this client's limit of {MAX_BODY} \
             bytes (it keeps an answer in memory; lesson 09 streams to disk)",
            header.total_size
        )));
    }
    let mut body = Vec::with_capacity(header.total_size as usize);
    let got = Read::by_ref(stream)
        .take(header.total_size)
        .read_to_end(&mut body)?;
    if (got as u64) < header.total_size {
        return Err(Report::msg(format!(
            "size check failed: the header says total_size {}, the stream ended after {got} \
             bytes",
            header.total_size
        )));
    }

    // 3. the md5 of what arrived against the md5 the header promised.
    let actual = md5_hex(&body);
    if !is_md5_hex(&header.md5) {
        return Ok(Answer::Md5Failed(format!(
            "md5 check failed: the header's md5 {:?} is not an md5 at all (32 hex digits); \
             the body's is {actual}",
            header.md5
        )));
    }
    if !header.md5.eq_ignore_ascii_case(&actual) {
        return Ok(Answer::Md5Failed(format!(
            "md5 check failed: the header says {}, the {} bytes received hash to {actual}",
            header.md5, got
        )));
    }
    if let Some(client) = client {
        say!(
            client,
            "size {got} and md5 both match -> {}",
            describe_ends(&body, 16)
        );
    }
    Ok(Answer::Verified(body))
}

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

fn run_demo() -> Result<(), Report> {
    an_honest_server()?;
    a_server_that_lies()?;
    why_an_object_beats_a_bare_length()
}

/// The real server, two commands, both verified.
fn an_honest_server() -> Result<(), Report> {
    say!(
        Transcript::named("scene 1"),
        "the real server, two commands"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let limits = CommandLimits {
        time: shell::DEFAULT_TIME_LIMIT,
        output: MAX_FRAME_LEN,
    };
    let (accepted, on_accepted) = demo::cue();
    let (finished, on_finished) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let waits = Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS));
        serve(&listener, limits, waits, Some(1), &accepted, &finished)
    })?;
    let client = Transcript::client();
    say!(client, "connect to {addr}");
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?; // demo only
    for line in [&b"echo hello"[..], b"seq 3000"] {
        match command(&mut stream, line, Some(&client))? {
            Answer::Verified(_) => {}
            Answer::Md5Failed(failed) => say!(client, "{failed}"),
            Answer::Closed => return Err(Report::msg("the server closed early")),
        }
    }
    say!(client, "send b\"q\" and close");
    stream.write_all(QUIT)?;
    drop(stream);
    on_finished.wait()?;
    server_side.join()
}

/// A scripted server that answers `echo hello` with a different lie on each connection.
fn a_server_that_lies() -> Result<(), Report> {
    say!(
        Transcript::named("scene 2"),
        "a server that lies; each answer is to \"echo hello\", whose true answer is b\"hello\\n\""
    );
    let truth = b"hello\n";
    let md5 = md5_hex(truth);
    let header = |total_size: u64, md5: &str| {
        header::encode(&Header {
            total_size,
            md5: md5.to_owned(),
            filename: "stdout".into(),
        })
        .expect("a small header encodes")
    };
    let message = |json: Vec<u8>, body: &[u8]| {
        let mut wire = Vec::new();
        // Writing into a Vec cannot fail.
        write_message(&mut wire, &json, body).expect("a Vec takes every byte");
        wire
    };
    let lies: Vec<(&str, Vec<u8>)> = vec![
        (
            "a body one byte short, then close",
            message(header(6, &md5), b"hello"),
        ),
        (
            "one byte of the body flipped (o -> p)",
            message(header(6, &md5), b"hellp\n"),
        ),
        (
            "notes C 方案二's placeholder md5",
            message(header(6, "fdsaf2143254f"), truth),
        ),
        (
            "a header that is not JSON",
            message(b"total_size=6".to_vec(), truth),
        ),
        (
            "a header without total_size",
            message(
                format!(r#"{{"md5":"{md5}","filename":"stdout"}}"#).into_bytes(),
                truth,
            ),
        ),
        ("a header length of -1", b"\xff\xff\xff\xff".to_vec()),
        (
            "a header that claims 5 GiB",
            message(header(5 << 30, &md5), truth),
        ),
    ];

    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let count = lies.len();
    let liar_side = demo::spawn("liar", move || {
        let liar = Transcript::named("liar");
        for (what, wire) in lies {
            let (mut conn, _) = listener.accept()?;
            let mut buf = [0u8; COMMAND_MAX];
            let _ = conn.read(&mut buf)?;
            say!(liar, "{what}: {}", preview(&wire));
            conn.write_all(&wire)?;
        }
        Ok(())
    })?;
    let client = Transcript::client();
    for _ in 0..count {
        // A new connection each time: after a broken message the old one is out of step.
        let mut stream = net::connect_addr(addr)?;
        stream.write_all(b"echo hello")?;
        match receive(&mut stream, None) {
            Ok(Answer::Verified(_)) => say!(client, "size and md5 both match"),
            Ok(Answer::Md5Failed(failed)) => say!(client, "{failed}"),
            Ok(Answer::Closed) => say!(client, "the server closed without answering"),
            Err(e) => say!(client, "{e}"),
        }
    }
    liar_side.join()?;
    say!(
        Transcript::named("scene 2"),
        "every lie cost one line; nothing wrong was printed as the answer"
    );
    Ok(())
}

/// A message's bytes for the liar's line: the length in hex, the header, the body.
fn preview(wire: &[u8]) -> String {
    if wire.len() <= 4 {
        return format!("header length {}", hex(wire));
    }
    let len = i32::from_le_bytes([wire[0], wire[1], wire[2], wire[3]]) as usize;
    let rest = &wire[4..];
    let (json, body) = rest.split_at(len.min(rest.len()));
    format!(
        "{} + {} + body {}",
        hex(&wire[..4]),
        String::from_utf8_lossy(json),
        bytes_literal(body)
    )
}

/// A bare `'i'` length stops at 2 GiB; a JSON number does not, and the header carries more
/// than a size.
fn why_an_object_beats_a_bare_length() -> Result<(), Report> {
    let why = Transcript::named("scene 3");
    say!(why, "why a header object beats a bare length");
    let five_gib: u64 = 5 << 30;
    match i32::try_from(five_gib) {
        Ok(_) => unreachable!("5 GiB does not fit in 32 bits"),
        Err(_) => say!(
            why,
            "struct.pack('i', {five_gib}) fails: 'i' holds -2147483648..=2147483647, so a \
             bare length cannot announce a body of 2 GiB or more"
        ),
    }
    let json = header::encode(&Header {
        total_size: five_gib,
        md5: md5_hex(b""),
        filename: "disk.img".into(),
    })?;
    say!(
        why,
        "a JSON header says it in {} bytes: {}",
        json.len(),
        show_json(&json)
    );
    say!(
        why,
        "and it says more than the size: the md5 to check, the name to save under"
    );
    Ok(())
}
