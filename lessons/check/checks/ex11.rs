//! The check of exercise 11: clients that must all be served by the one thread that runs
//! `serve`: one that connects and stays silent, one that leaves, one that resets; one that
//! sends 8 MiB and reads nothing until its sending blocks (back-pressure), while another
//! must still be served; its echo must then come back whole. The server's threads are
//! counted while clients are connected, its memory is watched while it holds back, and its
//! descriptors are counted at the end.

use super::alloc;
use super::harness::{exchange, finish, first_difference, Failure, Server, Steps, Subject, STUCK};
use super::kernel::{self, Call};
use socket_lessons::tr;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

type Serve = fn(TcpListener) -> io::Result<()>;

/// What client F sends without reading.
const FLOOD: usize = 8 * 1024 * 1024;
/// The receive buffer of the server's end of client H's connection.
const BUFFERS: usize = 256 * 1024;
/// The receive buffer of the server's end of client F's connection: more than the server
/// may hold, so that a read into a big buffer can take more than that at once. (Linux
/// grants at most net.core.rmem_max, doubled; where that is small, a big read buffer cannot
/// show.)
const F_RECEIVE: usize = 4 * 1024 * 1024;
/// The most the server may hold for a client that does not read.
const HOLD: usize = 1024 * 1024;

const MEANS: &[(&str, &str)] = &[
    (
        "serve answers each client's bytes upper-cased while another client is connected and silent, and the silent one when it speaks",
        "另一个客户端连着却不说话的时候，serve 照样把每个客户端的字节转成大写发回；那个不说话的客户端开口时也得到回答",
    ),
    (
        "a client that leaves or resets is dropped, and the others go on being served",
        "离开或重置的客户端被丢弃，其他客户端照常得到服务",
    ),
    (
        "it runs in one thread: with three clients connected, no thread more than before the first",
        "它只在一个线程里运行：三个客户端连着的时候，线程数不比第一个客户端之前多",
    ),
    (
        "a client that sends 8 MiB and reads nothing until its sending blocks: another client is still served meanwhile, the server holds under 1 MiB for it, and once it reads, its echo comes back whole and in order (a short write keeps the rest for later; WouldBlock on a write is not an error)",
        "一个客户端发送 8 MiB、在它的发送阻塞之前什么也不读：这期间另一个客户端照样得到服务，服务端为它占用的内存不到 1 MiB；等它开始读，它的回显完整、按顺序回来（写了一部分就把剩下的留到以后；写时的 WouldBlock 不是错误）",
    ),
    (
        "a client that shuts down its sending side before it reads gets its whole echo: it is dropped once its outbox is empty, not when read returns 0",
        "在读之前就关闭发送方向的客户端得到完整的回显：等它的待发缓冲区空了才丢掉它，而不是在 read 返回 0 的时候",
    ),
    (
        "serve never returns, and after the last client holds no connection of any client",
        "serve 从不返回，最后一个客户端之后不再持有任何客户端的连接",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "the CPU the loop burns while nobody talks (the notes' way busy never sleeps; lesson 11's ways threads and poll do not spin)",
    "没人说话时这个循环烧掉的 CPU（笔记的 busy 方式从不睡眠；第 11 课的 threads 和 poll 方式不会空转）",
)];

pub fn check(serve: Serve, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(serve, &mut steps);
    finish(steps, result, MEANS, CANNOT_SEE)
}

fn silent_hint() -> String {
    tr!(
        "on Linux an accepted socket does not inherit the listener's O_NONBLOCK: the connection from accept() is blocking, so read() on a client that has sent nothing waits there, and this one thread serves nobody else meanwhile. Call set_nonblocking(true) on every accepted connection, and treat WouldBlock as \"nothing yet\" (docs/11, the way `busy`, and the notes' first slip: conn.setblocking(False))."
            | "在 Linux 上，accept 出来的套接字不会继承监听套接字的 O_NONBLOCK：accept() 返回的连接是阻塞的，所以对一个还没发任何东西的客户端 read() 会一直等在那里，这期间这唯一的线程谁也服务不了。对每个 accept 出来的连接调用 set_nonblocking(true)，并把 WouldBlock 当作“还没有数据”（docs/zh-CN/11，busy 方式，以及笔记的第一个疏漏：conn.setblocking(False)）。"
    )
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let mut server = Server::start(serve)?;
    let threads_start = kernel::threads();

    // 1. A connects first and says nothing; B connects after it and talks.
    let mut a = server.connect(&tr!("client A" | "客户端 A"))?;
    let mut b = server.connect(&tr!("client B" | "客户端 B"))?;
    exchange(
        &mut server,
        &mut b,
        b"hi",
        b"HI",
        &tr!("client B, while client A is connected and silent"
            | "客户端 B，此时客户端 A 连着但不说话"),
    )
    .map_err(|f| f.hint(silent_hint()))?;
    // The baseline for descriptors: the server is set up (whatever it opens once, a poll
    // instance say, is open), less A's and B's two ends each.
    let fds_start = kernel::open_fds().map(|n| n.saturating_sub(4));
    steps.ok(tr!(
        "client A connects and sends nothing; client B sends b\"hi\" and gets b\"HI\""
            | "客户端 A 连上后什么也不发；客户端 B 发送 b\"hi\"，收到 b\"HI\""
    ))?;

    // 2. A speaks at last.
    exchange(
        &mut server,
        &mut a,
        b"late",
        b"LATE",
        &tr!("client A, after client B" | "客户端 A，在客户端 B 之后"),
    )?;
    steps
        .ok(tr!("client A sends b\"late\" and gets b\"LATE\""
            | "客户端 A 发送 b\"late\"，收到 b\"LATE\""))?;

    // 3. B leaves; C arrives while A is still connected.
    drop(b);
    // The connect has the step's name too: a server that stopped at B's close may refuse
    // it, or let it through and fail the exchange, as the kernel's timing falls.
    let mut c = server.connect(&tr!(
        "client C, after client B closed" | "客户端 C，在客户端 B 关闭之后"
    ))?;
    let closed_hint = tr!(
        "read() returning 0 bytes means that client closed, and an error means it failed: drop that connection and go on with the others; neither is a reason to stop the loop."
            | "read() 返回 0 字节表示那个客户端关闭了，出错表示它出了问题：丢掉这条连接，继续服务其他的；两者都不是让循环停下的理由。"
    );
    exchange(
        &mut server,
        &mut c,
        b"c here",
        b"C HERE",
        &tr!("client C, after client B closed" | "客户端 C，在客户端 B 关闭之后"),
    )
    .map_err(|f| f.hint(closed_hint.clone()))?;
    exchange(
        &mut server,
        &mut a,
        b"still here",
        b"STILL HERE",
        &tr!("client A, after client C" | "客户端 A，在客户端 C 之后"),
    )?;
    steps.ok(tr!(
        "client B closes; client C is served, and client A still is"
            | "客户端 B 关闭；客户端 C 得到服务，客户端 A 也仍然得到服务"
    ))?;

    // 4. One thread: three clients connected, no thread more.
    let mut d = server.connect(&tr!("client D" | "客户端 D"))?;
    exchange(
        &mut server,
        &mut d,
        b"d",
        b"D",
        &tr!("client D" | "客户端 D"),
    )?;
    match (threads_start, kernel::threads()) {
        (Some(before), Some(now)) if now > before => {
            return Err(Failure::new(tr!(
                "three clients connected (A, C, D): the threads of this process"
                    | "三个客户端（A、C、D）连着：这个进程的线程"
            ))
            .detail(tr!(
                "expected: {before}, as before the first client" | "期望：{before} 个，和第一个客户端之前一样"
            ))
            .detail(tr!(
                "got: {now}: your serve started {} threads" | "实际：{now} 个：你的 serve 启动了 {} 个线程",
                now - before
            ))
            .hint(tr!(
                "the exercise is the notes' s.setblocking(False): one thread serves every client by never waiting on any of them. A thread per client is lesson 11's way `threads`, another answer to another question."
                    | "这个练习是笔记里的 s.setblocking(False)：一个线程靠从不等待任何一个客户端来服务所有客户端。每个客户端一个线程是第 11 课的 threads 方式，是另一个问题的另一个答案。"
            )));
        }
        (Some(_), Some(_)) => steps
            .ok(tr!("three clients connected, and still one thread"
                | "三个客户端连着，仍然只有一个线程"))?,
        _ => steps.skip(tr!(
            "one thread: this system does not list a process's threads (Linux's /proc does)"
                | "只用一个线程：这个系统不列出进程的线程（Linux 的 /proc 会）"
        )),
    }

    // 5. D resets; E is served.
    socket_lessons::wire::net::close_with_reset(d)
        .map_err(|e| Failure::setup("a reset (SO_LINGER 0)", e))?;
    let mut e = server
        .connect(&tr!(
            "client E, after client D reset" | "客户端 E，在客户端 D 重置之后"
        ))
        .map_err(|f| f.hint(closed_hint.clone()))?;
    exchange(
        &mut server,
        &mut e,
        b"after reset",
        b"AFTER RESET",
        &tr!("client E, after client D reset" | "客户端 E，在客户端 D 重置之后"),
    )
    .map_err(|f| f.hint(closed_hint.clone()))?;
    // E may have been served before the loop met D's reset: serve must still run after it.
    still_serving(
        &mut server,
        &tr!("client E, after client D reset" | "客户端 E，在客户端 D 重置之后"),
    )
    .map_err(|f| f.hint(closed_hint))?;
    steps.ok(tr!("client D resets its connection; client E is served"
        | "客户端 D 重置连接；客户端 E 得到服务"))?;

    // 6. Back-pressure.
    back_pressure(&mut server, steps)?;

    // 7. A client that leaves before it has read its answers.
    half_close(&mut server, steps)?;

    // 8. Nothing left behind.
    drop((a, c, e));
    if let Some(line) = server.ended() {
        return Err(Failure::new(tr!(
            "after every client: serve is still running" | "所有客户端之后：serve 仍在运行"
        ))
        .detail(line));
    }
    if let Some(fds) = fds_start {
        let now =
            kernel::settle_at_most(fds, Duration::from_secs(2), kernel::open_fds).unwrap_or(fds);
        if now > fds {
            return Err(Failure::new(tr!(
                "after every client left: the descriptors of this process"
                    | "所有客户端离开之后：这个进程的描述符"
            ))
            .detail(tr!("expected: {fds}" | "期望：{fds} 个"))
            .detail(tr!(
                "got: {now}: connections your server kept after their clients left"
                    | "实际：{now} 个：客户端离开之后你的服务端还留着的连接"
            ))
            .hint(tr!(
                "drop a connection from the list once its client has closed (read -> 0) and its answers are sent, or once it failed."
                    | "客户端关闭（read -> 0）且回答都发完之后，或者连接出错之后，就把它从列表里去掉。"
            )));
        }
    }
    steps.ok(tr!(
        "every client gone: serve still runs, and holds no connection of theirs"
            | "所有客户端都走了：serve 仍在运行，没有留着它们的连接"
    ))?;
    Ok(())
}

/// Fails at `step` if `serve` has returned (or panicked) by now, saying how: a server that
/// stopped has no listener left, and the next client's connect would only be refused.
fn still_serving(server: &mut Server, step: &str) -> Result<(), Failure> {
    kernel::wait_until(Duration::from_millis(300), || {
        server.running.finished().is_some()
    });
    match server.ended() {
        Some(line) => Err(Failure::new(step)
            .detail(tr!(
                "expected: serve still running, for the next client"
                    | "期望：serve 还在运行，等着下一个客户端"
            ))
            .detail(line)
            .hint(tr!(
                "serve runs for ever: an error on one client's connection (a reset, a broken pipe) drops that client, and accept's errors are retried; neither returns from serve."
                    | "serve 永远运行：一个客户端连接上的错误（重置、管道破裂）只丢掉那个客户端，accept 的错误就再试一次；两者都不会让 serve 返回。"
            ))),
        None => Ok(()),
    }
}

/// A client's connect failed at `step`: why, with whether the server has stopped.
fn refused(server: &mut Server, step: &str, e: io::Error) -> Failure {
    server.explain(
        Failure::new(step).detail(tr!("got: the connect failed: {e}" | "实际：连接失败：{e}")),
    )
}

/// Client F sends 8 MiB and reads nothing until its sending blocks (or is done); G must be
/// served meanwhile; then F reads, and its echo must come back whole.
fn back_pressure(server: &mut Server, steps: &mut Steps) -> Result<(), Failure> {
    let step = tr!(
        "client F sends 8 MiB and reads nothing until its sending blocks; meanwhile client G sends 200 messages"
            | "客户端 F 发送 8 MiB，在它的发送阻塞之前什么也不读；这期间客户端 G 发送 200 条消息"
    );
    let hint = tr!(
        "a non-blocking write takes what fits in the socket's buffer and says how much; when nothing fits it fails with WouldBlock, which, like a read's, means \"not now\", not \"this client failed\". Keep what was not written in a buffer of that client's (an outbox), try again on its next turn, and stop reading from a client while its outbox is full (64 KiB): then a client that does not read costs neither the others' turns nor the server's memory. write_all on a non-blocking socket gives up with WouldBlock half-way; looping on WouldBlock makes the thread wait for that one client."
            | "非阻塞的写只接收套接字缓冲区放得下的部分，并告诉你接收了多少；什么也放不下时它以 WouldBlock 失败，和读时一样，这表示“现在不行”，而不是“这个客户端出错了”。把没写出去的部分留在这个客户端自己的缓冲区里（待发缓冲区），轮到它时再试，待发缓冲区满了（64 KiB）就暂时不读这个客户端：这样一个不读的客户端既不会占掉别人的轮次，也不会吃掉服务端的内存。在非阻塞套接字上 write_all 写到一半遇到 WouldBlock 就放弃了；对 WouldBlock 一直循环，会让这个线程为那一个客户端干等。"
    );
    still_serving(server, &step)?;
    let setup = |e: io::Error| Failure::setup("client F", e);
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(setup)?;
    // F's receive buffer is small: once it is full, at most a few kilobytes more can ever
    // enter it until F reads, so a server stuck writing to F stays stuck. The server's end
    // gets buffers of a fixed size (no autotuning to megabytes, which would come or not
    // by the machine's load): a send buffer of 64 KiB, and a receive buffer of 4 MiB, which
    // F fills while the server holds back: a server that reads into a buffer of megabytes
    // takes megabytes at once, and holds them.
    let _ = socket.set_recv_buffer_size(16 * 1024);
    socket
        .connect(&server.addr.into())
        .map_err(|e| refused(server, &step, e))?;
    let f: TcpStream = socket.into();
    let mine = f.local_addr().map_err(setup)?;
    let server_fd = kernel::wait_for_socket_fd(server.addr, mine, STUCK);
    let Some(server_fd) = server_fd else {
        steps.skip(tr!(
            "back-pressure: this system does not show the server's sockets (Linux's /proc does)"
                | "反压：这个系统不显示服务端的套接字（Linux 的 /proc 会）"
        ));
        return Ok(());
    };
    kernel::set_buffers(server_fd, 64 * 1024, F_RECEIVE);
    server.running.reset_usage();

    let flood: Vec<u8> = (0..FLOOD as u32)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[(i % 36) as usize])
        .collect();
    let want = flood.to_ascii_uppercase();
    let mut writer_stream = f.try_clone().map_err(setup)?;
    let written = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&written);
    let (sent_tx, sent_rx) = mpsc::channel();
    std::thread::spawn(move || {
        super::harness::check_thread();
        let result = writer_stream.write_all(&flood);
        if result.is_ok() {
            let _ = writer_stream.shutdown(Shutdown::Write);
        }
        done.store(true, Ordering::SeqCst);
        let _ = sent_tx.send(result);
    });
    // Wait until F's receive window is closed (its buffer is full: the server can write
    // nothing more to it) and the server has stopped taking F's bytes: its thread sleeps
    // in a write to F, or it has run for 20 ms of CPU time without taking a byte more from
    // F (a loop that still reads F takes kilobytes in that time). Or until F's sending
    // ended: all of it was taken, or the server dropped F.
    #[cfg(unix)]
    let f_fd = {
        use std::os::fd::AsRawFd;
        f.as_raw_fd()
    };
    #[cfg(not(unix))]
    let f_fd = -1;
    let serve_tid = server.running.tid();
    let mut last = (
        kernel::consumed(server_fd),
        serve_tid.and_then(kernel::runtime_ns),
    );
    kernel::wait_until(STUCK * 2, || {
        // F's sending may end while most of it still waits in the server's big receive
        // buffer: it ended for the server only once it took every byte (or dropped F).
        if written.load(Ordering::SeqCst)
            && kernel::consumed(server_fd).is_none_or(|n| n >= FLOOD as u64)
        {
            return true;
        }
        let closed = kernel::receive_window(f_fd).is_none_or(|w| w == 0);
        if closed && kernel::sleeper(Call::Send, server_fd).is_some() {
            return true;
        }
        let now = (
            kernel::consumed(server_fd),
            serve_tid.and_then(kernel::runtime_ns),
        );
        if now.0 != last.0 {
            last = now;
            return false;
        }
        let ran = match (now.1, last.1) {
            (Some(now), Some(then)) => now.saturating_sub(then) >= 20_000_000,
            _ => false,
        };
        closed && ran
    });

    // G exchanges 200 messages: each needs a turn of the loop, and a server stuck writing to
    // F gets a turn only when a few bytes more fit into F's full buffer, or into the
    // server's own send buffer (128 KiB), which gives it fewer than 200 turns.
    let mut g = server.connect(&tr!("client G" | "客户端 G"))?;
    for i in 1..=200 {
        let message = format!("g{i}");
        exchange(
            server,
            &mut g,
            message.as_bytes(),
            message.to_uppercase().as_bytes(),
            &tr!(
                "client G sends 200 messages, one at a time, while client F has sent megabytes and reads nothing"
                    | "客户端 G 一条一条地发送 200 条消息，此时客户端 F 已经发了几兆字节，却什么也不读"
            ),
        )
        .map_err(|f| {
            f.detail(tr!(
                "(message {i} of 200; the ones before it were answered)"
                    | "（第 {i} 条，共 200 条；前面的都得到了回答）"
            ))
            .hint(hint.clone())
        })?;
    }
    drop(g);

    // F reads everything now.
    let mut reader = f;
    let _ = reader.set_read_timeout(Some(STUCK));
    let mut got = Vec::with_capacity(FLOOD);
    let mut buf = vec![0u8; 256 * 1024];
    let deadline = Instant::now() + STUCK * 4;
    let end = loop {
        if Instant::now() >= deadline {
            break Some(tr!(
                "the echo was still coming after {} s" | "{} 秒之后回显还没有来完",
                (STUCK * 4).as_secs()
            ));
        }
        match reader.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break Some(e.to_string()),
        }
        if got.len() > FLOOD {
            break None;
        }
    };
    let sent = sent_rx.recv_timeout(STUCK).ok();
    let held = server.running.usage().map_or(0, |u| u.peak);
    if got != want {
        let mut failure = Failure::new(&step)
            .detail(tr!(
                "expected: client F's 8 MiB back, upper-cased, then the server's close"
                    | "期望：客户端 F 的 8 MiB 转成大写发回来，然后服务端关闭"
            ))
            .detail(tr!("got: {} bytes" | "实际：{} 字节", got.len()));
        if let Some(e) = &end {
            failure = failure.detail(tr!("and then: {e}" | "然后：{e}"));
        }
        if let Some(at) = first_difference(&want[..got.len().min(FLOOD)], &got) {
            if at < got.len() {
                failure = failure.detail(tr!(
                    "the echo differs from byte {at} on: bytes were lost in the middle (a write that took only part of them, its count ignored)"
                        | "回显从第 {at} 字节起不同：中间丢了字节（一次只写出了一部分的写，它的返回值被忽略了）"
                ));
            }
        }
        if let Some(Err(e)) = sent {
            failure = failure.detail(tr!(
                "and client F's sending failed: {e}: your server dropped it"
                    | "而且客户端 F 的发送失败了：{e}：你的服务端把它丢掉了"
            ));
        }
        return Err(server.explain(failure).hint(hint));
    }
    if held >= HOLD {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: under {} held for a client that does not read" | "期望：为一个不读的客户端占用不到 {}",
                alloc::size(HOLD)
            ))
            .detail(tr!(
                "got: your server held {} while client F did not read: its memory grows with what a client sends and does not read"
                    | "实际：客户端 F 不读的时候你的服务端占用了 {}：它的内存随客户端发了却不读的数据增长",
                alloc::size(held)
            ))
            .detail(tr!(
                "(the kernel held up to {} of F's bytes for your server: a server that reads on while F's outbox is full, or reads into a buffer of megabytes, takes them; read no more than the outbox has room for)"
                    | "（内核为你的服务端存着 F 的字节，最多 {}：待发缓冲区满了还接着读，或者读进几兆字节的缓冲区，就会把它们拿走；每次读的不要超过待发缓冲区剩下的空间）",
                alloc::size(F_RECEIVE)
            ))
            .hint(hint));
    }
    steps.ok(tr!(
        "client F sends 8 MiB without reading: client G is served meanwhile, your server holds {} for F, and F's echo comes back whole"
            | "客户端 F 只发不读地发了 8 MiB：这期间客户端 G 得到服务，你的服务端为 F 占用 {}，F 的回显完整回来",
        alloc::size(held)
    ))?;
    Ok(())
}

/// What client H sends before it closes its sending side: more than the buffers on the way
/// back hold (a few KiB), less than an outbox of 64 KiB.
const HALF: usize = 40 * 1024;

/// Client H sends 40 KiB and closes its sending side at once (shutdown), reading nothing;
/// once the server has taken every byte and had its turn (it has seen the end, read -> 0,
/// while most of the answer still waits in its outbox), H reads: the whole echo must come.
fn half_close(server: &mut Server, steps: &mut Steps) -> Result<(), Failure> {
    let step = tr!(
        "client H sends 40 KiB, shuts down its sending side at once, and reads only after your server has taken every byte"
            | "客户端 H 发送 40 KiB，随即关闭自己的发送方向，等你的服务端取走了每一个字节才开始读"
    );
    let hint = tr!(
        "read() returning 0 says the client will send nothing more, not that it has read everything: its answers may still be waiting in your outbox. Drop a client that has closed only once its outbox is empty (lesson 01's client closes its sending side and then reads the reply)."
            | "read() 返回 0 说明客户端不会再发送了，并不说明它已经读完了：它的回答可能还在你的待发缓冲区里等着。一个已经关闭的客户端，要等它的待发缓冲区空了才能丢掉（第 01 课的客户端就是先关闭发送方向，再读回答）。"
    );
    still_serving(server, &step)?;
    let setup = |e: io::Error| Failure::setup("client H", e);
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(setup)?;
    // Small buffers on the way back (H's receive buffer, the server's send buffer): most of
    // the echo has to wait in the server's outbox.
    let _ = socket.set_recv_buffer_size(4096);
    socket
        .connect(&server.addr.into())
        .map_err(|e| refused(server, &step, e))?;
    let mut h: TcpStream = socket.into();
    let mine = h.local_addr().map_err(setup)?;
    let Some(server_fd) = kernel::wait_for_socket_fd(server.addr, mine, STUCK) else {
        steps.skip(tr!(
            "a client that closes before it reads: this system does not show the server's sockets (Linux's /proc does)"
                | "读之前就关闭的客户端：这个系统不显示服务端的套接字（Linux 的 /proc 会）"
        ));
        return Ok(());
    };
    kernel::set_buffers(server_fd, 4096, BUFFERS);
    let data: Vec<u8> = (0..HALF as u32)
        .map(|i| b"abcdefghijklmnopqrstuvwxyz0123456789"[(i % 36) as usize])
        .collect();
    let want = data.to_ascii_uppercase();
    h.write_all(&data).map_err(setup)?;
    h.shutdown(Shutdown::Write).map_err(setup)?;
    // The server has taken every byte of H's...
    let taken = kernel::wait_until(STUCK, || {
        kernel::consumed(server_fd) == Some(HALF as u64) || server.running.finished().is_some()
    });
    // ...and had its turn since: it closed the connection, or sleeps (waiting for readiness),
    // or has run for 20 ms more.
    if taken {
        let tid = server.running.tid();
        let start = tid.and_then(kernel::runtime_ns);
        kernel::wait_until(STUCK, || {
            let gone = kernel::socket_fd(server.addr, mine).is_none();
            let ran = match (tid.and_then(kernel::runtime_ns), start) {
                (Some(now), Some(then)) => now.saturating_sub(then) >= 20_000_000,
                _ => true,
            };
            let idle = tid.is_some_and(|t| is_asleep(t) && !kernel::sleeps_in(t, Call::Send, None));
            gone || ran || idle || server.running.finished().is_some()
        });
    }
    let _ = h.set_read_timeout(Some(STUCK));
    let mut got = Vec::with_capacity(HALF);
    let mut buf = vec![0u8; 64 * 1024];
    let end = loop {
        match h.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => break Some(e.to_string()),
        }
        if got.len() > HALF {
            break None;
        }
    };
    if got != want {
        let mut failure = Failure::new(&step)
            .detail(tr!(
                "expected: H's 40960 bytes back, upper-cased, then the server's close"
                    | "期望：H 的 40960 字节转成大写发回来，然后服务端关闭"
            ))
            .detail(tr!(
                "got: {} bytes, and then {}" | "实际：{} 字节，然后{}",
                got.len(),
                end.unwrap_or_else(|| tr!("the close" | "服务端关闭了"))
            ));
        if got.len() < HALF && want.starts_with(&got) {
            failure = failure.detail(tr!(
                "the rest of the echo was still in your server when it saw H's end (read -> 0), and was dropped with the connection"
                    | "回显剩下的部分在你的服务端看到 H 的结束（read -> 0）时还在服务端里，跟着连接一起被丢掉了"
            ));
        }
        return Err(server.explain(failure).hint(hint));
    }
    steps.ok(tr!(
        "client H shuts down its sending side before it reads: its whole echo comes back, then the close"
            | "客户端 H 在读之前就关闭了发送方向：它的回显完整回来，然后连接关闭"
    ))?;
    Ok(())
}

/// Whether thread `tid` sleeps (in any call).
fn is_asleep(tid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).is_ok_and(|stat| {
        matches!(
            stat.rsplit_once(')')
                .and_then(|(_, r)| r.split_whitespace().next()),
            Some("S") | Some("D")
        )
    })
}
