//! # Lesson 10: is this client one of ours? Challenge and HMAC answer
//!
//! Follows notes E §6 socket进阶, 验证客户端合法性: before serving a client, the server
//! sends 32 random bytes; a client that knows the shared secret answers with
//! HMAC(secret, challenge); the server computes the same and compares. The secret itself
//! never crosses the wire, and a recorded answer is useless next time (new challenge).
//!
//! What to look at:
//! - a fresh challenge per connection (the notes make one before `accept`, which is fine
//!   for their one client and a replay hole the moment someone loops around `accept`);
//! - the answer read with a length and a time limit: a short answer is a refusal, not a
//!   wait forever, and not a `recv(16)` that happens to return 8 bytes;
//! - the comparison in constant time (`verify`), where the notes use `!=`;
//! - a verdict byte sent back, so the client knows (the notes' server only prints it);
//! - where the check sits: after it, the session is the plain echo of lesson 02, and
//!   nothing protects those bytes (see the doc: that is TLS's job).
//!
//! Wire format (notes E, plus the verdict byte):
//!
//! ```text
//! server ── 32 random bytes ──────────────────────────────▶ client
//! server ◀── HMAC-MD5(secret, challenge): 16 bytes ──────── client   (32 with --digest sha256)
//! server ── b"+" legitimate, then the echo  |  b"-" refused, then close ──▶ client
//! ```
//!
//! Run it:
//! - `cargo run --example 10_hmac_auth`: the demo, a legitimate client, one with the wrong
//!   secret, one that sends a short answer;
//! - terminal 1: `SOCKET_LESSONS_SECRET=… cargo run --example 10_hmac_auth -- server`,
//!   terminal 2: `SOCKET_LESSONS_SECRET=… cargo run --example 10_hmac_auth -- client`, then
//!   type lines for the echo, `q` to quit (or pass `--secret …` on both sides);
//! - `-- notes-server`, then `-- notes-client` or `-- notes-fake-client`: the notes' three
//!   programs in plain Rust (`notes.rs`), on the notes' port 1024 with the notes' key.
//!
//! In this directory: `notes.rs`, the notes' three programs; `main.rs`, the course's server,
//! client and command line; `key.rs`, the secret and the digest; `demo.rs`, the demo.
//!
//! Previous: lesson 09, files with a header. Next: lesson 11, several clients at once.

mod demo;
mod key;
mod notes;

use clap::{Parser, Subcommand};
use key::Key;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::pace::Pace;
use socket_lessons::guard::quiet::{Gate, LogGate};
use socket_lessons::guard::timed::{self, Filled};
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::demo::Hooks;
use socket_lessons::stage::echo;
use socket_lessons::stage::serve::serve_in_turn;
use socket_lessons::stage::transcript::describe;
use socket_lessons::stage::transcript::hex_start;
use socket_lessons::wire::auth::{self, Digest, CHALLENGE_LEN, LEGITIMATE, REFUSED};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Endpoint, Input, Report, Transcript};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// How long the server waits for the whole answer. A client that connects and says
/// nothing must not hold a one-client-at-a-time server forever.
const ANSWER_TIME_LIMIT: Duration = Duration::from_secs(10);

/// After a refusal, how long and how much the server reads and drops before closing (see
/// `net::close_gently`).
const DRAIN_TIME_LIMIT: Duration = Duration::from_secs(1);
const DRAIN_MAX: usize = 64 * 1024;

/// How long a checked client may take to read each echo answer (at most 1 KiB): 10 s,
/// then 1 KiB a second, on one clock for the whole answer. A socket's write timeout
/// (SO_SNDTIMEO) starts again with every partial write instead.
const ECHO_ANSWER: Pace = Pace::new(Duration::from_secs(10), 1024);

// ---------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------

/// One client at a time (lesson 03's loop): check it, then echo for it if it passed.
fn serve(listener: &TcpListener, secret: &[u8], digest: Digest, waits: &Limits, hooks: &Hooks) {
    // The check's lines, for the first 5 connections in any 10 s; then a count. A client
    // that connects and closes, again and again, sends nothing and would otherwise buy
    // three lines of log each time.
    let mut checks = LogGate::lessons();
    serve_in_turn(listener, hooks, |conn, addr| {
        let server = Transcript::server();
        let shown = match checks.event() {
            Gate::Show => true,
            Gate::ShowAfter(held) => {
                say!(server, "{held}");
                true
            }
            Gate::Held => false,
        };
        let lines = CheckLines {
            server: &server,
            shown,
        };
        match check(conn, addr, secret, digest, &lines) {
            Ok(Some(conn)) => echo(conn, addr, waits, &server),
            Ok(None) => {}
            Err(e) => say!(
                lines,
                "{addr}: {}; next client" | "{addr}：{}；换下一个客户端",
                socket_lessons::lang::error_text(&e)
            ),
        }
    });
}

/// One connection's check lines: printed, or held back by the gate in `serve`.
struct CheckLines<'a> {
    server: &'a Transcript,
    shown: bool,
}

impl CheckLines<'_> {
    fn say(&self, text: impl std::fmt::Display) {
        if self.shown {
            self.server.say(text);
        }
    }
}

/// The check of notes E §6, before any service. Returns the connection when the client
/// proved it knows the secret; otherwise sends the refusal, closes, and returns `None`.
fn check(
    mut conn: TcpStream,
    addr: SocketAddr,
    secret: &[u8],
    digest: Digest,
    server: &CheckLines,
) -> io::Result<Option<TcpStream>> {
    // 1. A new challenge for this connection: os.urandom(32) in the notes.
    let challenge = auth::challenge()?;
    say!(
        server,
        "send challenge {} ({CHALLENGE_LEN} random bytes)"
            | "send 挑战 {}（{CHALLENGE_LEN} 个随机字节）",
        hex_start(&challenge, 8)
    );
    conn.write_all(&challenge)?;

    // 2. The answer: exactly answer_len bytes, within a time limit. The notes' `recv(16)`
    //    may return fewer bytes than the client sent (a short read) and so refuse a good
    //    client, and it waits forever for one that sends nothing.
    let mut answer = vec![0u8; digest.answer_len()];
    let want = answer.len();
    let problem = match timed::read_exact_within(&mut conn, &mut answer, ANSWER_TIME_LIMIT)? {
        Filled::Full => {
            say!(
                server,
                "recv answer {} ({want} bytes)" | "recv 应答 {}（{want} 字节）",
                hex_start(&answer, 8)
            );
            // 3. Compute the same HMAC and compare, in constant time.
            if digest.verify(secret, &challenge, &answer) {
                None
            } else {
                Some(tr!("the answer is not {digest}(secret, challenge)"
                    | "应答不等于 {digest}(密钥, 挑战)"))
            }
        }
        Filled::Ended(got) => Some(tr!(
            "the answer ended after {got} of {want} bytes (the client closed)"
                | "应答的 {want} 字节只到了 {got} 字节就结束了（客户端关闭了连接）"
        )),
        Filled::TimedOut(got) => Some(tr!(
            "{got} of {want} answer bytes within {} s"
                | "{} 秒内应答的 {want} 字节只到了 {got} 字节",
            ANSWER_TIME_LIMIT.as_secs()
        )),
    };

    // 4. The verdict: printed, as the notes do, and sent, which they do not.
    match problem {
        None => {
            say!(
                server,
                "legitimate: {addr} knows the secret; echo from here on"
                    | "合法连接：{addr} 知道密钥；接下来是回显"
            );
            conn.write_all(&[LEGITIMATE])?;
            Ok(Some(conn))
        }
        Some(why) => {
            say!(
                server,
                "refused: {why}; closing" | "连接不合法：{why}；关闭连接"
            );
            // The client may have gone already: the verdict is a courtesy, not a need.
            let _ = conn.write_all(&[REFUSED]);
            net::close_gently(conn, DRAIN_TIME_LIMIT, DRAIN_MAX);
            Ok(None)
        }
    }
}

/// What a legitimate client gets: lesson 02's upper-case echo (`echo::serve`). Nothing
/// after the check is authenticated: it proved who opened the connection, not who sends
/// each later byte (an attacker on the path could inject them; TLS is how that is closed).
fn echo(mut conn: TcpStream, addr: SocketAddr, waits: &Limits, server: &Transcript) {
    // --idle-limit between messages, and each answer under its own clock (ECHO_ANSWER):
    // a checked client that goes quiet, or stops reading, does not hold this
    // one-at-a-time server for ever.
    if let Err(e) = waits.await_request(&conn) {
        say!(
            server,
            "{addr}: {}" | "{addr}：{}",
            socket_lessons::lang::error_text(&e)
        );
        return;
    }
    let ended = echo::serve_paced(&mut conn, addr, server, ECHO_ANSWER);
    say!(server, "{addr} {ended}");
}

// ---------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------

/// How the client's proof went.
enum Proved {
    /// The server sent `+`: the connection is ours to use.
    Legitimate(TcpStream),
    /// The server sent `-`.
    Refused,
    /// The server closed without a verdict: the notes' server does that, whatever it
    /// decided (it prints 合法连接 or 连接不合法 on its own side only).
    NoVerdict,
}

/// The client's half of notes E §6: read the challenge, answer it, read the verdict.
fn prove(
    mut stream: TcpStream,
    secret: &[u8],
    digest: Digest,
    client: &Transcript,
) -> Result<Proved, Report> {
    // 1. The challenge: exactly 32 bytes. The notes' `recv(32)` may return fewer.
    let mut challenge = [0u8; CHALLENGE_LEN];
    match timed::read_exact_within(&mut stream, &mut challenge, ANSWER_TIME_LIMIT)? {
        Filled::Full => {}
        Filled::Ended(got) => {
            return Err(Report::msg(tr!(
                "expected a {CHALLENGE_LEN}-byte challenge, got {got} bytes before the server \
                 closed: is this an authenticating server?"
                    | "挑战应该有 {CHALLENGE_LEN} 字节，服务端关闭之前只到了 {got} 字节：\
                 对面是做校验的服务端吗？"
            )))
        }
        Filled::TimedOut(got) => {
            return Err(Report::msg(tr!(
                "no {CHALLENGE_LEN}-byte challenge within {} ({got} bytes came): is this an \
                 authenticating server?"
                    | "{}内没有等到 {CHALLENGE_LEN} 字节的挑战（只到了 {got} 字节）：\
                 对面是做校验的服务端吗？",
                limits::seconds(ANSWER_TIME_LIMIT)
            )))
        }
    }
    say!(
        client,
        "recv challenge {}" | "recv 挑战 {}",
        hex_start(&challenge, 8)
    );

    // 2. The answer: HMAC(secret, challenge), sent whole.
    let answer = digest.answer(secret, &challenge);
    say!(
        client,
        "send answer {} ({digest}, {} bytes)" | "send 应答 {}（{digest}，{} 字节）",
        hex_start(&answer, 8),
        answer.len()
    );
    stream.write_all(&answer)?;

    // 3. The verdict byte.
    read_verdict(stream, client)
}

fn read_verdict(stream: TcpStream, client: &Transcript) -> Result<Proved, Report> {
    let mut verdict = [0u8; 1];
    let proved = match limits::read(&stream, &mut verdict).map_err(limits::answer_waited)? {
        0 => {
            say!(
                client,
                "the server closed without a verdict (the notes' server sends none; \
                 it prints its decision on its own side)"
                    | "服务端没有发判定结果就关闭了（笔记的服务端不发判定结果，\
                 只在它自己那边打印）"
            );
            Proved::NoVerdict
        }
        _ if verdict[0] == LEGITIMATE => {
            say!(
                client,
                "recv verdict {}: legitimate" | "recv 判定结果 {}：合法",
                describe(&verdict)
            );
            Proved::Legitimate(stream)
        }
        _ if verdict[0] == REFUSED => {
            say!(
                client,
                "recv verdict {}: refused" | "recv 判定结果 {}：拒绝",
                describe(&verdict)
            );
            Proved::Refused
        }
        _ => {
            return Err(Report::msg(tr!(
                "expected a verdict b\"+\" or b\"-\", got {}"
                    | "判定结果应该是 b\"+\" 或 b\"-\"，收到的却是 {}",
                describe(&verdict)
            )))
        }
    };
    Ok(proved)
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// Lesson 10: challenge–response client authentication with HMAC (notes E §6 验证客户端合法性).
///
/// With no subcommand, runs the server and three clients in one process: one that knows the
/// secret (and then uses the echo), one with the wrong secret, one that sends a short
/// answer. For two terminals: start `server` first, then `client`, both with the same
/// secret (`--secret` or SOCKET_LESSONS_SECRET) and the same `--digest`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Run only the server (start it first): challenge each client, then echo for the
    /// legitimate ones.
    Server {
        #[command(flatten)]
        at: Endpoint,
        #[command(flatten)]
        key: Key,
        /// The longest wait, in seconds, for a checked client's next message before
        /// closing it (the check itself must be answered within 10 s)
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Run only the client: answer the challenge, then type lines for the echo; `q` quits.
    Client {
        #[command(flatten)]
        at: Endpoint,
        #[command(flatten)]
        key: Key,
    },
    /// Run the notes' server in plain Rust (notes.rs, notes E §6) on the notes' address
    /// unless told otherwise: it checks one client with the notes' key, prints the verdict
    /// and ends.
    NotesServer(NotesEndpoint),
    /// Run the notes' client in plain Rust (notes.rs): it answers the challenge with the
    /// notes' key and ends.
    NotesClient(NotesEndpoint),
    /// Run the notes' fake client (假的客户端) in plain Rust (notes.rs): the same answer,
    /// computed with another key, which the server must refuse.
    NotesFakeClient(NotesEndpoint),
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 10 课：用 HMAC 做挑战–应答，验证客户端的合法性（笔记 E §6 验证客户端合法性）。",
    long_about: "第 10 课：用 HMAC 做挑战–应答，验证客户端的合法性（笔记 E §6 验证客户端合法性）。\n\n\
                 不带子命令时，在一个进程里运行服务端和三个客户端：一个知道密钥（通过后使用回显），\
                 一个密钥不对，一个只发半截应答。两个终端：先启动 server，再启动 client，\
                 两边用同一个密钥（--secret 或 SOCKET_LESSONS_SECRET）和同一个 --digest。",
    subcommands: &[
        ("server", "只运行服务端（先启动）：向每个客户端发出挑战，再为合法的客户端做回显"),
        ("client", "只运行客户端：应答挑战，然后输入要回显的行；q 退出"),
        ("notes-server", "运行笔记的服务端，用纯 Rust 写成（notes.rs，笔记 E §6），默认用笔记自己的地址：用笔记的密钥校验一个客户端，打印判定结果，然后结束"),
        ("notes-client", "运行笔记的客户端，用纯 Rust 写成（notes.rs）：用笔记的密钥应答挑战，然后结束"),
        ("notes-fake-client", "运行笔记的假客户端（假的客户端），用纯 Rust 写成（notes.rs）：步骤相同，但用另一把密钥算应答，服务端必须拒绝它"),
    ],
    options: &[
        ("secret", "共享密钥。最好放在环境变量里：命令行参数机器上的每个用户都能看到（`ps`）"),
        ("digest", "HMAC 底下用的哈希：md5 是笔记的 Python 程序算的（为了和它们互通而保留）；sha256 是现在的首选"),
        ("idle_limit", "通过校验的客户端，下一条消息最多等多少秒，超时就关闭它（校验本身必须在 10 秒内答完）"),
        ("allow_short_secret", "接受比摘要短的密钥（md5 为 16 字节，sha256 为 32 字节），例如笔记里 13 字节的盐：只用于和把它写死在代码里的笔记程序配对。空密钥照样拒绝"),
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
        Some(Side::NotesFakeClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::fake_client(&host, port)?)
        }
        Some(Side::Server {
            at,
            key,
            idle_limit,
        }) => {
            let secret = key.checked_secret()?;
            let listener = at.listen(ListenOptions::new())?;
            if let Some(warning) = key.short_warning(secret) {
                say!(Transcript::server(), "{warning}");
            }
            let waits = Limits::server(Duration::from_secs(idle_limit));
            serve(&listener, secret, key.digest, &waits, &Hooks::none());
            Ok(())
        }
        Some(Side::Client { at, key }) => {
            // The client's answer is what a fake server would try guesses against: the
            // same refusal as the server's.
            let secret = key.checked_secret()?;
            let client = Transcript::client();
            if let Some(warning) = key.short_warning(secret) {
                say!(client, "{warning}");
            }
            let stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            match prove(stream, secret, key.digest, &client)? {
                Proved::Legitimate(mut stream) => {
                    let input = Input::stdin(socket_lessons::lang::pick(
                        "message for the server :>>>> ",
                        "发给服务端的消息 :>>>> ",
                    ));
                    echo::lines_client(&mut stream, input, &client)
                        .map_err(limits::answer_waited)?;
                    Ok(())
                }
                Proved::Refused => Err(Report::msg(tr!(
                    "the server refused our answer: is the secret (or --digest) the same on both sides?"
                        | "服务端拒绝了我们的应答：两边的密钥（以及 --digest）一样吗？"
                ))),
                Proved::NoVerdict => Ok(()),
            }
        }
    }
}
