//! The check of exercise 04: a command server whose answers each end with an empty line,
//! talking to the learner's `next_answer` over loopback. The server's writes are ordered
//! against the client's reads by what is queued in the client's receive buffer, never by
//! sleeping: answers all queued before the first call; bytes written one at a time, each
//! after the client has taken the one before; a delimiter split across two reads; a stream
//! that ends inside an answer, and one that ends between answers.

use super::harness::{ends, finish, shown, spawn, Failure, Steps, Subject, STUCK};
use socket_lessons::tr;
use std::io::{self, ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type NextAnswer = fn(&mut TcpStream, &mut Vec<u8>) -> io::Result<Vec<u8>>;

const MEANS: &[(&str, &str)] = &[
    (
        "next_answer returns one answer per call, without its empty line, however the bytes arrive: several answers in one read (the 1092 bytes of seq 300 then hi; three small ones), one byte per read, a \\n\\n split across two reads",
        "next_answer 每次调用返回一个回答，不带它的空行，不管字节怎样到达：几个回答一次读到（seq 300 的 1092 字节然后是 hi；三个小回答），每次只读到 1 字节，\\n\\n 被两次读取分开",
    ),
    (
        "an answer ends at the first \\n\\n and nowhere else: one that begins with an empty line (echo; echo hi) comes back whole, b\"\\nhi\\n\"",
        "回答在第一个 \\n\\n 处结束，别处都不是：以空行开头的回答（echo; echo hi）完整返回，b\"\\nhi\\n\"",
    ),
    (
        "bytes read past an answer's empty line are kept in leftover, and the next call looks there before it reads",
        "读过了一个回答的空行的字节保存在 leftover 里，下一次调用先看那里再读",
    ),
    (
        "a stream that ends before the empty line is an UnexpectedEof error, and the bytes of the cut answer are left in leftover; a stream that ends between answers is an UnexpectedEof error with leftover empty",
        "流在空行之前结束是 UnexpectedEof 错误，被截断的回答的字节留在 leftover 里；流在两个回答之间结束也是 UnexpectedEof 错误，leftover 为空",
    ),
];

pub fn check(next_answer: NextAnswer, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(next_answer, &mut steps);
    finish(steps, result, MEANS, &[])
}

/// The output of `seq n`, as the shell prints it.
fn seq(n: u32) -> Vec<u8> {
    (1..=n)
        .map(|i| format!("{i}\n"))
        .collect::<String>()
        .into_bytes()
}

/// An answer on the wire: its lines, then the empty line.
fn wire(answer: &[u8]) -> Vec<u8> {
    let mut bytes = answer.to_vec();
    bytes.push(b'\n');
    bytes
}

/// A connected pair over loopback: (the client's end, the server's end).
fn pair() -> Result<(TcpStream, TcpStream), Failure> {
    let setup = |e: io::Error| Failure::setup("a connection", e);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).map_err(setup)?;
    let client = TcpStream::connect(listener.local_addr().map_err(setup)?).map_err(setup)?;
    let (server, _) = listener.accept().map_err(setup)?;
    server.set_nodelay(true).map_err(setup)?;
    // A read that waits longer than this fails, so a wrong answer's thread ends too.
    client.set_read_timeout(Some(STUCK)).map_err(setup)?;
    Ok((client, server))
}

/// How many bytes wait unread in `stream`'s receive buffer (FIONREAD), without taking any.
#[cfg(unix)]
fn queued(stream: &TcpStream) -> usize {
    use std::os::fd::AsRawFd;
    super::kernel::unread(stream.as_raw_fd()).unwrap_or(0)
}

#[cfg(not(unix))]
fn queued(_stream: &TcpStream) -> usize {
    0
}

/// Waits until the client has taken every byte written so far, or its calls are over.
fn until_taken(client: &TcpStream, over: &AtomicBool) {
    let deadline = Instant::now() + STUCK;
    while queued(client) > 0 && !over.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn describe(result: &io::Result<Vec<u8>>) -> String {
    match result {
        Ok(answer) => format!("Ok({})", ends(answer, 24)),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// The server's writes: those made before the client's first call, and those made while
/// the calls run.
type Writes<'a> = Box<dyn FnOnce(&mut TcpStream, &TcpStream, &AtomicBool) -> io::Result<()> + 'a>;

/// What the calls returned, and `leftover` after the last.
type Results = (Vec<io::Result<Vec<u8>>>, Vec<u8>);

/// Runs `before` (the client has not called yet), then calls `next_answer` `calls` times
/// (stopping at an error) on its own thread while `during` writes.
fn calls(
    next_answer: NextAnswer,
    calls: usize,
    before: Writes,
    during: Writes,
    step: &str,
    sent: &str,
    hint: &str,
) -> Result<Results, Failure> {
    let (client, mut server) = pair()?;
    let watch = client
        .try_clone()
        .map_err(|e| Failure::setup("a connection", e))?;
    let over = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&over);
    before(&mut server, &watch, &over).map_err(|e| Failure::setup("the server's writes", e))?;
    let running = spawn(move || {
        let mut client = client;
        let mut leftover = Vec::new();
        let mut results = Vec::new();
        for _ in 0..calls {
            let result = next_answer(&mut client, &mut leftover);
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        done.store(true, Ordering::SeqCst);
        (results, leftover)
    });
    during(&mut server, &watch, &over).map_err(|e| Failure::setup("the server's writes", e))?;
    let got = running.wait(STUCK);
    drop(server);
    got.map_err(|trouble| {
        Failure::new(step)
            .detail(tr!("the server sent: {sent}" | "服务端发送了：{sent}"))
            .trouble(&trouble, "next_answer")
            .hint(tr!(
                "{hint} If the answer is already in `leftover` (it came with the previous one), look there before you read: the server sends nothing more for it."
                    | "{hint} 如果回答已经在 `leftover` 里了（它是和上一个回答一起来的），要先看那里再去读：服务端不会再为它发送任何东西。"
            ))
    })
}

/// Compares each call's result with what it should have been.
fn compare(
    step: &str,
    sent: &str,
    got: &[io::Result<Vec<u8>>],
    want: &[Result<&[u8], ErrorKind>],
    hint: &str,
) -> Result<(), Failure> {
    for (i, expect) in want.iter().enumerate() {
        let result = got.get(i);
        let right = match (expect, result) {
            (Ok(answer), Some(Ok(a))) => a == answer,
            (Err(kind), Some(Err(e))) => e.kind() == *kind,
            _ => false,
        };
        if right {
            continue;
        }
        let n = i + 1;
        let expected = match expect {
            Ok(answer) => format!("Ok({})", ends(answer, 24)),
            Err(kind) => tr!("an Err of kind {kind:?}" | "一个 {kind:?} 类型的 Err"),
        };
        let mut failure = Failure::new(step)
            .detail(tr!("the server sent: {sent}" | "服务端发送了：{sent}"))
            .detail(tr!(
                "call {n}: expected {expected}" | "第 {n} 次调用：期望 {expected}"
            ))
            .detail(tr!(
                "call {n}: got {}" | "第 {n} 次调用：实际 {}",
                result.map_or_else(
                    || tr!("no call (the call before failed)" | "没有这次调用（上一次调用失败了）"),
                    describe
                )
            ));
        // Show where the bytes of this answer went, when they went to the next one.
        if let (Ok(answer), Some(Ok(a))) = (expect, result) {
            if a.len() < answer.len() && answer.starts_with(a) {
                if let (Some(Ok(next)), Some(Ok(_))) = (got.get(i + 1), want.get(i + 1)) {
                    failure = failure.detail(tr!(
                        "call {}: got Ok({}): the rest of answer {n} leaked into answer {} (粘包)"
                            | "第 {} 次调用：实际 Ok({})：第 {n} 个回答剩下的部分混进了第 {} 个回答（粘包）",
                        n + 1,
                        ends(next, 24),
                        n + 1
                    ));
                }
            }
        }
        return Err(failure.hint(hint));
    }
    Ok(())
}

fn nothing<'a>() -> Writes<'a> {
    Box::new(|_, _, _| Ok(()))
}

fn run(next_answer: NextAnswer, steps: &mut Steps) -> Result<(), Failure> {
    // 1. Two answers, both in the client's receive buffer before its first call.
    let seq300 = seq(300);
    let both = [wire(&seq300), wire(b"hi\n")].concat();
    let total = both.len();
    let step = tr!(
        "two answers waiting in the receive buffer: `seq 300`, then `echo hi`"
            | "两个回答在接收缓冲区里等着：`seq 300`，然后 `echo hi`"
    );
    let sent = tr!(
        "answer 1, the 1092 bytes of `seq 300` and the empty line; answer 2, b\"hi\\n\" and the empty line: {total} bytes, all in the client's receive buffer before call 1"
            | "回答 1，`seq 300` 的 1092 字节和空行；回答 2，b\"hi\\n\" 和空行：共 {total} 字节，在第 1 次调用之前就全在客户端的接收缓冲区里"
    );
    let hint = tr!(
        "one recv(1024) is not one answer: it takes whatever is queued, up to 1024 bytes, wherever the answers begin and end (docs/04, scene 3). Read until the empty line (\"\\n\\n\"), and keep what comes after it in `leftover` for the next call."
            | "一次 recv(1024) 不等于一个回答：它拿走排队的数据，最多 1024 字节，不管回答从哪里开始、到哪里结束（docs/zh-CN/04，场景 3）。要一直读到空行（\"\\n\\n\"），并把它后面的字节放进 `leftover`，留给下一次调用。"
    );
    let (got, _) = calls(
        next_answer,
        2,
        Box::new(|server, client, _| {
            server.write_all(&both)?;
            socket_lessons::guard::timed::wait_for_bytes(client, total, STUCK).map(|_| ())
        }),
        nothing(),
        &step,
        &sent,
        &hint,
    )?;
    compare(&step, &sent, &got, &[Ok(&seq300), Ok(b"hi\n")], &hint)?;
    steps.ok(tr!(
        "two answers queued together come back as two answers: 1092 bytes, then b\"hi\\n\""
            | "一起排队的两个回答作为两个回答返回：1092 字节，然后是 b\"hi\\n\""
    ))?;

    // 2. Three small answers in one read: two of them wait in leftover.
    let three = b"a\n\nb\nc\n\nd\n\n".to_vec();
    let step =
        tr!("three answers in one read, then the end of the stream"
            | "三个回答一次读到，然后流结束");
    let sent = tr!(
        "{}, in one write, all queued before call 1, then the end of the stream (FIN)"
            | "{}，一次写出，在第 1 次调用之前就全部排好队，然后是流的结束（FIN）",
        shown(&three)
    );
    let hint = tr!(
        "`leftover` may hold more than one answer: take one from it and leave the rest there; once it is all taken, leftover is empty, and the next call reads (here: the end of the stream, an UnexpectedEof error)."
            | "`leftover` 里可能不止一个回答：从中取出一个，其余的留在那里；全部取完之后 leftover 就是空的，下一次调用就去读（这里读到的是流的结束，一个 UnexpectedEof 错误）。"
    );
    let n = three.len();
    let bytes = three.clone();
    let (got, leftover) = calls(
        next_answer,
        4,
        Box::new(move |server, client, _| {
            server.write_all(&bytes)?;
            server.shutdown(std::net::Shutdown::Write)?;
            socket_lessons::guard::timed::wait_for_bytes(client, n, STUCK).map(|_| ())
        }),
        nothing(),
        &step,
        &sent,
        &hint,
    )?;
    compare(
        &step,
        &sent,
        &got,
        &[
            Ok(b"a\n"),
            Ok(b"b\nc\n"),
            Ok(b"d\n"),
            Err(ErrorKind::UnexpectedEof),
        ],
        &hint,
    )?;
    if !leftover.is_empty() {
        return Err(Failure::new(step)
            .detail(tr!(
                "expected: leftover empty after call 4" | "期望：第 4 次调用之后 leftover 为空"
            ))
            .detail(tr!(
                "got: leftover holds {}" | "实际：leftover 里是 {}",
                shown(&leftover)
            ))
            .hint(hint));
    }
    steps.ok(tr!(
        "three answers in one read come back as three: b\"a\\n\", b\"b\\nc\\n\", b\"d\\n\", then the end is an UnexpectedEof error"
            | "一次读到的三个回答作为三个返回：b\"a\\n\"、b\"b\\nc\\n\"、b\"d\\n\"，然后流结束是 UnexpectedEof 错误"
    ))?;

    // 3. Two answers written one byte at a time, each byte after the client took the one
    // before: every read returns 1 byte.
    let answers = [wire(&seq(3)), wire(b"hi\n")].concat();
    let bytes = answers.clone();
    let step = tr!("two answers arriving one byte per read" | "两个回答每次只到 1 个字节");
    let sent = tr!(
        "{}, one byte per write, each after the client had read the one before"
            | "{}，每次写 1 个字节，每个都等客户端读完上一个",
        shown(&answers)
    );
    let hint = tr!(
        "a read returns whatever has arrived, from 1 byte up. Loop until the bytes read so far contain the empty line."
            | "一次读取返回已经到达的任意多字节，最少 1 个。要循环读，直到目前读到的字节里有空行。"
    );
    let (got, _) = calls(
        next_answer,
        2,
        nothing(),
        Box::new(move |server, client, over| {
            for byte in &bytes {
                server.write_all(std::slice::from_ref(byte))?;
                until_taken(client, over);
            }
            Ok(())
        }),
        &step,
        &sent,
        &hint,
    )?;
    compare(&step, &sent, &got, &[Ok(b"1\n2\n3\n"), Ok(b"hi\n")], &hint)?;
    steps
        .ok(tr!("answers arriving one byte per read are put together"
            | "每次只到 1 个字节的回答也能拼完整"))?;

    // 4. The empty line's two "\n" in two reads.
    let step = tr!("an answer whose \"\\n\\n\" is split across two reads"
        | "一个回答的 \"\\n\\n\" 被两次读取分开");
    let sent = tr!(
        "b\"hello\\n\", then (after the client read it) b\"\\nbye\\n\\n\""
            | "b\"hello\\n\"，然后（等客户端读完后）b\"\\nbye\\n\\n\""
    );
    let hint = tr!(
        "the delimiter can straddle two reads: look for \"\\n\\n\" in all the bytes read so far (or at least from one byte before the new ones), not in each read alone."
            | "分隔符可能横跨两次读取：要在目前读到的所有字节里找 \"\\n\\n\"（至少从新字节的前一个字节开始找），而不是只在每次读到的字节里找。"
    );
    let (got, _) = calls(
        next_answer,
        2,
        nothing(),
        Box::new(|server, client, over| {
            server.write_all(b"hello\n")?;
            until_taken(client, over);
            server.write_all(b"\nbye\n\n")
        }),
        &step,
        &sent,
        &hint,
    )?;
    compare(&step, &sent, &got, &[Ok(b"hello\n"), Ok(b"bye\n")], &hint)?;
    steps.ok(tr!(
        "a delimiter split across two reads is found" | "被两次读取分开的分隔符也能找到"
    ))?;

    // 5. An answer whose first line is empty: only "\n\n" ends an answer, not a "\n" at
    // its start.
    let both = b"\nhi\n\nok\n\n".to_vec();
    let step = tr!(
        "an answer that begins with an empty line (`echo; echo hi`), then `echo ok`"
            | "一个以空行开头的回答（`echo; echo hi`），然后是 `echo ok`"
    );
    let sent = tr!(
        "{}, in one write, queued before call 1" | "{}，一次写出，在第 1 次调用之前就排好队",
        shown(&both)
    );
    let hint = tr!(
        "an answer ends at the first \"\\n\\n\" on the stream, and nowhere else: the answer to `echo; echo hi` is b\"\\nhi\\n\", its first line empty. A \"\\n\" at the start of an answer is one of its bytes: keep it, and do not take it for the end of the answer before."
            | "回答在流上第一个 \"\\n\\n\" 处结束，别的地方都不是：`echo; echo hi` 的回答是 b\"\\nhi\\n\"，它的第一行是空的。回答开头的 \"\\n\" 是它自己的字节：保留它，也不要把它当作前一个回答的结尾。"
    );
    let n = both.len();
    let bytes = both.clone();
    let (got, _) = calls(
        next_answer,
        2,
        Box::new(move |server, client, _| {
            server.write_all(&bytes)?;
            socket_lessons::guard::timed::wait_for_bytes(client, n, STUCK).map(|_| ())
        }),
        nothing(),
        &step,
        &sent,
        &hint,
    )?;
    compare(&step, &sent, &got, &[Ok(b"\nhi\n"), Ok(b"ok\n")], &hint)?;
    steps.ok(tr!(
        "an answer that begins with an empty line comes back whole, b\"\\nhi\\n\", then b\"ok\\n\""
            | "以空行开头的回答完整返回，b\"\\nhi\\n\"，然后是 b\"ok\\n\""
    ))?;

    // 6. The server closes in the middle of an answer.
    let step = tr!("the server closes before the empty line" | "服务端在空行之前关闭");
    let sent = tr!("b\"partial\\n\", then the end of the stream (FIN)"
        | "b\"partial\\n\"，然后是流的结束（FIN）");
    let hint = tr!(
        "a read that returns 0 bytes is the end of the stream: no empty line will ever come. Return an Err of kind UnexpectedEof instead of reading again, and leave the bytes of the cut answer in `leftover`, where the caller can see what came."
            | "返回 0 字节的读取就是流的结束：空行永远不会来了。返回一个 UnexpectedEof 类型的 Err，不要再读，并把被截断的回答的字节留在 `leftover` 里，让调用者能看到来了什么。"
    );
    let (got, leftover) = calls(
        next_answer,
        1,
        nothing(),
        Box::new(|server, client, over| {
            server.write_all(b"partial\n")?;
            until_taken(client, over);
            server.shutdown(std::net::Shutdown::Write)
        }),
        &step,
        &sent,
        &hint,
    )?;
    compare(&step, &sent, &got, &[Err(ErrorKind::UnexpectedEof)], &hint)?;
    if leftover != b"partial\n" {
        return Err(Failure::new(step)
            .detail(tr!("the server sent: {sent}" | "服务端发送了：{sent}"))
            .detail(tr!(
                "expected: leftover holds {} after the error, the bytes of the cut answer"
                    | "期望：出错之后 leftover 里是 {}，也就是被截断的回答的字节",
                shown(b"partial\n")
            ))
            .detail(tr!(
                "got: leftover holds {}" | "实际：leftover 里是 {}",
                shown(&leftover)
            ))
            .hint(hint));
    }
    steps.ok(tr!(
        "a stream that ends inside an answer is an UnexpectedEof error, and b\"partial\\n\" is left in leftover"
            | "在回答中间结束的流是 UnexpectedEof 错误，b\"partial\\n\" 留在 leftover 里"
    ))?;

    // 7. The server closes between answers.
    let step = tr!("the server closes right after an answer" | "服务端在一个回答之后立即关闭");
    let sent =
        tr!("b\"last\\n\\n\", then the end of the stream" | "b\"last\\n\\n\"，然后是流的结束");
    let hint = tr!(
        "after the last answer the next call finds the end of the stream: nothing in leftover, a read of 0 bytes. That is an UnexpectedEof error too, not an empty answer, and not a read again."
            | "最后一个回答之后，下一次调用会碰到流的结束：leftover 里什么也没有，读到 0 字节。这也是 UnexpectedEof 错误，不是一个空回答，也不该再去读。"
    );
    let (got, leftover) = calls(
        next_answer,
        2,
        Box::new(|server, client, _| {
            server.write_all(b"last\n\n")?;
            server.shutdown(std::net::Shutdown::Write)?;
            socket_lessons::guard::timed::wait_for_bytes(client, 6, STUCK).map(|_| ())
        }),
        nothing(),
        &step,
        &sent,
        &hint,
    )?;
    compare(
        &step,
        &sent,
        &got,
        &[Ok(b"last\n"), Err(ErrorKind::UnexpectedEof)],
        &hint,
    )?;
    if !leftover.is_empty() {
        return Err(Failure::new(step)
            .detail(tr!("expected: leftover empty" | "期望：leftover 为空"))
            .detail(tr!(
                "got: leftover holds {}" | "实际：leftover 里是 {}",
                shown(&leftover)
            ))
            .hint(hint));
    }
    steps.ok(tr!(
        "a stream that ends between answers: the last answer, then an UnexpectedEof error"
            | "在两个回答之间结束的流：先是最后一个回答，然后是 UnexpectedEof 错误"
    ))?;
    Ok(())
}
