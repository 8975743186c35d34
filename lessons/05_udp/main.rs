//! # Lesson 05: UDP, where every send is a message
//!
//! Follows notes A §6 UDP客户端服务端模型 and §7 …(通信循环), notes B udp协议, notes C
//! UDP协议下的socket, notes E §5 (基于UDP协议的socket) and §7 (UDP协议不会有黏包现象).
//!
//! UDP has no connection (no listen, no accept: `recvfrom` and `sendto` with an address
//! each time) and no stream: every `sendto` is one datagram and every `recvfrom` returns
//! exactly one, whole or cut. So there is no 粘包, and other things instead:
//!
//! - three sends are three datagrams, however late the reader;
//! - an empty datagram is a real message (in TCP, zero bytes means "closed");
//! - a datagram larger than the receive buffer is cut, and the rest is **gone**, not left
//!   for the next read as in TCP; the lesson detects it (MSG_TRUNC) and counts the loss;
//! - 65507 bytes is the most one IPv4 datagram can carry; 65508 is refused by `sendto`;
//! - a receiver whose buffer is full drops datagrams, on loopback too, and the sender is
//!   never told: the kernel counts them (SO_RXQ_OVFL, `/proc/net/snmp`'s RcvbufErrors).
//!
//! Run it:
//! - `cargo run --example 05_udp`: the demo;
//! - terminal 1: `cargo run --example 05_udp -- server`, terminal 2: `… -- client`, then
//!   type lines (an empty line is sent too: in UDP it is a message). Either can start
//!   first: there is no connection to refuse.
//!
//! Previous: lesson 04 (TCP's 粘包). Next: lesson 06, the fix for TCP.

mod notes;

use clap::Parser;
use socket2::Socket;
use socket_lessons::guard::limits;
use socket_lessons::guard::quiet::{Gate, LogGate, PREVIEW_BYTES};
use socket_lessons::guard::senders::Senders;
use socket_lessons::guard::timed;
use socket_lessons::stage::cli::ZhHelp;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo;
use socket_lessons::stage::transcript::{describe_answer, describe_ends};
use socket_lessons::wire::udp::{self, Datagram};
use socket_lessons::{say, Input, Report, Side, Transcript};
use std::net::SocketAddr;
use std::time::Duration;

mod burst;
mod scenes;

/// The notes' `recvfrom(1024)`.
const RECV_SIZE: usize = 1024;

/// How long the two-terminal client waits for an answer. UDP never retransmits: a lost
/// datagram (or no server at all) means no answer, ever.
const ANSWER_WAIT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------
// The server and the client of notes A §6-7 (UDP客户端服务端模型)
// ---------------------------------------------------------------------------------------

/// The server of notes A §7, for ever: no accept, no connection; every datagram says who
/// sent it.
///
/// Its log cannot outgrow what peers send: each datagram is shown by a short preview, and
/// at most five datagrams and five failures in any 10 s are shown at all; the rest are
/// counted, and the count is said when the next one is shown (`LogGate`). A flood of
/// datagrams costs a few lines, not a line each.
fn serve(socket: Socket) -> Result<(), Report> {
    // Ctrl-C, SIGTERM, SIGHUP, SIGUSR1…: one line, `interrupted`, and exit status 130.
    socket_lessons::guard::ending::say_when_ended();
    let server = Transcript::server();
    say!(
        server,
        "UDP socket bound to {}" | "UDP 套接字绑定到 {}",
        udp::local_addr(&socket)?
    );
    let (mut datagrams, mut failures) = (LogGate::lessons(), LogGate::lessons());
    let mut unanswered = LogGate::lessons();
    // Whom it answers: never itself, port 0 or a broadcast address, and no source more
    // than 50 times a second (guard::senders). Without it one datagram forged with the
    // server's own address as its source made it answer itself for ever.
    let mut senders = Senders::new(udp::local_addr(&socket)?);
    let mut buf = [0u8; RECV_SIZE];
    loop {
        // One datagram's trouble (say, an answer the OS could not send) costs one line;
        // the server goes on with the next datagram.
        let failed = match udp::recv_datagram(&socket, &mut buf) {
            Ok(d) => match senders.check(d.from) {
                Ok(()) => {
                    let shown = gate_open(&mut datagrams, &server);
                    echo(&socket, &buf, &d, shown.then_some(&server)).err()
                }
                Err(refused) => {
                    if gate_open(&mut unanswered, &server) {
                        say!(server, "{}: {}" | "{}：{}", d.from, refused.reason());
                    }
                    None
                }
            },
            Err(e) => Some(Report::from(e)),
        };
        if let Some(e) = failed {
            if gate_open(&mut failures, &server) {
                say!(
                    server,
                    "{}; waiting for the next datagram" | "{}；等待下一个数据报",
                    error_line(&e)
                );
            }
        }
    }
}

/// A failure as a line: an OS error in the language of the moment, with its number.
fn error_line(e: &Report) -> String {
    match e.inner().downcast_ref::<std::io::Error>() {
        Some(io) => socket_lessons::lang::error_text(io),
        None => e.to_string(),
    }
}

/// Whether this event's lines are printed; prints the count of those held back first.
fn gate_open(gate: &mut LogGate, who: &Transcript) -> bool {
    match gate.event() {
        Gate::Show => true,
        Gate::ShowAfter(held) => {
            say!(who, "{held}");
            true
        }
        Gate::Held => false,
    }
}

/// One turn of the server of notes A §7: one datagram in, the same upper-cased back to its
/// sender. `who` prints the two lines; `None` when the log gate holds them back.
fn echo(socket: &Socket, buf: &[u8], d: &Datagram, who: Option<&Transcript>) -> Result<(), Report> {
    let data = &buf[..d.len];
    if let Some(who) = who {
        say_received(who, buf.len(), d, data);
    }
    // Upper-case as the notes do with .decode().upper(), without dying on non-UTF-8.
    let reply = commands::upper(data);
    if let Some(who) = who {
        say!(
            who,
            "sendto {}: {}" | "sendto {}：{}",
            d.from,
            preview(&reply)
        );
    }
    // Every sendto names its destination: there is no connection to remember it.
    socket.send_to(&reply, &d.from.into())?;
    Ok(())
}

/// One turn of the server, printed in full (the demo's).
fn echo_one(socket: &Socket, server: &Transcript) -> Result<(), Report> {
    let mut buf = [0u8; RECV_SIZE];
    let d = udp::recv_datagram(socket, &mut buf)?;
    echo(socket, &buf, &d, Some(server))
}

/// A peer's bytes for a log line: whole up to [`PREVIEW_BYTES`], else their first and last
/// bytes and the count. A line never grows with what a peer sends.
fn preview(bytes: &[u8]) -> String {
    describe_ends(bytes, PREVIEW_BYTES / 2)
}

/// recvfrom into `buf`, printing what came and whether it was cut.
fn receive<'b>(
    socket: &Socket,
    buf: &'b mut [u8],
    who: &Transcript,
) -> Result<(&'b [u8], SocketAddr), Report> {
    let d = udp::recv_datagram(socket, buf)?;
    say_received(who, buf.len(), &d, &buf[..d.len]);
    Ok((&buf[..d.len], d.from))
}

/// What one recvfrom of `size` bytes returned: the datagram, or that it was cut.
fn say_received(who: &Transcript, size: usize, d: &Datagram, data: &[u8]) {
    if d.truncated {
        // The notes' Linux/macOS servers lose the tail without a word; Windows raises
        // WinError 10040 (notes B). Here the loss is reported, with its size when known.
        let lost = match (d.sent_len, d.lost()) {
            (Some(sent), Some(lost)) => {
                socket_lessons::tr!(
                    "the datagram of {sent} bytes did not fit: {lost} bytes of it were thrown away"
                        | "{sent} 字节的数据报装不下：其中 {lost} 字节被丢掉了"
                )
            }
            _ => socket_lessons::tr!(
                "the datagram did not fit: the rest was thrown away"
                    | "数据报装不下：剩下的部分被丢掉了"
            ),
        };
        say!(
            who,
            "recvfrom({size}) <- {}: {lost}" | "recvfrom({size}) <- {}：{lost}",
            d.from
        );
        say!(who, "kept {}" | "留下的是 {}", preview(data));
    } else {
        say!(
            who,
            "recvfrom({size}) <- {}: {}" | "recvfrom({size}) <- {}：{}",
            d.from,
            preview(data)
        );
    }
}

/// The client of notes A §7: each line one datagram, one answer awaited (not forever).
fn interactive_client(server_addr: SocketAddr) -> Result<(), Report> {
    let client = Transcript::client();
    // Any local port: the OS would pick one at the first sendto anyway.
    let any: SocketAddr = if server_addr.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let socket = udp::bind(any)?;
    // connect on UDP sends nothing: it records the server's address, and the kernel then
    // drops datagrams from anyone else. The notes' client takes a reply from whoever sends
    // one (`recvfrom` says who, and nobody checks). On Linux it also turns the "port
    // unreachable" a closed port answers with into an error (ECONNREFUSED), instead of a
    // silent wait; Windows reports it on any UDP socket, as WSAECONNRESET.
    socket.connect(&server_addr.into())?;
    socket.set_read_timeout(Some(ANSWER_WAIT))?;
    let mut input = Input::stdin(socket_lessons::lang::pick(
        "message for the server :>>>> ",
        "发给服务端的消息 :>>>> ",
    ));
    while let Some(line) = input.next_line()? {
        if line == b"q" {
            break;
        }
        // What waits before the request is no answer to it: a late answer to a request
        // given up on, a second copy, a forged one. Dropped with a line, or every later
        // answer would be one behind (lesson 12's time client does the same).
        let (late, late_bytes) = timed::drop_late_datagrams(&socket)?;
        if late > 0 {
            say!(client, "{}", timed::late_datagrams_line(late, late_bytes));
        }
        // A line too long for one datagram is not sent, and the next line is read (a
        // 70,000-byte line ended the client with "Message too long": an attack).
        let max = udp::max_payload(server_addr);
        if line.len() > max {
            say!(
                client,
                "{} bytes do not fit in one datagram (at most {max}): not sent"
                    | "{} 字节装不进一个数据报（最多 {max}）：没有发送",
                line.len()
            );
            continue;
        }
        // No `if not msg: continue` needed: an empty datagram is a message (notes E §7).
        say!(
            client,
            "sendto {server_addr}: {}" | "sendto {server_addr}：{}",
            describe_answer(&line, 48)
        );
        socket.send(&line).map_err(udp::explain_send_error)?;
        let mut buf = [0u8; RECV_SIZE];
        match receive(&socket, &mut buf, &client) {
            Ok(_) => {}
            Err(e) => match e.inner().downcast_ref::<std::io::Error>() {
                Some(io) if limits::is_timeout(io) => say!(
                    client,
                    "no answer within {} s: UDP does not resend; the datagram or its answer \
                     was lost, or nothing listens at {server_addr}"
                        | "{} 秒内没有回答：UDP 不会重发；要么数据报或它的回答丢了，要么 {server_addr} 上没有程序在监听",
                    ANSWER_WAIT.as_secs()
                ),
                // Linux: ECONNREFUSED (111); Windows: WSAECONNRESET (10054), its way of
                // reporting the same ICMP message on a UDP socket.
                Some(io) if udp::is_port_unreachable(io) => say!(
                    client,
                    "nothing listens at {server_addr} (the OS answered \"port unreachable\": {})"
                        | "{server_addr} 上没有程序在监听（操作系统收到了“端口不可达”：{}）",
                    socket_lessons::lang::error_text(io)
                ),
                Some(io) if udp::is_icmp_error(io) => say!(
                    client,
                    "no answer: the network sent back an error for this datagram ({}); the next line may fare better"
                        | "没有回答：网络为这个数据报发回了一个错误（{}）；下一行也许会好一些",
                    socket_lessons::lang::error_text(io)
                ),
                _ => return Err(e),
            },
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// Lesson 05: UDP, where every send is a message (notes A §6-7, B udp协议, C UDP协议下的socket, E §5, §7).
///
/// With no subcommand, shows one exchange, three sends arriving as three datagrams, an empty
/// datagram, a datagram cut by a small buffer, the 65507-byte limit, and (on Linux) a burst
/// dropped by a full receive buffer, counted by the kernel. For two terminals:
/// `server` upper-cases each datagram back to its sender; `client` sends each line.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

/// `--help` in Chinese.
const ZH: ZhHelp = ZhHelp {
    about: "第 05 课：UDP，每次发送就是一条消息（笔记 A §6-7，笔记 B udp协议，笔记 C UDP协议下的socket，笔记 E §5、§7）。",
    long_about: "第 05 课：UDP，每次发送就是一条消息（笔记 A §6-7，笔记 B udp协议，笔记 C UDP协议下的socket，笔记 E §5、§7）。\n\n\
                 不带子命令时，依次演示：一次一问一答；三次发送到达后是三个数据报；一个空数据报；一个被小缓冲区\
                 截断的数据报；65507 字节的上限；以及（在 Linux 上）一串数据报被占满的接收缓冲区丢掉，由内核计数。\
                 两个终端：server 把每个数据报转成大写发回给发送方；client 把每一行作为一个数据报发出去。",
    subcommands: &[
        ("server", "只运行课程的 UDP 服务端（在终端 1），它会打印绑定到的地址"),
        ("client", "只运行课程的 UDP 客户端（在终端 2），然后输入一行行文字（空行也会发出去：在 UDP 里它是一条消息）；q 或输入结束（Ctrl-D）退出"),
    ],
    options: &[],
};

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&ZH).side {
        None => demo::play(scenes::run_demo),
        Some(Side::Server(at)) => serve(udp::bind(at.addr()?)?),
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::Client(at)) => interactive_client(at.server_addr()?),
    }
}
