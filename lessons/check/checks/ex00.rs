//! The check of exercise 00: clients that send messages, close their side and wait for the
//! server to close its side too; one that leaves without a word, one that resets; more of
//! them than any fixed count; then the server's descriptors and threads counted against
//! what it had once the first client had gone.

use super::harness::{accept_hint, exchange, finish, Failure, Server, Steps, Subject, Talk, STUCK};
use super::kernel::{self, Call};
use socket_lessons::stage::tcp_state;
use socket_lessons::tr;
use std::io::{self, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

type Serve = fn(TcpListener) -> io::Result<()>;

const MEANS: &[(&str, &str)] = &[
    (
        "each message on a connection gets its answer, got N bytes\\n, two messages on one connection included",
        "一条连接上的每条消息都得到回答 got N bytes\\n，同一条连接上的两条消息也是",
    ),
    (
        "once a client has closed its side (recv returned 0), your server closes the connection: the client reads 0, the server's FIN; a client that leaves without a word too",
        "客户端关闭自己这一端之后（recv 返回 0），你的服务端关闭这条连接：客户端读到 0，也就是服务端的 FIN；一句话不说就离开的客户端也是",
    ),
    (
        "a client that resets its connection, while the server reads or while it is blocked writing to it, ends only that client: the next one is served",
        "一个重置连接的客户端，不管服务端正在读还是正阻塞着给它写，都只结束它自己：下一个客户端照常得到服务",
    ),
    (
        "a client that pauses between two messages is still served: a read timeout is not a close",
        "在两条消息之间停顿的客户端照样得到服务：读超时不是关闭",
    ),
    (
        "serve keeps serving (16 clients, one after another) and never returns: after the last it is back in accept, waiting for the next; even when an accept fails (EMFILE, no descriptor left): the waiting client is served once descriptors are free",
        "serve 一直服务下去（一个接一个 16 个客户端），从不返回：最后一个之后它又回到 accept 里等下一个；即使 accept 失败（EMFILE，没有描述符了）：描述符一空出来，等着的客户端就得到服务",
    ),
    (
        "after the last client, the process holds no more descriptors and no more threads than once the first client had gone: every connection was closed, not only shut down",
        "最后一个客户端走了之后，进程持有的描述符和线程不比第一个客户端走后多：每条连接都关闭了，而不只是 shutdown",
    ),
];

pub fn check(serve: Serve, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(serve, &mut steps);
    finish(steps, result, MEANS, &[])
}

const HINT: &str = "CLOSE_WAIT lasts until the application closes: the client's FIN only \
    tells your server's kernel that the client is done. Once recv returns 0, close the \
    connection (drop it; Python: conn.close()): that sends your FIN, and the client's end \
    leaves FIN_WAIT2 (docs/00, \"Closing is one-sided\").";
const HINT_ZH: &str = "CLOSE_WAIT 会一直持续到应用程序关闭连接为止：客户端的 FIN 只是告诉你的服务端内核，客户端说完了。recv 一返回 0，就关闭这条连接（drop 它；Python 里是 conn.close()）：这会发出你的 FIN，客户端那一端随之离开 FIN_WAIT2（docs/zh-CN/00，“关闭是单方向的”）。";

fn answer(n: usize) -> Vec<u8> {
    format!("got {n} bytes\n").into_bytes()
}

/// A client sends each message and reads its answer.
fn talk(
    server: &mut Server,
    stream: &mut TcpStream,
    who: &str,
    messages: &[&[u8]],
) -> Result<(), Failure> {
    for message in messages {
        exchange(server, stream, message, &answer(message.len()), who)?;
    }
    Ok(())
}

/// The client closes its sending side (its FIN goes out) and must then read 0: the
/// server's FIN, sent when the server program closed the connection.
fn wait_for_close(server: &mut Server, stream: &mut TcpStream, who: &str) -> Result<(), Failure> {
    let step = tr!(
        "{who}: shutdown(SHUT_WR), then recv must return 0 bytes (the server closed its side)"
            | "{who}：shutdown(SHUT_WR)，然后 recv 必须返回 0 字节（服务端关闭了它那一端）"
    );
    if let Err(e) = stream.shutdown(Shutdown::Write) {
        return Err(Failure::new(step).detail(tr!("shutdown failed: {e}" | "shutdown 失败：{e}")));
    }
    let _ = stream.set_read_timeout(Some(STUCK));
    let mut buf = [0u8; 1024];
    let got = match stream.read(&mut buf) {
        Ok(0) => return Ok(()),
        Ok(n) => tr!(
            "{n} more bytes: {}" | "又收到 {n} 字节：{}",
            super::harness::shown(&buf[..n])
        ),
        Err(e) if super::harness::is_timeout(&e) => tr!(
            "nothing within {} s: no FIN from the server, its side is still open"
                | "{} 秒内什么也没收到：服务端没有发 FIN，它那一端还开着",
            STUCK.as_secs()
        ),
        Err(e) => tr!("an error: {e}" | "出错：{e}"),
    };
    let mut failure = Failure::new(step)
        .detail(tr!(
            "expected: 0 bytes, the server's FIN" | "期望：0 字节，即服务端的 FIN"
        ))
        .detail(tr!("got: {got}" | "实际：{got}"));
    if tcp_state::OBSERVABLE {
        let client_end = tcp_state::of(&*stream).ok().flatten();
        failure = failure.detail(tr!(
            "the client's end, as its kernel reports it: {} (its FIN was ACKed, the server's FIN has not come)"
                | "客户端这一端，内核报告的状态：{}（它的 FIN 已被确认，服务端的 FIN 还没来）",
            tcp_state::show(client_end)
        ));
        if let (Ok(mine), Ok(theirs)) = (stream.local_addr(), stream.peer_addr()) {
            let server_end = tcp_state::lookup(theirs, mine).ok().flatten();
            failure = failure.detail(tr!(
                "the server's end, {theirs} <- {mine} in the kernel's table: {} (the client's FIN arrived; your program has not closed)"
                    | "服务端那一端，内核连接表里的 {theirs} <- {mine}：{}（客户端的 FIN 到了；你的程序还没有关闭）",
                tcp_state::show(server_end)
            ));
        }
    }
    Err(server
        .explain(failure)
        .hint(socket_lessons::lang::pick(HINT, HINT_ZH)))
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let mut server = Server::start(serve)?;

    // 1. Two messages on one connection, then the client closes first.
    let who = tr!("client 1" | "客户端 1");
    let mut one = server.connect(&who)?;
    talk(&mut server, &mut one, &who, &[b"hi", b"hello!"])?;
    wait_for_close(&mut server, &mut one, &who)?;
    drop(one);
    // The baseline: the server is set up (whatever it opens once, at its first client, is
    // open) and client 1 is gone.
    let fds_start = kernel::open_fds();
    let threads_start = kernel::threads();
    steps.ok(tr!(
        "client 1 sends b\"hi\" and b\"hello!\" and gets each answer; it shuts down its side, and your server closes its side too (recv -> 0)"
            | "客户端 1 发送 b\"hi\" 和 b\"hello!\"，各得到回答；它关闭自己的发送方向，你的服务端也关闭了它那一端（recv -> 0）"
    ))?;

    // 2. A client that leaves without a word.
    let who = tr!("client 2 (says nothing)" | "客户端 2（一句话不说）");
    let mut two = server.connect(&who)?;
    wait_for_close(&mut server, &mut two, &who)?;
    drop(two);
    steps.ok(tr!(
        "client 2 connects and leaves without a word; your server closes that connection too"
            | "客户端 2 连上后一句话不说就离开；你的服务端也关闭了这条连接"
    ))?;

    // 3. A client that resets: the server's read fails, and the next client is served.
    let who = tr!("client 3" | "客户端 3");
    let mut three = server.connect(&who)?;
    talk(&mut server, &mut three, &who, &[b"x"])?;
    socket_lessons::wire::net::close_with_reset(three)
        .map_err(|e| Failure::setup("a reset (SO_LINGER 0)", e))?;
    let who =
        tr!("client 4, after client 3 reset its connection" | "客户端 4，在客户端 3 重置连接之后");
    let mut four = server.connect(&who).map_err(|f| f.hint(reset_hint()))?;
    talk(&mut server, &mut four, &who, &[b"abc"]).map_err(|f| f.hint(reset_hint()))?;
    wait_for_close(&mut server, &mut four, &who)?;
    drop(four);
    steps.ok(tr!(
        "client 3 resets its connection (RST); client 4 is served after it"
            | "客户端 3 重置连接（RST）；之后客户端 4 照常得到服务"
    ))?;

    // 4. A client that sends and never reads its answers, reset while the server is blocked
    // writing to it: the server's write fails.
    let step = tr!(
        "client 5 sends and never reads its answers, then resets while your server is blocked writing to it"
            | "客户端 5 只发不读回答，在你的服务端阻塞着给它写的时候重置"
    );
    let answers_hint = tr!("answer every message you read before reading more."
        | "读到的每条消息都要先回答，然后再读下一条。");
    match server.client_blocking_the_server(&step, &answers_hint)? {
        Some(five) => {
            socket_lessons::wire::net::close_with_reset(five)
                .map_err(|e| Failure::setup("a reset (SO_LINGER 0)", e))?;
            let who = tr!(
                "client 6, after client 5 reset while your server wrote to it"
                    | "客户端 6，在你的服务端给客户端 5 写的时候客户端 5 重置之后"
            );
            let mut six = server.connect(&who).map_err(|f| f.hint(reset_hint()))?;
            talk(&mut server, &mut six, &who, &[b"six"]).map_err(|f| f.hint(reset_hint()))?;
            wait_for_close(&mut server, &mut six, &who)?;
            steps.ok(tr!(
                "client 5 resets while your server is blocked writing to it; client 6 is served after it"
                    | "客户端 5 在你的服务端阻塞着给它写的时候重置；之后客户端 6 照常得到服务"
            ))?;
        }
        None => steps.skip(tr!(
            "a write that fails on a reset: this system does not show which call a thread sleeps in (Linux's /proc does)"
                | "因重置而失败的写：这个系统不显示线程睡在哪个调用里（Linux 的 /proc 会显示）"
        )),
    }

    // 5. accept fails: no descriptor left.
    let (seven, after) = (answer(5), answer(5));
    let accepted = server.accept_fails(
        Talk {
            who: tr!("client 7" | "客户端 7"),
            message: b"seven",
            want: &seven,
        },
        Talk {
            who: tr!("client 8, once descriptors are free again" | "客户端 8，在描述符空出来之后"),
            message: b"after",
            want: &after,
        },
        &tr!("accept fails with EMFILE while client 8 waits"
            | "客户端 8 等着的时候 accept 因 EMFILE 失败"),
        &accept_hint(),
    )?;
    match accepted {
        true => steps.ok(tr!(
            "accept fails with EMFILE (no descriptor left) while client 8 waits; once descriptors are free, client 8 is served"
                | "客户端 8 等着的时候 accept 因 EMFILE（没有描述符了）失败；描述符一空出来，客户端 8 就得到服务"
        ))?,
        false => steps.skip(tr!(
            "a failed accept: your server was not reading a client when the check could make accept fail, or this system does not show it"
                | "accept 失败：检查程序能让 accept 失败的时候，你的服务端并不在读一个客户端，或者这个系统不显示这一点"
        )),
    }

    // 6. A client that pauses between two messages: a pause is not the end.
    pause(&mut server)?;
    steps.ok(tr!(
        "client 9 pauses {} ms between two messages and is still served: only its close ends the connection"
            | "客户端 9 在两条消息之间停顿 {} ms，仍然得到服务：只有它的关闭才结束这条连接",
        PAUSE.as_millis()
    ))?;

    // 7. More clients than any count written into the server.
    for i in 10..=16 {
        let who = tr!("client {i}" | "客户端 {i}");
        let mut stream = server.connect(&who)?;
        let message = format!("message {i}");
        talk(&mut server, &mut stream, &who, &[message.as_bytes()])?;
        wait_for_close(&mut server, &mut stream, &who)?;
    }
    // After the last client serve must be back in accept, waiting for the next: wait
    // until it is there, or has returned (a server written for a fixed number of clients
    // returns after the last one, a moment after its FIN). Where that cannot be seen, the
    // wait is the check's limit.
    let tid = server.running.tid();
    kernel::wait_until(STUCK, || {
        server.running.finished().is_some()
            || tid.is_some_and(|t| kernel::sleeps_in(t, Call::Accept, None))
    });
    if let Some(line) = server.ended() {
        return Err(Failure::new(tr!(
            "after client 16: serve is still running, waiting in accept for the next client"
                | "客户端 16 之后：serve 仍在运行，在 accept 里等下一个客户端"
        ))
        .detail(tr!(
            "expected: serve back in accept, however many clients came"
                | "期望：serve 回到 accept 里，不管来过多少客户端"
        ))
        .detail(line)
        .hint(tr!(
            "a server serves for ever: loop on accept with no count, and end a client, never the loop, when that client is done."
                | "服务端要一直服务下去：循环调用 accept，不要计数；一个客户端结束时结束的是这个客户端，而不是这个循环。"
        )));
    }
    steps.ok(tr!(
        "clients 10 to 16, one after another, each served and closed; after the last, serve has not returned: it waits in accept for the next"
            | "客户端 10 到 16 一个接一个，每个都得到服务并被关闭；最后一个之后 serve 没有返回：它在 accept 里等下一个"
    ))?;

    // 8. Nothing left behind.
    match (fds_start, threads_start) {
        (Some(fds), Some(threads)) => {
            let step = tr!(
                "after the last client: the process's descriptors and threads, against after the first"
                    | "最后一个客户端之后：进程的描述符和线程，与第一个客户端走后比较"
            );
            let fds_now = kernel::settle_at_most(fds, Duration::from_secs(2), kernel::open_fds)
                .unwrap_or(fds);
            if fds_now > fds {
                let extra = fds_now - fds;
                return Err(Failure::new(step)
                    .detail(tr!(
                        "expected: {fds} descriptors, as after the first client"
                            | "期望：{fds} 个描述符，和第一个客户端走后一样"
                    ))
                    .detail(tr!(
                        "got: {fds_now}: {extra} connections your server never closed"
                            | "实际：{fds_now} 个：有 {extra} 条连接你的服务端从没关闭"
                    ))
                    .hint(tr!(
                        "shutdown() sends the FIN but keeps the socket: only close (drop in Rust, conn.close() in Python) gives the descriptor back. A socket kept in a Vec is a descriptor used up for every client ever served: keep a count or the addresses instead."
                            | "shutdown() 会发出 FIN，但保留着套接字：只有 close（Rust 里是 drop，Python 里是 conn.close()）才会归还描述符。放在 Vec 里的套接字，每服务过一个客户端就占用一个描述符：要保留的话，就保留一个计数或者地址。"
                    )));
            }
            let threads_now =
                kernel::settle_at_most(threads, Duration::from_secs(2), kernel::threads)
                    .unwrap_or(threads);
            if threads_now > threads {
                let extra = threads_now - threads;
                return Err(Failure::new(step)
                    .detail(tr!(
                        "expected: {threads} threads, as after the first client"
                            | "期望：{threads} 个线程，和第一个客户端走后一样"
                    ))
                    .detail(tr!(
                        "got: {threads_now}: {extra} threads your server started are still running after their clients left"
                            | "实际：{threads_now} 个：你的服务端启动的 {extra} 个线程在客户端离开之后还在运行"
                    ))
                    .hint(tr!(
                        "a thread for a client must end when its client is done: let its loop end on recv -> 0 or an error, and the thread with it."
                            | "为一个客户端开的线程，在这个客户端结束时也要结束：让它的循环在 recv -> 0 或出错时结束，线程也就随之结束。"
                    )));
            }
            steps.ok(tr!(
                "after the last client this process holds {fds} descriptors and {threads} threads, as after the first"
                    | "最后一个客户端之后，这个进程持有 {fds} 个描述符、{threads} 个线程，和第一个客户端走后一样"
            ))?;
        }
        _ => steps.skip(tr!(
            "descriptors and threads left behind: this system does not list them (Linux's /proc does)"
                | "留下的描述符和线程：这个系统不列出它们（Linux 的 /proc 会）"
        )),
    }
    Ok(())
}

/// How long client 9 pauses between two messages.
const PAUSE: Duration = Duration::from_millis(500);
/// What a read timeout the server set on client 9's connection is shortened to: it runs
/// out during the pause, as a longer one would during a longer pause.
const SHORTENED: Duration = Duration::from_millis(50);

/// Client 9 sends, pauses, and sends again; then it closes and waits for the server's FIN.
fn pause(server: &mut Server) -> Result<(), Failure> {
    let who = tr!("client 9, which pauses between two messages" | "客户端 9，在两条消息之间停顿");
    let mut nine = server.connect(&who)?;
    talk(server, &mut nine, &who, &[b"before"])?;
    // A read timeout the server set on the connection (only by the learner's code: the
    // check sets none) is shortened, then the server reads again with it.
    let found = nine
        .local_addr()
        .ok()
        .and_then(|mine| kernel::socket_fd(server.addr, mine))
        .and_then(|fd| kernel::shorten_read_timeout(fd, SHORTENED));
    talk(server, &mut nine, &who, &[b"still here"])?;
    std::thread::sleep(PAUSE);
    let step = tr!(
        "client 9, after a pause of {} ms between two messages"
            | "客户端 9，在两条消息之间停顿 {} ms 之后",
        PAUSE.as_millis()
    );
    talk(server, &mut nine, &step, &[b"after the pause"]).map_err(|mut f| {
        if let Some(t) = found {
            f = f.detail(tr!(
                "(your server had set a read timeout of {} ms on the connection; the check shortened it to {} ms, so that it ran out during the pause, as it would during a longer one)"
                    | "（你的服务端给这条连接设了 {} ms 的读超时；检查程序把它缩短到 {} ms，让它在这次停顿里就到期：停顿再长一些，原来的超时也一样会到期）",
                t.as_millis(),
                SHORTENED.as_millis()
            ));
        }
        f.hint(tr!(
            "a client that says nothing for a while has not closed: only recv returning 0 (its FIN) or an error says it is gone. A read timeout (WouldBlock or TimedOut) is not its close: do not end the connection on it, or do not set one."
                | "一个客户端一时不说话，并不是关闭了：只有 recv 返回 0（它的 FIN）或者出错才说明它走了。读超时（WouldBlock 或 TimedOut）不是它的关闭：不要因此结束连接，或者干脆不要设读超时。"
        ))
    })?;
    wait_for_close(server, &mut nine, &who)
}

fn reset_hint() -> String {
    tr!(
        "a reset makes recv (or send) fail with \"connection reset\". That error belongs to one client: end that client, not the server (no `?` on a client's read or write)."
            | "重置会让 recv（或 send）失败，报“connection reset”。这个错误只属于一个客户端：结束这个客户端，而不是整个服务端（对客户端的读写不要用 `?`）。"
    )
}
