//! The check of exercise 02: clients that leave, reset, send bytes that are not UTF-8,
//! reset while the server is writing to them; an accept that fails because the process has
//! no descriptor left; each followed by one that expects its answer; then the server's
//! descriptors and threads counted against what it had while serving the first.

use super::harness::{accept_hint, exchange, finish, Failure, Server, Steps, Subject, Talk};
use super::kernel;
use socket_lessons::tr;
use std::io;
use std::net::TcpListener;
use std::process::ExitCode;
use std::time::Duration;

type Serve = fn(TcpListener) -> io::Result<()>;

const MEANS: &[(&str, &str)] = &[
    (
        "each client's bytes come back with their ASCII letters upper-cased and every other byte as it was (b\"caf\\xe9\" -> b\"CAF\\xe9\", \"café ß\" in UTF-8 -> \"CAFé ß\", 256 KiB of every byte value)",
        "每个客户端的字节都原样发回，只是其中的 ASCII 字母变成大写（b\"caf\\xe9\" -> b\"CAF\\xe9\"，UTF-8 的 \"café ß\" -> \"CAFé ß\"，256 KiB 的所有字节值）",
    ),
    (
        "a client that closes, one that resets while the server reads, one that resets while the server is blocked writing to it, one that ends its session with q (the one-byte message q; q\\n, Q and \" q\" are answered like any message): each ends only that client, and the next is served",
        "一个关闭的客户端、一个在服务端读的时候重置的客户端、一个在服务端阻塞着给它写的时候重置的客户端、一个用 q 结束会话的客户端（恰好是一个字节 q 的消息；q\\n、Q 和 \" q\" 都像其他消息一样得到回答）：每一个都只结束它自己，下一个照常得到服务",
    ),
    (
        "an accept that fails (EMFILE, no descriptor left) does not end the server: once descriptors are free again, the waiting client is served",
        "accept 失败（EMFILE，没有描述符了）不会让服务端结束：描述符一空出来，等着的客户端就得到服务",
    ),
    (
        "serve never returns and never panics, and after the last client holds no connection of any client and no more threads than while it served the first",
        "serve 从不返回、从不 panic，最后一个客户端之后不再持有任何客户端的连接，线程也不比服务第一个客户端时多",
    ),
];

pub fn check(serve: Serve, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(serve, &mut steps);
    finish(steps, result, MEANS, &[])
}

fn error_hint() -> String {
    tr!(
        "an error on one client's connection (a reset, a failed send) belongs to that client: end that client and go back to accept, never end the server (no `?` on a client's read or write, no unwrap)."
            | "一个客户端连接上的错误（重置、发送失败）只属于这个客户端：结束这个客户端，回到 accept，绝不能让服务端结束（对客户端的读写不要用 `?`，也不要 unwrap）。"
    )
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let mut server = Server::start(serve)?;

    // 1. An ordinary client.
    let who = tr!("client 1" | "客户端 1");
    let mut one = server.connect(&who)?;
    exchange(&mut server, &mut one, b"hello", b"HELLO", &who)?;
    // The baseline: the server is set up (whatever it opens once is open), less client 1's
    // two ends of its connection.
    let fds_start = kernel::open_fds().map(|n| n.saturating_sub(2));
    let threads_start = kernel::threads();
    steps.ok(tr!("client 1 sends b\"hello\" and gets b\"HELLO\""
        | "客户端 1 发送 b\"hello\"，收到 b\"HELLO\""))?;

    // 2. It leaves: a normal close (FIN). The next client must be served.
    drop(one);
    let who = tr!("client 2, after client 1 closed" | "客户端 2，在客户端 1 关闭之后");
    let mut two = server.connect(&who)?;
    exchange(&mut server, &mut two, b"abc", b"ABC", &who).map_err(|f| {
        f.hint(tr!(
            "recv returning 0 bytes means the client closed its end: it is not an empty message. Stop reading that connection and go back to accept (docs/02, \"recv returning 0\")."
                | "recv 返回 0 字节意味着客户端关闭了它那一端：这不是一条空消息。不要再读这条连接，回到 accept（docs/zh-CN/02，“recv 返回 0”）。"
        ))
    })?;
    steps.ok(tr!(
        "client 1 closes; client 2 is served" | "客户端 1 关闭；客户端 2 得到服务"
    ))?;

    // 3. It resets the connection (RST) while the server waits in read.
    socket_lessons::wire::net::close_with_reset(two)
        .map_err(|e| Failure::setup("a reset (SO_LINGER 0)", e))?;
    let who = tr!("client 3, after client 2 reset" | "客户端 3，在客户端 2 重置之后");
    let mut three = server.connect(&who).map_err(|f| f.hint(error_hint()))?;
    exchange(&mut server, &mut three, b"xyz", b"XYZ", &who).map_err(|f| f.hint(error_hint()))?;
    steps.ok(tr!(
        "client 2 resets its connection while the server reads; client 3 is served"
            | "客户端 2 在服务端读的时候重置连接；客户端 3 得到服务"
    ))?;

    // 4. Bytes that are not UTF-8, and every byte value.
    let who = tr!("client 3, Latin-1 bytes" | "客户端 3，Latin-1 字节");
    let decode_hint = tr!(
        "the wire carries bytes, not text. Decoding them (Python's .decode(), Rust's from_utf8, from_utf8_lossy) fails on or changes bytes that are not UTF-8; upper-case the ASCII letters of the bytes instead (to_ascii_uppercase)."
            | "线路上传的是字节，不是文本。解码（Python 的 .decode()、Rust 的 from_utf8、from_utf8_lossy）遇到不是 UTF-8 的字节会失败或把它们改掉；应该直接把字节中的 ASCII 字母转成大写（to_ascii_uppercase）。"
    );
    exchange(&mut server, &mut three, b"caf\xe9", b"CAF\xe9", &who)
        .map_err(|f| f.hint(decode_hint.clone()))?;
    let who = tr!("client 3, UTF-8 text whose letters are not all ASCII"
        | "客户端 3，字母不全是 ASCII 的 UTF-8 文本");
    exchange(
        &mut server,
        &mut three,
        "café ß, 你好".as_bytes(),
        "CAFé ß, 你好".as_bytes(),
        &who,
    )
    .map_err(|f| {
        f.hint(tr!(
            "the answer is the same bytes, only their ASCII letters upper-cased, even when they are valid UTF-8: str::to_uppercase changes é to É and ß to SS, other bytes and another length (the lesson's server upper-cases ASCII only, commands::upper)."
                | "回答是同样的字节，只把其中的 ASCII 字母变成大写，即使它们是合法的 UTF-8 也一样：str::to_uppercase 会把 é 变成 É、把 ß 变成 SS，字节变了，长度也变了（本课的服务端只把 ASCII 字母转成大写，commands::upper）。"
        ))
    })?;
    let every: Vec<u8> = (0..256 * 1024).map(|i| (i % 256) as u8).collect();
    let upper = every.to_ascii_uppercase();
    let who =
        tr!("client 3, 256 KiB holding every byte value" | "客户端 3，256 KiB，包含所有字节值");
    exchange(&mut server, &mut three, &every, &upper, &who).map_err(|f| f.hint(decode_hint))?;
    drop(three);
    steps.ok(tr!(
        "client 3 sends b\"caf\\xe9\" and gets b\"CAF\\xe9\"; \"café ß, 你好\" in UTF-8 comes back as \"CAFé ß, 你好\"; 256 KiB of every byte value come back with only the ASCII letters upper-cased"
            | "客户端 3 发送 b\"caf\\xe9\"，收到 b\"CAF\\xe9\"；UTF-8 的 \"café ß, 你好\" 发回来是 \"CAFé ß, 你好\"；256 KiB 的所有字节值发回来时只有 ASCII 字母变成了大写"
    ))?;

    // 5. A client that sends and never reads, reset while the server is blocked writing to
    // it: the server's write fails.
    match reset_while_writing(&mut server)? {
        true => steps.ok(tr!(
            "client 4 sends and never reads; it resets while your server is blocked writing to it, and client 5 is served"
                | "客户端 4 只发不读；在你的服务端阻塞着给它写的时候它重置了连接，之后客户端 5 得到服务"
        ))?,
        false => steps.skip(tr!(
            "a write that fails on a reset: this system does not show which call a thread sleeps in (Linux's /proc does)"
                | "因重置而失败的写：这个系统不显示线程睡在哪个调用里（Linux 的 /proc 会显示）"
        )),
    }

    // 6. accept fails: no descriptor left.
    let accepted = server.accept_fails(
        Talk {
            who: tr!("client 6" | "客户端 6"),
            message: b"six",
            want: b"SIX",
        },
        Talk {
            who: tr!("client 7, once descriptors are free again" | "客户端 7，在描述符空出来之后"),
            message: b"after",
            want: b"AFTER",
        },
        &tr!("accept fails with EMFILE while client 7 waits"
            | "客户端 7 等着的时候 accept 因 EMFILE 失败"),
        &accept_hint(),
    )?;
    match accepted {
        true => steps.ok(tr!(
            "accept fails with EMFILE (no descriptor left) while client 7 waits; once descriptors are free, client 7 is served"
                | "客户端 7 等着的时候 accept 因 EMFILE（没有描述符了）失败；描述符一空出来，客户端 7 就得到服务"
        ))?,
        false => steps.skip(tr!(
            "a failed accept: your server was not reading a client when the check could make accept fail, or this system does not show it"
                | "accept 失败：检查程序能让 accept 失败的时候，你的服务端并不在读一个客户端，或者这个系统不显示这一点"
        )),
    }

    // 7. A client that ends its session with `q`, the lesson's word for it.
    let who = tr!(
        "client 8 sends b\"q\\n\", b\"Q\", b\" q\": messages like any other"
            | "客户端 8 发送 b\"q\\n\"、b\"Q\"、b\" q\"：和其他消息一样"
    );
    let mut eight = server.connect(&who)?;
    let only_q = tr!(
        "only the message that is the one byte q ends a session, as in the lesson's server (`if data == QUIT`; its client trims the line and sends q alone). b\"q\\n\" (from nc or telnet), b\"Q\" and b\" q\" are messages like any other: answer them, upper-cased."
            | "只有恰好是一个字节 q 的消息才结束会话，和本课的服务端一样（`if data == QUIT`；它的客户端会去掉行两头的空白，单独发送 q）。b\"q\\n\"（来自 nc 或 telnet）、b\"Q\" 和 b\" q\" 都和其他消息一样：转成大写回答它们。"
    );
    for (message, want) in [(&b"q\n"[..], &b"Q\n"[..]), (b"Q", b"Q"), (b" q", b" Q")] {
        exchange(&mut server, &mut eight, message, want, &who)
            .map_err(|f| f.hint(only_q.clone()))?;
    }
    let who = tr!("client 8 sends b\"q\"" | "客户端 8 发送 b\"q\"");
    let q_hint = tr!(
        "`q` ends that client's session (the lesson's client sends it before it leaves): close that connection, or answer it like any message; either way the server goes on to the next client and never returns."
            | "`q` 结束的是这个客户端的会话（本课的客户端离开之前会发送它）：关闭这条连接，或者像其他消息一样回答它；不管怎样，服务端都要接着服务下一个客户端，绝不返回。"
    );
    use std::io::{Read, Write};
    let _ = eight.write_all(b"q");
    let mut answer = [0u8; 8];
    let got = eight.read(&mut answer);
    match got {
        Ok(0) => {}
        Ok(n) if &answer[..n] == b"Q" => {}
        other => {
            let got = match other {
                Ok(n) => super::harness::shown(&answer[..n]),
                Err(e) => e.to_string(),
            };
            return Err(server.explain(
                Failure::new(&who)
                    .detail(tr!("expected: the connection closed, or b\"Q\""
                        | "期望：连接被关闭，或者收到 b\"Q\""))
                    .detail(tr!("got: {got}" | "实际：{got}"))
                    .hint(q_hint),
            ));
        }
    }
    drop(eight);
    let who = tr!("client 9, after client 8's q" | "客户端 9，在客户端 8 发送 q 之后");
    let mut nine = server.connect(&who).map_err(|f| f.hint(q_hint.clone()))?;
    exchange(&mut server, &mut nine, b"after q", b"AFTER Q", &who).map_err(|f| f.hint(q_hint))?;
    drop(nine);
    steps.ok(tr!(
        "client 8 sends b\"q\\n\", b\"Q\" and b\" q\", each answered like any message, then ends its session with b\"q\"; client 9 is served"
            | "客户端 8 发送 b\"q\\n\"、b\"Q\" 和 b\" q\"，每条都像其他消息一样得到回答，然后用 b\"q\" 结束会话；客户端 9 得到服务"
    ))?;

    // 8. More clients than any count, then nothing left behind.
    for i in 10..=15 {
        let who = tr!("client {i}" | "客户端 {i}");
        let mut stream = server.connect(&who)?;
        exchange(&mut server, &mut stream, b"more", b"MORE", &who)?;
    }
    if let Some(line) = server.ended() {
        return Err(Failure::new(tr!(
            "after client 15: serve is still running" | "客户端 15 之后：serve 仍在运行"
        ))
        .detail(line));
    }
    if let (Some(fds), Some(threads)) = (fds_start, threads_start) {
        let fds_now =
            kernel::settle_at_most(fds, Duration::from_secs(2), kernel::open_fds).unwrap_or(fds);
        let threads_now = kernel::settle_at_most(threads, Duration::from_secs(2), kernel::threads)
            .unwrap_or(threads);
        if fds_now > fds || threads_now > threads {
            return Err(Failure::new(tr!(
                "after the last client: descriptors and threads, against while it served the first"
                    | "最后一个客户端之后：描述符和线程，与服务第一个客户端时比较"
            ))
            .detail(tr!(
                "expected: {fds} descriptors and {threads} threads" | "期望：{fds} 个描述符、{threads} 个线程"
            ))
            .detail(tr!(
                "got: {fds_now} descriptors and {threads_now} threads: connections never closed, or threads that outlived their clients"
                    | "实际：{fds_now} 个描述符、{threads_now} 个线程：有连接从没关闭，或者有线程在客户端走后还活着"
            ))
            .hint(tr!(
                "a connection is closed when its TcpStream is dropped: do not keep it once its client is done."
                    | "TcpStream 被 drop 时连接就关闭了：客户端结束之后不要再留着它。"
            )));
        }
    }
    steps.ok(tr!(
        "clients 10 to 15 are served; serve has not returned, and holds no connection of any client and no thread more"
            | "客户端 10 到 15 得到服务；serve 没有返回，不再持有任何客户端的连接，也没有多出线程"
    ))?;
    Ok(())
}

/// Client 4 sends without reading until the server sleeps in a write to it, then resets.
/// `false` when that cannot be observed here.
fn reset_while_writing(server: &mut Server) -> Result<bool, Failure> {
    let step = tr!(
        "client 4 sends and never reads, then resets while your server is blocked writing to it"
            | "客户端 4 只发不读，在你的服务端阻塞着给它写的时候重置"
    );
    let hint = tr!(
        "send back every byte you read, upper-cased, before reading more."
            | "读到的每个字节都要转成大写发回去，然后再读下一批。"
    );
    let Some(four) = server.client_blocking_the_server(&step, &hint)? else {
        return Ok(false);
    };
    socket_lessons::wire::net::close_with_reset(four)
        .map_err(|e| Failure::setup("a reset (SO_LINGER 0)", e))?;
    let who = tr!("client 5, after client 4 reset" | "客户端 5，在客户端 4 重置之后");
    let mut five = server.connect(&who).map_err(|f| f.hint(error_hint()))?;
    exchange(server, &mut five, b"next", b"NEXT", &who).map_err(|f| f.hint(error_hint()))?;
    Ok(true)
}
