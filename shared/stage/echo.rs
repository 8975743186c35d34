//! The upper-case echo of lesson 02, as a session: what lessons 10 and 11 serve once a
//! client is in, and the line-by-line client that talks to it.
//!
//! Wire: none, as in the notes: raw bytes in, the same bytes upper-cased out
//! ([`crate::stage::commands::upper`]); `q` ends the session.

use crate::guard::pace::{Pace, Paced};
use crate::stage::commands;
use crate::stage::input::Input;
use crate::stage::transcript::{describe_answer, describe_ends};
use crate::{say, Transcript};
use std::io::{self, BufRead, Write};
use std::net::{SocketAddr, TcpStream};

/// The notes' `recv(1024)`.
pub const RECV_SIZE: usize = 1024;

/// The word that ends a session (notes A §8).
pub const QUIT: &[u8] = b"q";

/// How many messages of one client get a line each; after them, one line says the rest are
/// answered without one. A client that floods (a 9 MB push is some 9,000 reads of 1024
/// bytes) must not be able to fill the server's disk with its log.
pub const LINES_PER_CLIENT: usize = 20;

/// The bytes at each end of a long message that a line shows (`describe_ends`).
const SHOWN_EDGE: usize = 24;

/// One client's echo, with its log kept short: each of the first [`LINES_PER_CLIENT`]
/// messages gets a line (what came, what goes back, a long one by its ends), then one line
/// says the rest get none.
#[derive(Debug, Default)]
pub struct Echo {
    messages: usize,
}

impl Echo {
    pub fn new() -> Self {
        Echo::default()
    }

    /// The answer to one message, printed as one line while the client is within its
    /// [`LINES_PER_CLIENT`].
    pub fn answer(&mut self, addr: SocketAddr, data: &[u8], server: &Transcript) -> Vec<u8> {
        let reply = commands::upper(data);
        self.messages += 1;
        if self.messages <= LINES_PER_CLIENT {
            say!(
                server,
                "{addr}: recv {} -> send back {}" | "{addr}：recv {} -> 发回 {}",
                describe_ends(data, SHOWN_EDGE),
                describe_ends(&reply, SHOWN_EDGE)
            );
        } else if self.messages == LINES_PER_CLIENT + 1 {
            say!(
                server,
                "{addr}: more than {LINES_PER_CLIENT} messages: the rest are answered without a line each"
                    | "{addr}：已经超过 {LINES_PER_CLIENT} 条消息：之后的照常回答，但不再逐条显示"
            );
        }
        reply
    }
}

/// Serves one client on a blocking socket until it leaves; returns how the session ended,
/// for the caller's "closed" line. Nothing the client does ends the server.
pub fn serve(conn: &mut TcpStream, addr: SocketAddr, server: &Transcript) -> String {
    serve_with(conn, addr, server, None)
}

/// [`serve`], with each answer written under its own [`Pace`]: a client that takes its
/// answer a few bytes at a time cannot restart the clock with each partial write, as it
/// can a socket's write timeout (lesson 10).
pub fn serve_paced(
    conn: &mut TcpStream,
    addr: SocketAddr,
    server: &Transcript,
    answers: Pace,
) -> String {
    serve_with(conn, addr, server, Some(answers))
}

fn serve_with(
    conn: &mut TcpStream,
    addr: SocketAddr,
    server: &Transcript,
    answers: Option<Pace>,
) -> String {
    let mut echo = Echo::new();
    let mut buf = [0u8; RECV_SIZE];
    loop {
        // SIMPLIFICATION: one recv is one message, as in lesson 02 (short lines only).
        // A stop and continue of the server (EINTR) is retried with the time left.
        let data = match crate::guard::limits::read(conn, &mut buf) {
            Ok(0) => return crate::tr!("closed the connection" | "关闭了连接"),
            Ok(n) => &buf[..n],
            // A read timeout the caller set (lesson 10's --idle-limit): say which limit.
            Err(e) if crate::guard::limits::is_timeout(&e) => {
                let limit = conn.read_timeout().ok().flatten().unwrap_or_default();
                return crate::tr!(
                    "sent nothing within {}: closing this connection"
                        | "{}内什么都没有发：关闭这条连接",
                    crate::guard::limits::seconds(limit)
                );
            }
            Err(e) => {
                return crate::tr!(
                    "broke the connection ({})" | "连接断了（{}）",
                    crate::lang::error_text(&e)
                )
            }
        };
        if data == QUIT {
            return crate::tr!("said q: closing this connection" | "说了 q：关闭这条连接");
        }
        let answer = echo.answer(addr, data, server);
        let written = match answers {
            Some(pace) => {
                Paced::new(conn, pace, crate::lang::pick("the answer", "回答")).write_all(&answer)
            }
            None => conn.write_all(&answer),
        };
        if let Err(e) = written {
            if crate::guard::limits::is_timeout(&e) {
                return match answers {
                    Some(_) => crate::tr!(
                        "did not take its answer in time ({e}): closing this connection"
                            | "没有及时收下回答（{e}）：关闭这条连接"
                    ),
                    None => crate::tr!(
                        "took none of its answer within the write limit: closing this connection"
                            | "在写入时限内没有收下任何回答：关闭这条连接"
                    ),
                };
            }
            return crate::tr!(
                "is gone ({})" | "已经不在了（{}）",
                crate::lang::error_text(&e)
            );
        }
    }
}

/// Sends one message and prints the answer; `Ok(false)` when the session is over (`q`
/// sent, or the server closed).
pub fn exchange(stream: &mut TcpStream, message: &[u8], client: &Transcript) -> io::Result<bool> {
    // The user's own line by its ends past 160 bytes: a pasted 63,000-byte line made a
    // 420 KB line (an attack).
    say!(client, "send {}", describe_answer(message, 48));
    // On one clock (10 s, then 1 MiB a second): a limit on each write starts again with
    // every partial write, and a server that read nothing held a long line three times the
    // limit, then the client blamed "the server's answer" (an attack).
    Paced::new(
        stream,
        crate::guard::shell::ANSWER_PACE,
        crate::lang::pick("the request", "请求"),
    )
    .write_all(message)?;
    if message == QUIT {
        return Ok(false);
    }
    // SIMPLIFICATION: one recv per answer, as in lesson 02 (short lines).
    let mut buf = [0u8; RECV_SIZE];
    let n = crate::guard::limits::read(stream, &mut buf)?;
    if n == 0 {
        say!(
            client,
            "recv -> 0 bytes: the server closed the connection"
                | "recv -> 0 字节：服务端关闭了连接"
        );
        return Ok(false);
    }
    // A preview of a long answer, as a server logs what it gets (an attack: 1 KiB of
    // U+202E made a 7 KB line).
    say!(
        client,
        "recv {}",
        crate::stage::transcript::describe_peer(&buf[..n])
    );
    Ok(true)
}

/// The two-terminal client: each input line is a message; empty lines are skipped (a
/// zero-length send puts nothing on the wire, lesson 02); `q` or end of input quits.
pub fn lines_client(
    stream: &mut TcpStream,
    mut input: Input<impl BufRead>,
    client: &Transcript,
) -> io::Result<()> {
    while let Some(line) = input.next_line()? {
        if line.is_empty() {
            continue;
        }
        if !exchange(stream, &line, client)? {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn a_session_answers_upper_case_until_q() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut conn, peer) = listener.accept().unwrap();
            serve(&mut conn, peer, &Transcript::server())
        });
        let mut stream = TcpStream::connect(addr).unwrap();
        let input = Input::from_reader(&b"hello\n\nq\nnever sent\n"[..]);
        lines_client(&mut stream, input, &Transcript::client()).unwrap();
        assert_eq!(server.join().unwrap(), "said q: closing this connection");
    }

    #[test]
    fn a_flood_gets_a_line_per_message_only_at_first() {
        let mut echo = Echo::new();
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        for _ in 0..LINES_PER_CLIENT + 5 {
            assert_eq!(echo.answer(addr, b"ab", &Transcript::server()), b"AB");
        }
        assert_eq!(echo.messages, LINES_PER_CLIENT + 5);
    }

    #[test]
    fn a_session_ends_when_the_client_closes() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut conn, peer) = listener.accept().unwrap();
            serve(&mut conn, peer, &Transcript::server())
        });
        let mut stream = TcpStream::connect(addr).unwrap();
        assert!(exchange(&mut stream, b"abc", &Transcript::client()).unwrap());
        drop(stream);
        assert_eq!(server.join().unwrap(), "closed the connection");
    }
}
