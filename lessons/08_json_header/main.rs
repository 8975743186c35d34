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
//!   `cargo run --example 08_json_header -- client`, type commands, `q` to quit;
//! - the notes' program in plain Rust (`notes.rs`, notes D): `-- notes-server`, then
//!   `-- notes-client`.
//!
//! Previous: lesson 07, remote commands. Next: lesson 09, files with a JSON header.

mod cli;
mod log;
mod notes;
mod scenes;

use cli::{Cli, Side};
use log::{ended, gated, Gates};

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{self, LogGate};
use socket_lessons::guard::shell::{self, CommandLimits, Request};
use socket_lessons::guard::timed;
use socket_lessons::lang::{error_text, pick};
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve::serve_in_turn_gated;
use socket_lessons::stage::transcript::{describe_answer, describe_ends, hex, text_lossy};
use socket_lessons::wire::checksum::{is_md5_hex, md5_hex};
use socket_lessons::wire::encoding;
use socket_lessons::wire::framing::MAX_FRAME_LEN;
use socket_lessons::wire::header::{self, read_header, write_message};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Input, Report, Transcript};
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

/// How long an answer's header may take once its first byte has come: 10 s, then 500 bytes
/// a second, 20 s at most (Apache's mod_reqtimeout gives a request's header
/// `header=20-40,MinRate=500`). A header is a few dozen bytes; its 64 KiB limit would need
/// 3.2 KiB a second.
const HEADER_PACE: Pace = Pace::new(Duration::from_secs(10), 500).at_most(Duration::from_secs(20));

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

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// Serves clients one after another, for ever (a demo's `hooks` end it after its clients).
fn serve(
    listener: &TcpListener,
    limits: CommandLimits,
    waits: Limits,
    session: Duration,
    hooks: &Hooks,
) -> Result<(), Report> {
    let server = &Transcript::server();
    // What a command leaves running is this process's to find and kill (lesson 07).
    shell::contain_commands();
    // Ctrl-C or SIGTERM to the server kills the running command and all it started first.
    shell::kill_commands_on_interrupt();
    let mut gates = Gates::new();
    let mut accepts = LogGate::new(20, Duration::from_secs(10));
    serve_in_turn_gated(listener, hooks, &mut accepts, |conn, addr| {
        let rules = Rules {
            limits,
            waits: &waits,
            session,
        };
        serve_client(conn, addr, &rules, &mut gates, server)
    });
    Ok(())
}

/// What the server allows each client (lesson 07's rules).
struct Rules<'a> {
    /// The command's time and output limits.
    limits: CommandLimits,
    /// The idle limit between commands.
    waits: &'a Limits,
    /// How long one connection is served in all.
    session: Duration,
}

/// Sends `body` as one message, its header saying its size, md5 and which stream it is,
/// under the answer's clock (lesson 07's `ANSWER_PACE`).
fn send_answer(conn: &TcpStream, body: &[u8], source: shell::Source) -> io::Result<()> {
    let json = header::encode(&Header {
        total_size: body.len() as u64,
        md5: md5_hex(body),
        filename: source.name().to_owned(),
    })?;
    write_message(
        &mut Paced::new(conn, shell::ANSWER_PACE, pick("the answer", "回答")),
        &json,
        body,
    )
}

fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    rules: &Rules,
    gates: &mut Gates,
    server: &Transcript,
) {
    let session = shell::Session::start(rules.session);
    let mut buf = vec![0u8; COMMAND_MAX];
    loop {
        // Receive a command (notes D receives and runs it before its step 1). SIMPLIFICATION:
        // one read is one command, as in the notes; the client sends the next only after the
        // whole answer, so none can merge. A read that fills the buffer may be half a command:
        // refused, nothing of it run.
        let request = match shell::read_request(&mut conn, &mut buf, rules.waits, &session) {
            Request::Line(n) => &buf[..n],
            Request::Closed => {
                ended(gates, server, || {
                    say!(
                        server,
                        "recv -> 0 bytes: {addr} closed the connection"
                            | "recv -> 0 字节：{addr} 关闭了连接"
                    )
                });
                return;
            }
            Request::Idle => {
                ended(gates, server, || {
                    say!(
                        server,
                        "{addr}: {}; closing" | "{addr}：{}；关闭连接",
                        limits::timed_out(
                            pick("waiting for a command", "等待命令"),
                            rules.waits.idle
                        )
                    )
                });
                return;
            }
            Request::SessionOver => {
                let over = session.over();
                ended(gates, server, || {
                    say!(server, "{addr}: {}" | "{addr}：{}", over.log)
                });
                let _ = send_answer(&conn, &over.body, over.source);
                // A command may be on its way: read and drop it for a moment, so that
                // closing does not reset the connection before the client reads the notice.
                net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                return;
            }
            Request::TooLong => {
                let refusal = shell::too_long(buf.len());
                ended(gates, server, || {
                    say!(server, "recv -> {}", describe_ends(&buf, 16));
                    say!(server, "{}", refusal.log);
                });
                let _ = send_answer(&conn, &refusal.body, refusal.source);
                // The rest of the line is on its way: read and drop it for a moment, so that
                // closing does not reset the connection before the client reads the answer.
                net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                return;
            }
            Request::Failed(e) => {
                ended(gates, server, || {
                    say!(
                        server,
                        "{addr}: recv failed: {}" | "{addr}：recv 失败：{}",
                        error_text(&e)
                    )
                });
                return;
            }
        };
        if request == QUIT {
            ended(gates, server, || {
                say!(server, "recv -> {}", describe_ends(request, 16));
                say!(
                    server,
                    "{addr} said q: closing the connection" | "{addr} 说了 q：关闭连接"
                );
            });
            return;
        }

        // Run it, by lesson 07's rules (time limit, output limit, stdout or else stderr,
        // what it left running killed).
        let shell::Answer { body, source, .. } =
            shell::answer_request(request, rules.limits, MAX_FRAME_LEN);

        // 1. make the header (notes D 1:先制作报头): the size and md5 of the very bytes
        // that follow.
        let header = Header {
            total_size: body.len() as u64,
            md5: md5_hex(&body),
            filename: source.name().to_owned(),
        };
        let json = match header::encode(&header) {
            Ok(json) => json,
            Err(e) => {
                ended(gates, server, || {
                    say!(server, "{addr}: {e}" | "{addr}：{e}")
                });
                return;
            }
        };
        gated(&mut gates.commands, server, || {
            // A preview: at most 16 bytes from each end, however long the command.
            say!(server, "recv -> {}", describe_ends(request, 16));
            say!(
                server,
                "header {} ({} bytes)" | "JSON 报头 {}（{} 字节）",
                text_lossy(&json),
                json.len()
            );
            say!(
                server,
                "write_message: header length {} + {}-byte header + {}-byte body, in one write"
                    | "write_message：报头长度 {} + {} 字节的 JSON 报头 + {} 字节的真实数据，一次写入",
                hex(&(json.len() as i32).to_le_bytes()),
                json.len(),
                body.len()
            );
        });

        // 2-4. send the header's length, the header, the body (notes D 2, 3, 4): one write,
        // where the notes make three or four `send` calls (each a chance for a partial
        // send, and together a Nagle stall). The whole answer is under one clock
        // (lesson 07's ANSWER_PACE), not a limit on each write.
        let sent = write_message(
            &mut Paced::new(&conn, shell::ANSWER_PACE, pick("the answer", "回答")),
            &json,
            &body,
        );
        if let Err(e) = sent {
            let timed_out = limits::is_timeout(&e);
            let e = error_text(&e);
            ended(gates, server, || {
                if timed_out {
                    say!(server, "{addr}: {e}; closing" | "{addr}：{e}；关闭连接");
                } else {
                    say!(
                        server,
                        "{addr}: write failed: {e}" | "{addr}：写入失败：{e}"
                    );
                }
            });
            return;
        }
    }
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
        say!(client, "send {}", describe_answer(line, 48));
    }
    stream.write_all(line)?;
    receive(stream, client)
}

/// Receives one answer and checks it; see [`command`] for what the results mean.
fn receive(stream: &mut TcpStream, client: Option<&Transcript>) -> Result<Answer, Report> {
    // 0. the answer's first byte: the server runs the command first, which may take up to
    // its time limit, so this wait is the long one (60 s, `limits::answer_limit`).
    if !limits::answer_begins(stream)? {
        return Ok(Answer::Closed);
    }
    // 1-2. the header length, then the header (notes D 1:先收报头长度, 2:先收报头; put
    // together if it comes in pieces, unlike the notes' `recv(header_size)`), then its
    // fields: the whole header under one clock (HEADER_PACE), so that a server sending it a
    // byte at a time cannot hold this client, as it could with a limit on each read.
    let label = pick("the answer's header", "回答的 JSON 报头");
    let Some(header) = read_header::<Header>(&mut Paced::new(stream, HEADER_PACE, label))? else {
        return Ok(Answer::Closed);
    };
    if let Some(client) = client {
        say!(
            client,
            "read_header -> total_size {}, md5 {}, filename {}"
                | "read_header -> total_size {}，md5 {}，filename {}",
            header.total_size,
            // A server's text, shown short: a 50 KB "md5" was printed whole before.
            quiet::field(&header.md5),
            quiet::preview_text(&header.filename)
        );
    }

    // 3. the body (notes D 3:循环收完整数据): exactly total_size bytes, counted as they really arrive
    // (not the notes A §9.2 `count += buffer_size`), into one buffer sized once (not `res +=
    // recv()`, which copies everything received so far on every chunk).
    if header.total_size > MAX_BODY {
        return Err(Report::msg(tr!(
            "size check failed: total_size {} is over this client's limit of {MAX_BODY} \
             bytes (it keeps an answer in memory; lesson 09 streams to disk)"
                | "大小校验失败：total_size {} 超过了这个客户端 {MAX_BODY} 字节的上限（它把回答放在内存里；第 09 课则边收边写到磁盘上）",
            header.total_size
        )));
    }
    // The body under its own clock: 10 s, then at least 1 MiB a second on average
    // (lesson 07's ANSWER_PACE), so that a server that stalls halfway is given up on.
    let mut body = Vec::with_capacity(header.total_size as usize);
    let label = pick("the answer's body", "回答的真实数据");
    let got = Paced::new(stream, shell::ANSWER_PACE, label)
        .take(header.total_size)
        .read_to_end(&mut body)?;
    if (got as u64) < header.total_size {
        return Err(Report::msg(tr!(
            "size check failed: the header says total_size {}, the stream ended after {got} \
             bytes"
                | "大小校验失败：JSON 报头说 total_size 是 {}，字节流却只到了 {got} 字节就结束了",
            header.total_size
        )));
    }

    // 4. (the course's step; the notes only print the md5) the md5 of what arrived against the
    // md5 the header promised.
    let actual = md5_hex(&body);
    if !is_md5_hex(&header.md5) {
        return Ok(Answer::Md5Failed(tr!(
            "md5 check failed: the header's md5 {} is not an md5 at all (32 hex digits); \
             the body's is {actual}"
                | "md5 校验失败：JSON 报头里的 md5 {} 根本不是 md5（md5 是 32 个十六进制数字）；真实数据的 md5 是 {actual}",
            quiet::preview_text(&header.md5)
        )));
    }
    if !header.md5.eq_ignore_ascii_case(&actual) {
        return Ok(Answer::Md5Failed(tr!(
            "md5 check failed: the header says {}, the {} bytes received hash to {actual}"
                | "md5 校验失败：JSON 报头说是 {}，收到的 {} 字节算出来是 {actual}",
            quiet::field(&header.md5),
            got
        )));
    }
    if let Some(client) = client {
        say!(
            client,
            "size {got} and md5 both match -> {}" | "大小 {got} 和 md5 都对得上 -> {}",
            describe_ends(&body, 16)
        );
    }
    Ok(Answer::Verified(body))
}

/// The two-terminal client: each typed line is a command; a verified answer is printed as
/// the command wrote it, a failed check as one line.
fn interactive_client(mut stream: TcpStream, encoding: &'static Encoding) -> Result<(), Report> {
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
        // What came before the request is no answer to it (timed::drop_unasked).
        let unasked = timed::drop_unasked(&stream)?;
        if unasked > 0 {
            say!(client, "{}", timed::unasked_line(unasked));
        }
        match command(&mut stream, &line, None)? {
            Answer::Closed => {
                say!(
                    client,
                    "the server closed the connection" | "服务端关闭了连接"
                );
                break;
            }
            Answer::Verified(body) => {
                // Verified bytes, shown as text in the encoding the reader names (lesson 07).
                // Control characters escaped, as lesson 07's client does.
                let text = encoding::decode(&body, encoding);
                out.write_all(quiet::terminal_safe(&text).as_bytes())?;
                out.flush()?;
            }
            // The body was read to its end, so the stream is still in step: go on.
            Answer::Md5Failed(failed) => say!(client, "{failed}"),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&cli::ZH).side {
        None => demo::play(scenes::run_demo),
        Some(Side::Server {
            at,
            time_limit,
            idle_limit,
            session_limit,
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
            let session = Duration::from_secs(session_limit);
            serve(&listener, limits, waits, session, &Hooks::none())
        }
        Some(Side::Client { at, text }) => {
            let stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            interactive_client(stream, text.encoding())
        }
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
