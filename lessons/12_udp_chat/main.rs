//! # Lesson 12: UDP chat between named peers, and a time server
//!
//! Follows notes C UDP协议下的socket (类似于qq聊天的代码示例, 自制时间服务器) and notes E §6
//! 聊天. Two programs on lesson 05's UDP:
//! - **chat**: peers with names. Each peer is one UDP socket; a message is one datagram,
//!   tagged with the sender's name, `[alice] 你好`. The receiver learns the sender's address
//!   from `recvfrom` and can answer it, as the notes' QQ server answers `addr`.
//! - **time**: the server answers each datagram with the current time, formatted with the
//!   format the datagram carries (`%Y-%m-%d %X` when it is empty). A bad format gets an
//!   error answer; the clock is a value, fixed in the demo, so the transcript never changes.
//!
//! What to look at:
//! - no connection anywhere: one socket talks to any number of peers, and every `sendto`
//!   names its destination;
//! - the chat peer receives on its own thread while you type: the notes' programs wait in
//!   `recvfrom` after each message, so two messages in a row, or one lost datagram, leave
//!   both sides stuck;
//! - the time client `connect`s its UDP socket: no handshake happens, but the kernel then
//!   drops datagrams from anyone but the server, and it waits for an answer at most 2 s,
//!   because a lost datagram is never resent;
//! - the notes' time server dies on a datagram that is not UTF-8 (`msg.decode`); this one
//!   answers it with one error line and serves the next.
//!
//! Wire format: chat, one UTF-8 datagram `[name] text` (the notes send untagged text, which
//! is shown with the sender's address). Time, request: a strftime format in UTF-8, or
//! nothing; answer: the formatted time, or `error: …`.
//!
//! Run it:
//! - `cargo run --example 12_udp_chat`: the demo, a chat between alice and bob, then the
//!   time server with a fixed clock;
//! - chat, terminal 1: `cargo run --example 12_udp_chat -- chat --name alice --port 9696`;
//!   terminal 2: `cargo run --example 12_udp_chat -- chat --name bob --port 9697 --peer
//!   alice=127.0.0.1:9696`, then type `@alice 你好` (a line without `@name` goes to whoever
//!   you talked to last); `q` quits;
//! - time, terminal 1: `cargo run --example 12_udp_chat -- server` (add `--fixed-time
//!   2021-07-25T22:07:26+08:00` to fix the clock); terminal 2: `cargo run --example
//!   12_udp_chat -- client`, type formats such as `%Y %m %d`, or nothing; `q` quits.
//!
//! Previous: lesson 11, several TCP clients at once. Next: lesson 13, the notes' two sends
//! and Nagle's algorithm.
//!
//! In this directory: `notes.rs` and `notes_c_time.rs`, the notes' chat and time programs
//! in plain Rust (`-- notes-server` / `notes-client`, `-- notes-time-server` /
//! `notes-time-client`); `main.rs`, the course's versions (the chat peer, the time client),
//! then `main`; `time_server.rs`, the time server; `book.rs`, a peer's address book;
//! `terminal.rs`, what a person types into a peer; `cli.rs`, the command line; `demo.rs`,
//! the demo.

use socket2::Socket;
use socket_lessons::guard::quiet::{self, Gate, LogGate};
use socket_lessons::guard::timed;
use socket_lessons::stage::transcript::{describe_answer, describe_ends};
use socket_lessons::wire::chat;
use socket_lessons::wire::clock::Clock;
use socket_lessons::wire::udp::{self, ANY_DATAGRAM};
use socket_lessons::{say, tr, Input, Report, Transcript};
use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

mod book;
mod cli;
mod demo;
mod notes;
mod notes_c_time;
mod terminal;
mod time_server;

use book::{Book, Learned, MAX_LEARNED};
use cli::{Cli, Side};
use time_server::time_server;

/// The time client's `recv(1024)` (notes C: `bufsize = 1024`); the server never answers
/// more (`clock::MAX_ANSWER_LEN`).
const TIME_RECV_SIZE: usize = 1024;

/// How long the time client waits for an answer before it says none came.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

// ---------------------------------------------------------------------------------------
// The server and the client of the chat (notes C 类似于qq聊天的代码示例, notes E §6 聊天),
// in one program: a peer. What a person types is in terminal.rs.
// ---------------------------------------------------------------------------------------

/// One person on the chat: a name, a UDP socket, and who it knows.
struct ChatPeer {
    name: String,
    socket: Socket,
    book: Mutex<Book>,
    /// What arrives is shown through this gate (see [`INCOMING_LINES`]).
    incoming: Mutex<LogGate>,
    out: Transcript,
}

/// How many received datagrams a peer shows in any 10 s; the rest are counted, and the
/// count is said with the next line shown. A person types far fewer; a flood is cut to
/// a few lines a second.
const INCOMING_LINES: u32 = 20;

/// The most characters of a message a line shows; a longer one ends with `…(N chars)`.
const SHOWN_CHARS: usize = 200;

/// A received text as a line shows it: quoted and escaped, cut at [`SHOWN_CHARS`].
fn shown(text: &str) -> String {
    let count = text.chars().count();
    if count <= SHOWN_CHARS {
        quiet::escape_invisible(format!("{text:?}"))
    } else {
        let cut: String = text.chars().take(SHOWN_CHARS).collect();
        let cut = quiet::escape_invisible(format!("{cut:?}"));
        tr!("{cut}…({count} chars)" | "{cut}…（{count} 个字符）")
    }
}

/// A name from a datagram as a line shows it: escaped, unquoted.
pub(crate) fn shown_name(name: &str) -> String {
    quiet::escape_invisible(name.escape_debug().to_string())
}

impl ChatPeer {
    /// 1. socket(AF_INET, SOCK_DGRAM) and bind: a peer must be bound to a known port for
    ///    others to reach it (notes C binds its QQ server to 8081).
    fn bind(
        name: &str,
        addr: SocketAddr,
        known: Vec<(String, SocketAddr)>,
    ) -> Result<Self, Report> {
        let socket = udp::bind(addr)?;
        let out = Transcript::named(name.to_owned());
        say!(
            out,
            "UDP socket bound to {}" | "UDP 套接字绑定到 {}",
            udp::local_addr(&socket)?
        );
        Ok(ChatPeer {
            name: name.to_owned(),
            socket,
            // Addresses in one form (`udp::canonical`): a peer pinned at 127.0.0.1 is the
            // same peer when a socket bound to `::` hears it as ::ffff:127.0.0.1.
            book: Mutex::new(Book::new(
                known
                    .into_iter()
                    .map(|(name, at)| (name, udp::canonical(at)))
                    .collect(),
            )),
            incoming: Mutex::new(LogGate::new(INCOMING_LINES, Duration::from_secs(10))),
            out,
        })
    }

    /// 2. sendto: one datagram, tagged with our name, to the current peer.
    fn send(&self, text: &str) {
        let Some((to, addr)) = self.book().current.clone() else {
            say!(
                self.out,
                "nobody to send to yet: start with @name (known: {})"
                    | "还不知道发给谁：先写 @名字（认识的有：{}）",
                self.book().names()
            );
            return;
        };
        let datagram = chat::tag(&self.name, text);
        let max = udp::max_payload(addr);
        if datagram.len() > max {
            say!(
                self.out,
                "{} bytes do not fit in one datagram (at most {max}): not sent"
                    | "{} 字节装不进一个数据报（最多 {max}）：没有发送",
                datagram.len()
            );
            return;
        }
        // The datagram by at most its first and last 48 bytes: a 60,000-byte line made a
        // 400 KB line of log (an attack).
        let sent = describe_answer(&datagram, 48);
        // A peer heard from without a name is known by its address alone: say it once.
        // A name learned from a datagram is anyone's choice: shown escaped (an attack's
        // `ali\u{202e}ce` reversed the rest of this line once it was the current peer).
        if to == addr.to_string() {
            say!(self.out, "sendto {addr}: {sent}" | "sendto {addr}：{sent}");
        } else {
            let to = shown_name(&to);
            say!(
                self.out,
                "sendto {to} at {addr}: {sent}" | "sendto {to}（{addr}）：{sent}"
            );
        }
        let sent = udp::for_socket(&self.socket, addr)
            .and_then(|on_socket| self.socket.send_to(&datagram, &on_socket.into()));
        if let Err(e) = sent {
            say!(
                self.out,
                "sendto {addr} failed: {}" | "sendto {addr} 失败：{}",
                socket_lessons::lang::error_text(&e)
            );
        }
    }

    /// 3. recvfrom: one datagram, whoever sent it. A tagged one teaches us the sender's
    ///    name and address; one that is shown becomes the peer a plain line answers. What
    ///    arrives is shown through a gate ([`INCOMING_LINES`]): a flood costs a few lines
    ///    and a count, whatever it sends. A datagram held back by the gate does not change
    ///    whom a plain line goes to: the screen must say who that is (an attack, once the
    ///    gate was closed, made the user's next plain line go to a stranger the screen
    ///    never showed).
    fn receive_one(&self) -> io::Result<()> {
        let mut buf = vec![0u8; ANY_DATAGRAM];
        let d = udp::recv_datagram(&self.socket, &mut buf)?;
        let data = &buf[..d.len];
        let from = udp::canonical(d.from);
        let gated = self
            .incoming
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .event();
        let line = self.take_in(data, from, gated != Gate::Held);
        match gated {
            Gate::Show => say!(self.out, "{line}"),
            Gate::ShowAfter(held) => {
                say!(self.out, "{held}");
                say!(self.out, "{line}");
            }
            Gate::Held => {}
        }
        Ok(())
    }

    /// What one datagram changes in the book, and the line that says so.
    /// `on_screen`: whether the line will be printed; only then does the sender become the
    /// one a plain line answers.
    fn take_in(&self, data: &[u8], from: SocketAddr, on_screen: bool) -> String {
        let Ok(message) = std::str::from_utf8(data) else {
            return tr!(
                "recvfrom {from}: not UTF-8 text, ignored: {}"
                    | "recvfrom {from}：不是 UTF-8 文本，不予理会：{}",
                describe_ends(data, 24)
            );
        };
        let mut book = self.book();
        // A name is shown escaped: check_peer_name refuses control characters, but not the
        // invisible ones that reorder a line on a terminal (U+202E, right-to-left override)
        // or look like nothing at all (U+115F): `escaped`.
        let tag = chat::untag(message);
        let name = tag.0.map(shown_name).unwrap_or_default();
        match tag {
            (Some(tagged), text)
                if book.pinned.iter().any(|p| p == tagged) && book.lookup(tagged) != Some(from) =>
            {
                // The tag is only a claim: a peer given with --peer stays where it was
                // given, and the message is shown as what it is.
                let at = book
                    .lookup(tagged)
                    .map_or_else(String::new, |a| a.to_string());
                tr!(
                    "recvfrom {from}: says it is {name}, but {name} is at {at} (--peer): not followed; it says {}"
                        | "recvfrom {from}：自称 {name}，可 {name} 在 {at}（--peer 给定的）：不跟着改；它说 {}",
                    shown(text)
                )
            }
            (Some(tagged), text) => {
                let learned = match book.learn(tagged, from) {
                    Learned::Same => String::new(),
                    Learned::Moved => {
                        tr!(" ({name} is now at {from})" | "（{name} 现在在 {from}）")
                    }
                    Learned::New => {
                        tr!(" (new peer: {name} at {from})" | "（新的对端：{name}，在 {from}）")
                    }
                    Learned::NewForgot(old) => {
                        let old = shown_name(&old);
                        socket_lessons::tr!(
                        " (new peer: {name} at {from}; {old} forgotten: the book keeps {MAX_LEARNED} names)"
                            | "（新的对端：{name}，在 {from}；忘掉了 {old}：通讯录最多记 {MAX_LEARNED} 个名字）"
                        )
                    }
                };
                if on_screen {
                    book.current = Some((tagged.to_owned(), from));
                }
                tr!(
                    "recvfrom {from}: {name} says {}{learned}"
                        | "recvfrom {from}：{name} 说 {}{learned}",
                    shown(text)
                )
            }
            (None, text) => {
                // The notes' programs send untagged text: answerable by address only.
                if on_screen {
                    book.current = Some((from.to_string(), from));
                }
                tr!(
                    "recvfrom {from}: no name, says {}" | "recvfrom {from}：没有名字，说 {}",
                    shown(text)
                )
            }
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, Book> {
        // Poisoned only if a thread panicked holding it; the book itself is still whole.
        self.book.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// ---------------------------------------------------------------------------------------
// The time client (notes C 自制时间服务器, 客户端)
// ---------------------------------------------------------------------------------------

/// The two-terminal time client: formats from stdin (the notes' prompt is 请输入时间格式).
fn time_client(server_addr: SocketAddr) -> Result<(), Report> {
    let client = Transcript::client();
    // 1. socket(AF_INET, SOCK_DGRAM), connected to the server (see `time_socket`).
    let socket = time_socket(server_addr)?;
    socket.set_read_timeout(Some(ANSWER_WAIT))?;
    let mut input = Input::stdin(socket_lessons::lang::pick(
        "time format, e.g. %Y %m %d (empty: the default) >>: ",
        "请输入时间格式，例如 %Y %m %d（直接回车：默认格式）>>: ",
    ));
    while let Some(line) = input.next_line()? {
        if line == b"q" {
            break;
        }
        // What waits before the request is no answer to it: a late answer to a request
        // given up on, a second answer, a forged one. Dropped, or it would be taken as the
        // answer to this request and every later answer would be one behind (an attack).
        drop_late(&socket, &client)?;
        // 2. sendto: the format.
        if ask(&socket, &line, &client)? {
            // 3. recv(1024): the answer, or why none came.
            hear(&socket, &client)?;
        }
    }
    Ok(())
}

/// A UDP socket for talking to one server. `connect` on UDP sends nothing: it records the
/// server's address, so that `send` needs no address and the kernel drops datagrams from
/// anyone else; on Linux it also turns the "port unreachable" a closed port answers with
/// into an error on the next `recv`, instead of a silent wait.
fn time_socket(server_addr: SocketAddr) -> Result<Socket, Report> {
    let any: SocketAddr = if server_addr.is_ipv4() {
        "0.0.0.0:0".parse()?
    } else {
        "[::]:0".parse()?
    };
    let socket = udp::bind(any)?;
    socket.connect(&server_addr.into())?;
    Ok(socket)
}

/// Drops the datagrams already waiting before a request, with one line saying how many
/// (`timed::drop_late_datagrams`, shared with lesson 05's client).
fn drop_late(socket: &Socket, client: &Transcript) -> Result<(), Report> {
    let (count, bytes) = timed::drop_late_datagrams(socket)?;
    if count > 0 {
        say!(client, "{}", timed::late_datagrams_line(count, bytes));
    }
    Ok(())
}

/// Sends one format. An empty line is sent too: over UDP an empty datagram is a message
/// (lesson 05), and this server reads it as "the default format".
/// `false` when the format does not fit in one datagram: not sent (a 70,000-byte line
/// ended the client with "Message too long": an attack).
fn ask(socket: &Socket, format: &[u8], client: &Transcript) -> Result<bool, Report> {
    let max = udp::max_payload(udp::local_addr(socket)?);
    if format.len() > max {
        say!(
            client,
            "{} bytes do not fit in one datagram (at most {max}): not sent"
                | "{} 字节装不进一个数据报（最多 {max}）：没有发送",
            format.len()
        );
        return Ok(false);
    }
    say!(client, "send {}", describe_ends(format, 24));
    socket.send(format)?;
    Ok(true)
}

/// Waits for the answer, at most `ANSWER_WAIT` (set on the socket).
fn hear(socket: &Socket, client: &Transcript) -> Result<(), Report> {
    let mut buf = [0u8; TIME_RECV_SIZE];
    match udp::recv_datagram(socket, &mut buf) {
        Ok(d) => {
            match std::str::from_utf8(&buf[..d.len]) {
                Ok(text) => say!(
                    client,
                    "recv {}",
                    shown(text)
                ),
                // A cut can split a character: show the bytes then.
                Err(_) => say!(
                    client,
                    "recv (not UTF-8) {}" | "recv（不是 UTF-8）{}",
                    describe_ends(&buf[..d.len], 24)
                ),
            }
            if d.truncated {
                say!(client, "{}", truncation(TIME_RECV_SIZE, d.sent_len));
            }
        }
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => say!(
            client,
            "no answer within {} s: the request or the answer was lost, or no server is \
             listening (UDP does not say which, and does not resend)"
                | "{} 秒内没有等到回答：请求或者回答丢了，或者根本没有服务端在监听\
             （UDP 不会说是哪一种，也不会重发）",
            ANSWER_WAIT.as_secs()
        ),
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => say!(
            client,
            "no server at that port (the OS answered \"port unreachable\": {})"
                | "那个端口上没有服务端（操作系统回答的是“port unreachable”：{}）",
            socket_lessons::lang::error_text(&e)
        ),
        Err(e) if udp::is_icmp_error(&e) => say!(
            client,
            "no answer: the network sent back an error for the request ({}); the next request may fare better"
                | "没有回答：网络为这个请求发回了一个错误（{}）；下一个请求也许会好一些",
            socket_lessons::lang::error_text(&e)
        ),
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// What a client says when an answer did not fit its buffer (the rest is gone: UDP keeps
/// no remainder for a second recv).
fn truncation(size: usize, sent: Option<usize>) -> String {
    match sent {
        Some(sent) => tr!(
            "the answer was {sent} bytes: only the first {size} fit in this client's buffer, the other {} were thrown away"
                | "回答有 {sent} 字节：这个客户端的缓冲区只装得下前 {size} 字节，其余 {} 字节被丢掉了",
            sent - size.min(sent)
        ),
        None => tr!(
            "the answer did not fit in this client's {size}-byte buffer: the rest was thrown away"
                | "回答装不进这个客户端 {size} 字节的缓冲区：多出的部分被丢掉了"
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------

fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<Cli>(&cli::ZH).side {
        None => socket_lessons::stage::demo::play(demo::run),
        Some(Side::Chat { name, at, peers }) => {
            let peer = ChatPeer::bind(&name, at.addr()?, peers)?;
            peer.chat_from_stdin()
        }
        Some(Side::Server { at, fixed_time }) => {
            time_server(at.addr()?, &fixed_time.unwrap_or(Clock::System))
        }
        Some(Side::Client(at)) => time_client(at.server_addr()?),
        Some(Side::NotesServer(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Some(Side::NotesClient(at)) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Some(Side::NotesTimeServer(at)) => {
            let (host, port) = at.or(notes_c_time::HOST, notes_c_time::PORT);
            Ok(notes_c_time::server(&host, port)?)
        }
        Some(Side::NotesTimeClient(at)) => {
            let (host, port) = at.or(notes_c_time::HOST, notes_c_time::PORT);
            Ok(notes_c_time::client(&host, port)?)
        }
    }
}
