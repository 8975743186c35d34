//! Lesson 06's client: each typed line goes out bare, as the notes' client sends it (notes
//! C 方案一, notes E §8), and each answer is read whole, framed.

use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::{limits, shell, timed};
use socket_lessons::stage::transcript::describe_answer;
use socket_lessons::wire::framing::read_frame;
use socket_lessons::{say, Input, Report, Transcript};
use std::io::Write;
use std::net::TcpStream;

/// Sends one command bare, as the notes' client does (notes C 方案一, notes E §8), and
/// prints the whole answer, framed. `false` when the server has closed.
pub(crate) fn command(
    stream: &mut TcpStream,
    line: &[u8],
    client: &Transcript,
) -> Result<bool, Report> {
    say!(client, "send {}", describe_answer(line, 48));
    // On one clock, as the answer: a server that reads nothing cannot hold a long line's
    // send three times the limit with each partial write (an attack).
    let label = socket_lessons::lang::pick("the request", "请求");
    Paced::new(stream, shell::ANSWER_PACE, label).write_all(line)?;
    // read_frame reads until the whole answer is in, however TCP delivers it: no recv(1024)
    // guess, no `count += buffer_size` miscount (notes A §9.2). Its first byte within the
    // answer limit, then the whole frame on one clock (10 s, then 1 MiB a second, as lesson
    // 07's client): a limit on each read starts again with every byte, and a server that
    // dripped its answer a byte a second held the client (an attack).
    let closed = || {
        say!(
            client,
            "the server closed the connection" | "服务端关闭了连接"
        );
        Ok(false)
    };
    if !limits::answer_begins(stream)? {
        return closed();
    }
    let label = socket_lessons::lang::pick("the answer", "回答");
    match read_frame(&mut Paced::new(stream, shell::ANSWER_PACE, label))? {
        Some(answer) => {
            say!(client, "read_frame -> {}", describe_answer(&answer, 16));
            Ok(true)
        }
        None => closed(),
    }
}

/// The two-terminal client: a typed line goes out as a command, its answer is printed.
pub(crate) fn interactive_client(mut stream: TcpStream) -> Result<(), Report> {
    let client = Transcript::client();
    let mut input = Input::stdin(socket_lessons::lang::pick("command :>>>> ", "命令 :>>>> "));
    while let Some(line) = input.next_line()? {
        if line.is_empty() {
            continue;
        }
        if line == b"q" {
            break;
        }
        // What came before the request is no answer to it (timed::drop_unasked).
        let unasked = timed::drop_unasked(&stream)?;
        if unasked > 0 {
            say!(client, "{}", timed::unasked_line(unasked));
        }
        if !command(&mut stream, &line, &client)? {
            break;
        }
    }
    Ok(())
}
