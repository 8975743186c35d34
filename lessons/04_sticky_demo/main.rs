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
mod scenes;

use clap::Parser;
use socket_lessons::guard::quiet::{Gate, LogGate};
use socket_lessons::stage::cli::ZhHelp;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::serve::serve_in_turn_quietly;
use socket_lessons::stage::transcript::{describe_answer, describe_ends};
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{say, Input, Report, Side, Transcript};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
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
pub(crate) fn command_server(mut conn: TcpStream, addr: SocketAddr, quiet: &mut Quiet) {
    let server = Transcript::server();
    let mut buf = [0u8; RECV_SIZE];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) => {
                if shown(&mut quiet.ends, &server) {
                    say!(
                        server,
                        "recv({RECV_SIZE}) -> 0 bytes: {addr} closed the connection"
                            | "recv({RECV_SIZE}) -> 0 字节：{addr} 关闭了连接"
                    );
                }
                return;
            }
            Ok(n) => n,
            Err(e) => {
                if shown(&mut quiet.failures, &server) {
                    say!(
                        server,
                        "recv from {addr} failed: {}" | "从 {addr} recv 失败：{}",
                        socket_lessons::lang::error_text(&e)
                    );
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
            say!(
                server,
                "send the output, {}" | "send 命令的输出：{}",
                describe_ends(&output, 24)
            );
        }
        if let Err(e) = conn.write_all(&output) {
            if shown(&mut quiet.failures, &server) {
                say!(
                    server,
                    "send to {addr} failed: {}" | "向 {addr} send 失败：{}",
                    socket_lessons::lang::error_text(&e)
                );
            }
            return;
        }
    }
}

/// One [`LogGate`] per kind of event the command server logs.
pub(crate) struct Quiet {
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
    let mut input = Input::stdin(socket_lessons::lang::pick("command :>>>> ", "命令 :>>>> "));
    while let Some(line) = input.next_line()? {
        if line.is_empty() {
            continue; // lesson 02: an empty send sends nothing
        }
        if line == b"q" {
            break;
        }
        say!(client, "send {}", describe_answer(&line, 48));
        stream.write_all(&line)?;
        // DELIBERATE: one recv(1024) taken as the whole answer, as the notes do.
        let mut buf = [0u8; RECV_SIZE];
        let n = stream.read(&mut buf)?;
        if n == 0 {
            say!(
                client,
                "the server closed the connection" | "服务端关闭了连接"
            );
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

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 04 课：故意演示粘包（笔记 A §9.1，笔记 B 粘包现象，笔记 C 两种情况下会发生粘包，笔记 D，笔记 E §7）。",
    long_about: "第 04 课：故意演示粘包（笔记 A §9.1，笔记 B 粘包现象，笔记 C 两种情况下会发生粘包，笔记 D，笔记 E §7）。\n\n\
                 不带子命令时，演五幕，都是消息边界丢失的情形，每次运行结果都一样。两个终端：server 是一个和笔记里\
                 一样的命令服务端（内置 seq N、echo TEXT、bytes N）；client 把每一行发出去，然后只调用一次 \
                 recv(1024) 并打印结果。",
    subcommands: &[
        ("server", "只运行课程的命令服务端（先在终端 1 启动），它会打印绑定到的地址"),
        ("client", "只运行课程的客户端（在终端 2），然后输入命令，如 seq 300、echo hi；q 或输入结束（Ctrl-D）退出"),
    ],
    options: &[("scene", "演示：只演这一幕（1-5）")],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    let cli = socket_lessons::stage::cli::parse_in::<Cli>(&ZH);
    match cli.side {
        None => demo::play(move || scenes::run_demo(cli.scene)),
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
