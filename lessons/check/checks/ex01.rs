//! The check of exercise 01: servers as in notes A §2, each taking one message and sending
//! one reply, then closing. A short reply; none at all; a long one sent in pieces, each
//! after the client has read the one before (so one big read cannot get it all, and a
//! piece ends inside a character); one that is not UTF-8; and a 16 MiB message whose send
//! the check interrupts once, the way a signal can, to see whether the rest is sent.

use super::harness::{
    ends, finish, first_difference, shown, spawn, within, Failure, Steps, Subject, STUCK,
};
use super::kernel::{self, Call};
use socket_lessons::tr;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

type Ask = fn(SocketAddr, &[u8]) -> io::Result<Vec<u8>>;

/// What the client says (notes A §2).
const GREETING: &str = "你好!我是客户端!";
/// The long message of the last step.
const LONG: usize = 16 * 1024 * 1024;

const MEANS: &[(&str, &str)] = &[
    (
        "ask returns the whole reply, up to the server's close: a short one, an empty one (a server that closes without a word), 4680 bytes sent in 7 pieces of 1 to 2048 bytes, each after your client had read the one before, and one with a pause of 1.5 s in the middle",
        "ask 返回完整的回答，一直到服务端关闭为止：短的、空的（服务端一句话不说就关闭）、分成 1 到 2048 字节的 7 块、每块都等你的客户端读完上一块才发送的 4680 字节，以及中途停顿 1.5 秒的回答",
    ),
    (
        "the reply comes back as the bytes that were sent: not decoded, so bytes that are not UTF-8 and a character split between two pieces come back unchanged",
        "回答按发送的字节原样返回：不做解码，所以不是 UTF-8 的字节、被两块分开的字符都原样返回",
    ),
    (
        "ask sends the whole message: a 16 MiB message whose send is cut short once (as a signal can cut it) still reaches the server whole, in order",
        "ask 把消息完整发出：一条 16 MiB 的消息，发送被打断一次（信号就会这样打断它），仍然完整、按顺序到达服务端",
    ),
    (
        "ask leaves no socket open behind it",
        "ask 返回后不留下打开着的套接字",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "a wait longer than 1.5 s timed by your own clock (not by a read timeout, which the check shortens) taken for the end of the reply: the slowest server here pauses 1.5 s",
    "用你自己的时钟（而不是读超时，检查程序会把读超时缩短）计时、超过 1.5 秒的等待被当作回答的结束：这里最慢的服务端停顿 1.5 秒",
)];

pub fn check(ask: Ask, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(ask, &mut steps);
    finish(steps, result, MEANS, CANNOT_SEE)
}

/// How a server of this check sends its reply.
#[derive(Clone)]
enum Reply {
    /// In one write.
    Whole(Vec<u8>),
    /// In pieces, each after the client has taken everything sent before it.
    Pieces(Vec<Vec<u8>>),
    /// A first part; once the client has taken it, a pause; then the rest.
    Paused(Vec<u8>, Duration, Vec<u8>),
}

impl Reply {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Reply::Whole(b) => b.clone(),
            Reply::Pieces(p) => p.concat(),
            Reply::Paused(a, _, b) => [a.clone(), b.clone()].concat(),
        }
    }
}

fn listener() -> Result<(TcpListener, SocketAddr), Failure> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| Failure::setup("a listener", e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::setup("a listener", e))?;
    Ok((listener, addr))
}

/// A server that reads the greeting (exactly its length), sends `reply`, and closes;
/// and the learner's `ask` against it.
fn exchange(ask: Ask, step: &str, reply: Reply, hint: &str) -> Result<(), Failure> {
    let (listener, addr) = listener()?;
    let want = reply.bytes();
    let done = Arc::new(AtomicBool::new(false));
    let (heard_tx, heard) = mpsc::channel();
    let server_done = Arc::clone(&done);
    let server = std::thread::spawn(move || {
        super::harness::check_thread();
        let Ok((mut conn, client)) = listener.accept() else {
            return;
        };
        let _ = conn.set_read_timeout(Some(STUCK));
        let _ = conn.set_nodelay(true);
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while got.len() < GREETING.len() {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let _ = heard_tx.send(got);
        match reply {
            Reply::Whole(bytes) => {
                let _ = conn.write_all(&bytes);
            }
            Reply::Paused(first, pause, rest) => {
                let here = conn.local_addr().ok();
                let fd = here.and_then(|here| kernel::wait_for_socket_fd(client, here, STUCK));
                let taken = |n: usize| {
                    if let Some(fd) = fd {
                        kernel::wait_until(STUCK, || {
                            server_done.load(Ordering::SeqCst)
                                || kernel::consumed(fd).is_none_or(|c| c >= n as u64)
                        });
                    }
                };
                // The first part but its last byte; once the client has read it, a read
                // timeout it set on its socket is shortened, so that it runs out during the
                // pause as a longer pause would make a longer one run out; then the last
                // byte, so that the client's next read starts with the short timeout.
                let (head, last) = first.split_at(first.len().saturating_sub(1));
                if conn.write_all(head).is_ok() {
                    taken(head.len());
                    if let Some(fd) = fd {
                        kernel::shorten_read_timeout(fd, Duration::from_millis(50));
                    }
                    if conn.write_all(last).is_ok() {
                        taken(first.len());
                        // A slow server: the pause is the scenario, not a wait for anything.
                        std::thread::sleep(pause);
                        let _ = conn.write_all(&rest);
                    }
                }
            }
            Reply::Pieces(pieces) => {
                let here = conn.local_addr().ok();
                let fd = here.and_then(|here| kernel::wait_for_socket_fd(client, here, STUCK));
                let mut sent = 0u64;
                for piece in pieces {
                    if conn.write_all(&piece).is_err() {
                        break;
                    }
                    sent += piece.len() as u64;
                    // The next piece only once the client has read everything so far (or
                    // has returned): one read can never get two pieces.
                    if let Some(fd) = fd {
                        kernel::wait_until(STUCK, || {
                            server_done.load(Ordering::SeqCst)
                                || kernel::consumed(fd).is_none_or(|c| c >= sent)
                        });
                    }
                }
            }
        }
        // The close: the end of the reply.
    });

    let result = within(move || ask(addr, GREETING.as_bytes()));
    done.store(true, Ordering::SeqCst);
    let _ = server.join();
    let heard = heard.recv_timeout(STUCK).unwrap_or_default();
    let result =
        result.map_err(|trouble| Failure::new(step).trouble(&trouble, "ask").hint(hint))?;
    if heard != GREETING.as_bytes() {
        return Err(Failure::new(step)
            .detail(tr!(
                "the server expected: {}" | "服务端期望收到：{}",
                shown(GREETING.as_bytes())
            ))
            .detail(tr!("the server received: {}" | "服务端实际收到：{}", shown(&heard)))
            .hint(tr!(
                "send the whole message: write (Python's send) may take only part of it; write_all (sendall) loops until every byte is taken."
                    | "要把消息完整发出：write（Python 的 send）可能只接收了一部分；write_all（sendall）会循环到每个字节都被接收。"
            )));
    }
    let got = result.map_err(|e| {
        Failure::new(step)
            .detail(tr!("expected: {}" | "期望：{}", ends(&want, 24)))
            .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
            .hint(hint)
    })?;
    if got != want {
        let mut failure = Failure::new(step)
            .detail(tr!("expected: {}" | "期望：{}", ends(&want, 24)))
            .detail(tr!("got:      {}" | "实际：{}", ends(&got, 24)));
        if got.len() < want.len()
            && want.starts_with(&got)
            && want[got.len()..].iter().all(u8::is_ascii_whitespace)
        {
            let rest = want.len() - got.len();
            failure = failure.detail(tr!(
                "the reply without its last {rest} bytes, all whitespace: trimmed after it was read"
                    | "这是去掉了最后 {rest} 个字节的回答，那些字节都是空白：读完之后被 trim 掉了"
            ));
        } else if got.len() < want.len() && want.starts_with(&got) {
            let (n, rest) = (got.len(), want.len() - got.len());
            failure = failure.detail(tr!(
                "the first {n} bytes of the reply; the other {rest} were sent too, and ask returned before reading them"
                    | "这是回答的前 {n} 字节；另外 {rest} 字节也发出了，ask 没读它们就返回了"
            ));
        } else if let Some(at) = first_difference(&want, &got) {
            failure = failure.detail(tr!(
                "they differ from byte {at} on: the reply was changed on its way into your Vec (decoded? trimmed?)"
                    | "从第 {at} 字节起不同：回答在放进你的 Vec 的路上被改动了（解码了？去掉了空白？）"
            ));
        }
        return Err(failure.hint(hint));
    }
    Ok(())
}

fn run(ask: Ask, steps: &mut Steps) -> Result<(), Failure> {
    let fds_before = kernel::open_fds();
    let short = "你好!我是服务端!".as_bytes().to_vec();
    exchange(
        ask,
        &tr!("a server that replies with a short text" | "回答一段短文本的服务端"),
        Reply::Whole(short.clone()),
        &tr!(
            "send the whole message (write_all), then read the reply until recv returns 0."
                | "把消息完整发出（write_all），然后读取回答，直到 recv 返回 0。"
        ),
    )?;
    steps.ok(tr!(
        "a short reply comes back whole: {}" | "短回答完整返回：{}",
        shown(&short)
    ))?;

    exchange(
        ask,
        &tr!(
            "a server that reads the message and closes without replying"
                | "读完消息就关闭、不回答的服务端"
        ),
        Reply::Whole(Vec::new()),
        &tr!(
            "recv returning 0 bytes is the server's close: the reply is everything before it, here nothing."
                | "recv 返回 0 字节就是服务端关闭了：回答是那之前的一切，这里什么也没有。"
        ),
    )?;
    if let Some(before) = fds_before {
        let now = kernel::settle_at_most(before, Duration::from_secs(1), kernel::open_fds);
        if let Some(now) = now.filter(|&n| n > before) {
            let extra = now - before;
            return Err(Failure::new(tr!(
                "after two calls of ask: the descriptors of this process"
                    | "调用两次 ask 之后：这个进程的描述符"
            ))
            .detail(tr!(
                "expected: {before}, as before the first call" | "期望：{before} 个，和第一次调用之前一样"
            ))
            .detail(tr!(
                "got: {now}: {extra} sockets ask left open" | "实际：{now} 个：ask 留下了 {extra} 个没关闭的套接字"
            ))
            .hint(tr!(
                "the stream is closed when it is dropped, at the end of ask: do not keep it (in a static, a Vec, mem::forget)."
                    | "流在被 drop 时关闭，也就是 ask 结束时：不要把它留下来（放进 static、Vec，或者 mem::forget）。"
            )));
        }
    }
    steps.ok(tr!(
        "a server that closes without a word: an empty reply, b\"\"; ask leaves no socket open"
            | "一句话不说就关闭的服务端：空回答 b\"\"；ask 不留下打开着的套接字"
    ))?;

    // 4500 bytes of UTF-8 text, in pieces of 1 to 2048 bytes; one piece ends inside a
    // character.
    let long: Vec<u8> = (1..=260)
        .map(|i| format!("第{i:03}行:你好!\n"))
        .collect::<String>()
        .into_bytes();
    let mut pieces = Vec::new();
    let mut at = 0;
    for size in [1, 1000, 21, 1024, 2048, 7] {
        let end = (at + size).min(long.len());
        pieces.push(long[at..end].to_vec());
        at = end;
    }
    pieces.push(long[at..].to_vec());
    let sizes: Vec<String> = pieces.iter().map(|p| p.len().to_string()).collect();
    // The third piece ends inside 好, bytes 1021 to 1023 of the text.
    debug_assert!(std::str::from_utf8(&long[..1022]).is_err());
    exchange(
        ask,
        &tr!(
            "a server that replies with {} bytes of UTF-8 text in pieces of {} bytes, each after your client has read the one before"
                | "回答 {} 字节 UTF-8 文本的服务端，分成 {} 字节的几块发送，每块都等你的客户端读完上一块",
            long.len(),
            sizes.join(", ")
        ),
        Reply::Pieces(pieces),
        &tr!(
            "recv(1024) is an upper bound: one call returns what has arrived, from 1 byte up, whatever the server sent. The server ends its reply by closing: read until recv returns 0 (read_to_end), not until a read comes back short (docs/01, \"recv(1024) is a maximum, not a message\")."
                | "recv(1024) 只是上限：一次调用返回已经到达的数据，最少 1 字节，不管服务端发了多少。服务端用关闭来结束回答：要一直读到 recv 返回 0（read_to_end），而不是读到某次返回得少了就停（docs/zh-CN/01，“recv(1024) 是上限，不是一条消息”）。"
        ),
    )?;
    steps.ok(tr!(
        "a reply of {} bytes sent in 7 pieces, one of them ending inside a character, comes back whole"
            | "分 7 块发送、其中一块在字符中间断开的 {} 字节回答，完整返回",
        long.len()
    ))?;

    // A slow server: a pause in the middle of its reply.
    let first = "第一部分:你好!\n".as_bytes().to_vec();
    let rest = "第二部分:一秒半之后\n".as_bytes().to_vec();
    exchange(
        ask,
        &tr!(
            "a server that pauses 1.5 s in the middle of its reply" | "在回答中途停顿 1.5 秒的服务端"
        ),
        Reply::Paused(first, Duration::from_millis(1500), rest),
        &tr!(
            "a pause is not the end: only the server's close is (recv returning 0). A read timeout taken for the end of the reply cuts the reply of any server slower than the timeout (the check shortens a read timeout your client set to 50 ms before it pauses, so that it runs out as it would in a longer pause)."
                | "停顿不是结束：只有服务端关闭（recv 返回 0）才是。把读超时当作回答的结束，会截断任何比这个超时慢的服务端的回答（检查程序在停顿之前会把你的客户端设的读超时缩短到 50 ms，让它在这次停顿里就到期：停顿再长一些，原来的超时也一样会到期）。"
        ),
    )?;
    steps.ok(tr!(
        "a reply with a pause of 1.5 s in the middle comes back whole"
            | "中途停顿 1.5 秒的回答完整返回"
    ))?;

    // GBK, what a Chinese Windows server would send, and bytes no encoding has.
    let mut gbk = b"\xc4\xe3\xba\xc3\xa3\xac\xca\xc0\xbd\xe7".to_vec();
    gbk.extend_from_slice(b" \xff\xfe\x00 end");
    exchange(
        ask,
        &tr!(
            "a server that replies with bytes that are not UTF-8 (GBK text, then ff fe 00)"
                | "回答不是 UTF-8 的字节的服务端（GBK 文本，然后是 ff fe 00）"
        ),
        Reply::Whole(gbk.clone()),
        &tr!(
            "the reply is bytes: return them as they came. Decoding them (from_utf8_lossy, String) changes every byte that is not UTF-8; the caller decides how to read them (lesson 07's --encoding gbk)."
                | "回答是字节：按收到的样子返回。解码（from_utf8_lossy、String）会改掉每一个不是 UTF-8 的字节；怎样解读由调用者决定（第 07 课的 --encoding gbk）。"
        ),
    )?;
    steps.ok(tr!(
        "a reply that is not UTF-8 comes back byte for byte: {}"
            | "不是 UTF-8 的回答逐字节原样返回：{}",
        shown(&gbk)
    ))?;

    long_message(ask, steps)
}

/// A 16 MiB message to a server that reads nothing until the client's send blocks; then
/// the check interrupts that send once (a signal), and the server reads everything the
/// client sends.
fn long_message(ask: Ask, steps: &mut Steps) -> Result<(), Failure> {
    let step = tr!(
        "a 16 MiB message, its send interrupted by signals while the server is not reading yet"
            | "一条 16 MiB 的消息，在服务端还没开始读时，它的发送被信号打断"
    );
    let hint = tr!(
        "write (Python's send) returns how many bytes it took, and it may be fewer than asked: a signal, a non-blocking socket, a send timeout all cut it short. A signal that comes before it took any byte makes it fail with ErrorKind::Interrupted, which means \"call again\". The rest is never sent unless you send it: write_all (sendall) loops until every byte is taken, calling again on Interrupted (Beej's guide, \"sendall\")."
            | "write（Python 的 send）返回它接收了多少字节，可能比要求的少：信号、非阻塞套接字、发送超时都会让它提前返回。信号如果在它接收任何字节之前到来，它会以 ErrorKind::Interrupted 失败，意思是“再调用一次”。剩下的字节你不发就永远不会发出：write_all（sendall）会循环到每个字节都被接收，遇到 Interrupted 就再调用（Beej 指南，“sendall”）。"
    );
    let message: Vec<u8> = (0..LONG as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
        .map_err(|e| Failure::setup("a listener", e))?;
    // A small receive buffer (inherited by the accepted socket): the client's send blocks
    // after a few hundred kilobytes instead of tens of megabytes.
    let _ = socket.set_recv_buffer_size(256 * 1024);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap_or_else(|_| unreachable!());
    socket
        .bind(&addr.into())
        .and_then(|_| socket.listen(1))
        .map_err(|e| Failure::setup("a listener", e))?;
    let listener: TcpListener = socket.into();
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::setup("a listener", e))?;

    let done = Arc::new(AtomicBool::new(false));
    let server_done = Arc::clone(&done);
    let expected = message.clone();
    let (report_tx, report) = mpsc::channel();
    let server = std::thread::spawn(move || {
        super::harness::check_thread();
        let Ok((mut conn, client)) = listener.accept() else {
            return;
        };
        let here = conn.local_addr().ok();
        let fd = here.and_then(|here| kernel::wait_for_socket_fd(client, here, STUCK));
        let conn_fd = {
            #[cfg(unix)]
            {
                use std::os::fd::AsRawFd;
                Some(conn.as_raw_fd())
            }
            #[cfg(not(unix))]
            {
                None::<i32>
            }
        };
        let _ = conn.set_read_timeout(Some(Duration::from_millis(20)));
        let mut got = Vec::with_capacity(LONG);
        let mut buf = vec![0u8; 256 * 1024];
        // Reads nothing while the client's send is interrupted twice (every buffer on the
        // way full), then 1 MiB, and the send is interrupted once more.
        let interrupted = match fd {
            Some(fd) => {
                let stopped = || {
                    server_done.load(Ordering::SeqCst) || kernel::sleeper(Call::Recv, fd).is_some()
                };
                let mut read_some = || {
                    let before = got.len();
                    let until = before + 1024 * 1024;
                    let deadline = Instant::now() + STUCK;
                    while got.len() < until && Instant::now() < deadline && !stopped() {
                        match conn.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                            Err(e) if super::harness::is_timeout(&e) => {}
                            Err(_) => break,
                        }
                    }
                    (before, got.len())
                };
                kernel::interrupt_sender(fd, conn_fd, STUCK, &stopped, &mut read_some)
            }
            None => kernel::Interruptions::default(),
        };
        let deadline = Instant::now() + STUCK * 3;
        let stopped = loop {
            if got.len() >= LONG {
                break false;
            }
            match conn.read(&mut buf) {
                Ok(0) => break true,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    continue;
                }
                Err(e) if super::harness::is_timeout(&e) => {}
                Err(_) => break true,
            }
            // Nothing for a moment: has the client stopped sending? Its thread waits in
            // recv for the reply, nothing of its is queued anywhere on the way.
            let idle = match (fd, conn_fd) {
                (Some(fd), Some(conn_fd)) => {
                    kernel::sleeper(Call::Recv, fd).is_some()
                        && kernel::unsent(fd) == Some(0)
                        && kernel::unread(conn_fd) == Some(0)
                }
                _ => false,
            };
            if idle || server_done.load(Ordering::SeqCst) || Instant::now() >= deadline {
                break true;
            }
        };
        let whole = got == expected;
        if whole {
            let _ = conn.write_all(format!("received {} bytes", got.len()).as_bytes());
        }
        let _ = report_tx.send((got, interrupted, stopped));
    });

    let running = spawn({
        let message = message.clone();
        move || ask(addr, &message)
    });
    let result = running.wait(STUCK * 4);
    done.store(true, Ordering::SeqCst);
    let _ = server.join();
    let (got, interrupted, _) = report.recv_timeout(STUCK).unwrap_or_default();
    if got != message {
        let mut failure = Failure::new(&step)
            .detail(tr!(
                "the server expected: {} bytes" | "服务端期望收到：{} 字节",
                LONG
            ))
            .detail(tr!(
                "the server received: {} bytes, then your client stopped sending and waited for the reply"
                    | "服务端实际收到：{} 字节，然后你的客户端不再发送，开始等回答",
                got.len()
            ));
        if let Some(at) = first_difference(&message[..got.len().min(LONG)], &got) {
            if at < got.len() {
                failure = failure.detail(tr!(
                    "and the bytes differ from byte {at} on: a part was sent twice, or out of order"
                        | "而且从第 {at} 字节起不同：有一部分发了两次，或者顺序乱了"
                ));
            }
        }
        if interrupted.any() {
            failure = failure.detail(tr!(
                "(the check had interrupted the send while it waited for room in the buffers: {} times after it had copied bytes, a short count; {} time before it had copied any, EINTR: ErrorKind::Interrupted)"
                    | "（检查程序在发送等待缓冲区空间时打断过它：{} 次是在它已经复制了一些字节之后，返回的字节数不足；{} 次是在它还没复制任何字节之前，EINTR：ErrorKind::Interrupted）",
                interrupted.short,
                interrupted.eintr
            ));
        }
        if let Err(trouble) = &result {
            failure = failure.trouble(trouble, "ask");
        }
        return Err(failure.hint(hint));
    }
    let reply = format!("received {LONG} bytes").into_bytes();
    match result {
        Ok(Ok(got)) if got == reply => {}
        Ok(Ok(got)) => {
            return Err(Failure::new(&step)
                .detail(tr!("expected: {}" | "期望：{}", shown(&reply)))
                .detail(tr!("got: {}" | "实际：{}", ends(&got, 24)))
                .hint(hint))
        }
        Ok(Err(e)) => {
            return Err(Failure::new(&step)
                .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
                .hint(hint))
        }
        Err(trouble) => return Err(Failure::new(&step).trouble(&trouble, "ask").hint(hint)),
    }
    if interrupted.any() {
        steps.ok(tr!(
            "a 16 MiB message whose send signals interrupted ({} short counts, {} EINTR) reaches the server whole, in order"
                | "一条 16 MiB 的消息，发送被信号打断过（{} 次返回的字节数不足，{} 次 EINTR），仍然完整、按顺序到达服务端",
            interrupted.short,
            interrupted.eintr
        ))?;
    } else {
        steps.ok(tr!("a 16 MiB message reaches the server whole, in order"
            | "一条 16 MiB 的消息完整、按顺序到达服务端"))?;
        steps.skip(tr!(
            "a send cut short by a signal: this system does not show which call a thread sleeps in (Linux's /proc does), so the check could not interrupt it"
                | "被信号打断的发送：这个系统不显示线程睡在哪个调用里（Linux 的 /proc 会显示），检查程序没法打断它"
        ));
    }
    Ok(())
}
