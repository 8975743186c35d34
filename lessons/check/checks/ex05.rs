//! The check of exercise 05: peers send datagrams, one at a time and several at once,
//! from two addresses; each must come back whole, unchanged, in order, with its sender's
//! address; one call waits for a datagram that comes only after it started.

use super::harness::{ends, finish, first_difference, spawn, Failure, Steps, Subject, STUCK};
use super::kernel::{self, Call};
use socket_lessons::tr;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The CPU time a call may use while it waits for a datagram, a limit far above what a
/// call asleep in the kernel uses (microseconds) and far below what a loop polling a
/// non-blocking socket uses (all of the waiting time it is given a core for).
const SPIN: Duration = Duration::from_millis(200);

type Receive = fn(&UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)>;

const MEANS: &[(&str, &str)] = &[
    (
        "receive returns each datagram whole and unchanged: 5, 0 (an empty datagram is a message), 3000 and 65507 bytes (the largest over IPv4); text with spaces and newlines at its ends, bytes that are not UTF-8, a datagram ending in zero bytes",
        "receive 完整、原样地返回每个数据报：5、0（空数据报也是一条消息）、3000 和 65507 字节（IPv4 上最大的）；两头带空格和换行的文本、不是 UTF-8 的字节、以零字节结尾的数据报",
    ),
    (
        "with the address of the peer that sent it, from two peers",
        "并带上发送它的对端的地址，两个对端都是",
    ),
    (
        "three datagrams queued before the first call are three calls, three datagrams, in order (UDP has no 粘包)",
        "第一次调用之前就排好队的三个数据报，是三次调用、三个数据报，按顺序（UDP 没有粘包）",
    ),
    (
        "a call made before any datagram has arrived waits for it, asleep in the kernel (it burns no CPU while it waits), and no call changes the socket's settings (its read timeout, its blocking mode), neither while it waits nor when it returns, an error included",
        "在任何数据报到达之前发起的调用会等它到来，睡在内核里（等待时不耗 CPU）；而且没有哪次调用改变套接字的设置（读超时、阻塞模式），等待期间不改，返回时也不改，返回错误时也一样",
    ),
];

pub fn check(receive: Receive, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(receive, &mut steps);
    finish(steps, result, MEANS, &[])
}

fn hint() -> String {
    tr!(
        "one recvfrom returns one datagram, and the part that does not fit in the buffer is thrown away: UDP keeps nothing for the next call. The largest IPv4 UDP payload is 65507 bytes (65535 - 20 - 8): a buffer that big holds any datagram whole. Return exactly the n bytes received, as they are (docs/05, steps 4 and 5)."
            | "一次 recvfrom 返回一个数据报，缓冲区放不下的部分会被丢掉：UDP 不会为下一次调用保留任何东西。IPv4 UDP 载荷最大是 65507 字节（65535 - 20 - 8）：这么大的缓冲区能完整装下任何数据报。返回的正好是收到的 n 个字节，原样不动（docs/zh-CN/05，第 4 步和第 5 步）。"
    )
}

/// Datagram `len` bytes long: lines of text, each numbered, so a cut shows where.
fn datagram(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 16);
    let mut line = 1;
    while bytes.len() < len {
        bytes.extend_from_slice(format!("line {line}\n").as_bytes());
        line += 1;
    }
    bytes.truncate(len);
    bytes
}

/// After a call: the socket as the caller set it (its read timeout, blocking mode).
fn settings_kept(socket: &UdpSocket, step: &str) -> Result<(), Failure> {
    let timeout = socket.read_timeout().ok().flatten();
    #[cfg(unix)]
    let nonblocking = {
        use std::os::fd::AsRawFd;
        kernel::nonblocking(socket.as_raw_fd()) == Some(true)
    };
    #[cfg(not(unix))]
    let nonblocking = false;
    if timeout == Some(STUCK) && !nonblocking {
        return Ok(());
    }
    let now = match (timeout, nonblocking) {
        (_, true) => tr!("non-blocking" | "非阻塞"),
        (Some(t), false) => tr!("a read timeout of {t:?}" | "读超时 {t:?}"),
        (None, false) => tr!("no read timeout" | "没有读超时"),
    };
    Err(Failure::new(step)
        .detail(tr!(
            "expected: the socket as the caller set it: blocking, with a read timeout of {} s"
                | "期望：套接字保持调用者设置的样子：阻塞，读超时 {} 秒",
            STUCK.as_secs()
        ))
        .detail(tr!("got: after your receive it is {now}" | "实际：你的 receive 之后它变成了{now}"))
        .hint(tr!(
            "the socket is the caller's: it may be shared, and its timeout and mode are the caller's choices. receive only receives; set nothing on it."
                | "套接字是调用者的：它可能被共用，它的超时和模式是调用者的选择。receive 只负责接收，不要在上面设置任何东西。"
        )))
}

/// One call of `receive`, and what it must have returned.
fn receive_one(
    receive: Receive,
    socket: &Arc<UdpSocket>,
    step: &str,
    sent: &[u8],
    from: SocketAddr,
) -> Result<(), Failure> {
    let s = Arc::clone(socket);
    let got = spawn(move || receive(&s)).wait(STUCK);
    check_one(step, sent, from, got)?;
    settings_kept(socket, step)
}

fn check_one(
    step: &str,
    sent: &[u8],
    from: SocketAddr,
    got: Result<io::Result<(Vec<u8>, SocketAddr)>, super::harness::Trouble>,
) -> Result<(), Failure> {
    let expected = tr!(
        "expected: {} from {from}" | "期望：来自 {from} 的 {}",
        ends(sent, 16)
    );
    let got = got
        .map_err(|t| {
            Failure::new(step)
                .detail(expected.clone())
                .trouble(&t, "receive")
                .hint(hint())
        })?
        .map_err(|e| {
            Failure::new(step)
                .detail(expected.clone())
                .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
                .hint(hint())
        })?;
    if got.0 == sent && got.1 == from {
        return Ok(());
    }
    let mut failure = Failure::new(step).detail(expected).detail(tr!(
        "got:      {} from {}" | "实际：来自 {} 的 {}",
        ends(&got.0, 16),
        got.1
    ));
    if got.0.len() < sent.len() && sent.starts_with(&got.0) {
        let (n, lost) = (got.0.len(), sent.len() - got.0.len());
        let missing = &sent[n..];
        if missing.iter().all(|b| *b == 0 || b.is_ascii_whitespace()) {
            failure = failure.detail(tr!(
                "the first {n} bytes of the datagram: its last {lost}, zeros or whitespace, were cut off after it arrived (trimmed?)"
                    | "这是数据报的前 {n} 字节：它最后的 {lost} 个零字节或空白在到达之后被去掉了（trim 了？）"
            ));
        } else {
            failure = failure.detail(tr!(
                "the first {n} bytes of the datagram; the other {lost} did not fit in the buffer, the kernel threw them away, and no later call can get them"
                    | "这是数据报的前 {n} 字节；另外 {lost} 字节缓冲区放不下，被内核丢掉了，以后的调用也拿不到"
            ));
        }
    } else if got.0 != sent {
        if let Some(at) = first_difference(sent, &got.0) {
            failure = failure.detail(tr!(
                "they differ from byte {at} on: the datagram was changed (decoded? trimmed? the whole buffer returned?)"
                    | "从第 {at} 字节起不同：数据报被改动了（解码了？去掉了空白？把整个缓冲区都返回了？）"
            ));
        }
    } else {
        failure = failure.detail(tr!(
            "the bytes are right, the sender is not: return the address recvfrom gives"
                | "字节对了，发送方不对：返回 recvfrom 给出的地址"
        ));
    }
    Err(failure.hint(hint()))
}

fn run(receive: Receive, steps: &mut Steps) -> Result<(), Failure> {
    let setup = |e: io::Error| Failure::setup("UDP sockets", e);
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    // A receive the learner left blocking still ends: the check's own limit.
    socket.set_read_timeout(Some(STUCK)).map_err(setup)?;
    let to = socket.local_addr().map_err(setup)?;
    let socket = Arc::new(socket);
    let peer = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    let from = peer.local_addr().map_err(setup)?;
    let other = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    let other_from = other.local_addr().map_err(setup)?;

    // One at a time: sizes up to the largest.
    let cases: [(Vec<u8>, String); 4] = [
        (b"hello".to_vec(), String::new()),
        (
            Vec::new(),
            tr!(" (an empty datagram is a message too)" | "（空数据报也是一条消息）"),
        ),
        (datagram(3000), String::new()),
        (
            datagram(65_507),
            tr!(" (the largest an IPv4 datagram can carry)" | "（IPv4 数据报能承载的最大值）"),
        ),
    ];
    for (sent, note) in &cases {
        let n = sent.len();
        let step = tr!(
            "the peer sends one datagram of {n} bytes{note}; receive must return it whole"
                | "对端发送一个 {n} 字节的数据报{note}；receive 必须完整返回它"
        );
        peer.send_to(sent, to).map_err(setup)?;
        receive_one(receive, &socket, &step, sent, from)?;
        steps.ok(tr!(
            "a datagram of {n} bytes{note} comes back whole, from {from}"
                | "{n} 字节的数据报{note}完整返回，来自 {from}"
        ))?;
    }

    // Bytes as they are: whitespace at the ends, not UTF-8, zeros at the end.
    let odd: [&[u8]; 3] = [
        b"  two spaces, a tab\t and a newline\n",
        b"\xc4\xe3\xba\xc3 GBK \xff\xfe",
        b"ends in zeros\x00\x00\x00",
    ];
    for sent in odd {
        let step = tr!(
            "the peer sends {}; receive must return it unchanged"
                | "对端发送 {}；receive 必须原样返回它",
            ends(sent, 24)
        );
        peer.send_to(sent, to).map_err(setup)?;
        receive_one(receive, &socket, &step, sent, from)?;
    }
    steps.ok(tr!(
        "datagrams with whitespace at their ends, with bytes that are not UTF-8, ending in zero bytes, come back unchanged"
            | "两头带空白、含有不是 UTF-8 的字节、以零字节结尾的数据报都原样返回"
    ))?;

    // Three queued at once, from two peers.
    let three: [(&UdpSocket, SocketAddr, &[u8]); 3] = [
        (&peer, from, b"one"),
        (&other, other_from, b"two"),
        (&peer, from, b"three"),
    ];
    for (sender, _, bytes) in three {
        sender.send_to(bytes, to).map_err(setup)?;
    }
    for (i, (_, sender, bytes)) in three.iter().enumerate() {
        let n = i + 1;
        let step = tr!(
            "three datagrams (b\"one\", b\"two\", b\"three\", from two peers) queued before the first call: call {n}"
                | "第一次调用之前排好队的三个数据报（b\"one\"、b\"two\"、b\"three\"，来自两个对端）：第 {n} 次调用"
        );
        receive_one(receive, &socket, &step, bytes, *sender)?;
    }
    steps.ok(tr!(
        "three datagrams queued together come back as three, in order, each with its sender"
            | "一起排队的三个数据报作为三个返回，按顺序，各带自己的发送方"
    ))?;

    // A call made before the datagram is sent.
    let step = tr!(
        "receive is called first; the datagram b\"late\" comes after"
            | "先调用 receive；数据报 b\"late\" 之后才来"
    );
    let s = Arc::clone(&socket);
    let mut running = spawn(move || receive(&s));
    #[cfg(unix)]
    let fd = {
        use std::os::fd::AsRawFd;
        socket.as_raw_fd()
    };
    #[cfg(not(unix))]
    let fd = -1;
    let tid = running.tid();
    let cpu = || tid.and_then(kernel::runtime_ns);
    let (cpu_start, waiting_since) = (cpu(), Instant::now());
    let burnt = || match (cpu_start, cpu()) {
        (Some(start), Some(now)) => Duration::from_nanos(now.saturating_sub(start)),
        _ => Duration::ZERO,
    };
    // Send once the call is waiting in recvfrom (or has returned, or has used more CPU than
    // a waiting call can, or a moment passed where none of that can be seen).
    kernel::wait_until(STUCK, || {
        running.finished().is_some()
            || !kernel::OBSERVABLE
            || tid.is_some_and(|t| kernel::sleeps_in(t, Call::Recv, Some(fd)))
            || burnt() >= SPIN
    });
    // While the call waits: the socket as the caller set it, and no CPU burnt.
    let still_running = running.finished().is_none();
    let nonblocking_meanwhile = still_running && kernel::nonblocking(fd) == Some(true);
    let (used, waited) = (burnt(), waiting_since.elapsed());
    peer.send_to(b"late", to).map_err(setup)?;
    let got = running.wait(STUCK);
    if nonblocking_meanwhile || (still_running && used >= SPIN) {
        let mut failure = Failure::new(&step).detail(tr!(
            "expected: while no datagram has come, your receive sleeps in recvfrom on the socket as the caller set it (blocking), using no CPU"
                | "期望：数据报还没来的时候，你的 receive 睡在 recvfrom 里，套接字保持调用者设置的样子（阻塞），不耗 CPU"
        ));
        if nonblocking_meanwhile {
            failure = failure.detail(tr!(
                "got: while it waited, the socket was non-blocking: your receive had changed the caller's socket (anyone else using it meanwhile gets WouldBlock)"
                    | "实际：它等待期间套接字是非阻塞的：你的 receive 改了调用者的套接字（这期间别人用它会得到 WouldBlock）"
            ));
        }
        if used >= SPIN {
            let (used, waited) = (used.as_millis(), waited.as_millis());
            failure = failure.detail(tr!(
                "got: it used {used} ms of CPU in the {waited} ms it waited: a loop that keeps asking, burning a core"
                    | "实际：它等待的 {waited} ms 里用了 {used} ms CPU：一个不停地问的循环，白白烧掉一个核"
            ));
        }
        return Err(failure.hint(tr!(
            "let the kernel do the waiting: recv_from on the socket as it is (blocking) sleeps until a datagram comes. A loop on a non-blocking socket answers WouldBlock again and again, uses a whole core while it waits, and changes the socket for everyone who shares it."
                | "让内核来等：在套接字原来的样子（阻塞）上调用 recv_from，会一直睡到数据报到来。在非阻塞套接字上循环，会一遍又一遍地得到 WouldBlock，等待期间占满一个核，还改变了所有共用这个套接字的人看到的设置。"
        )));
    }
    check_one(&step, b"late", from, got)
        .and_then(|()| settings_kept(&socket, &step))
        .map_err(|f| {
        f.hint(tr!(
            "receive waits for the next datagram: recv_from on a blocking socket does. A socket made non-blocking answers WouldBlock when nothing has come yet (and stays so for the caller); a socket is the caller's to configure, not receive's."
                | "receive 要等待下一个数据报：阻塞套接字上的 recv_from 就是这样。被设成非阻塞的套接字在数据还没来时回答 WouldBlock（而且对调用者来说一直是非阻塞的）；套接字怎么配置是调用者的事，不是 receive 的事。"
        ))
    })?;
    steps.ok(tr!("a call made before the datagram arrives waits for it"
        | "在数据报到达之前发起的调用会等它到来"))?;

    // A call that fails: the caller's socket is connected to a port where nothing listens,
    // and the kernel holds the ICMP port unreachable that came back for its datagram. The
    // call returns that error (or waits, if it goes on); either way the socket stays as the
    // caller set it.
    let step = tr!(
        "a call that fails (ECONNREFUSED: the socket is connected to a port where nothing listens): the socket's settings after it"
            | "一次失败的调用（ECONNREFUSED：套接字连接到一个没人监听的端口）：之后套接字的设置"
    );
    let refused = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    refused.set_read_timeout(Some(STUCK)).map_err(setup)?;
    let nobody = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    let nobody_addr = nobody.local_addr().map_err(setup)?;
    drop(nobody);
    refused.connect(nobody_addr).map_err(setup)?;
    refused.send(b"anyone there?").map_err(setup)?;
    #[cfg(unix)]
    let refused_fd = {
        use std::os::fd::AsRawFd;
        refused.as_raw_fd()
    };
    #[cfg(not(unix))]
    let refused_fd = -1;
    let pending = kernel::wait_until(STUCK, || kernel::error_pending(refused_fd) == Some(true));
    if !pending {
        steps.skip(tr!(
            "a call that fails: no ICMP port unreachable came back here"
                | "失败的调用：这里没有收到 ICMP 端口不可达"
        ));
        return Ok(());
    }
    let refused = Arc::new(refused);
    let r = Arc::clone(&refused);
    // Twice the socket's read timeout: a call that goes on after the error returns at that
    // timeout at the latest.
    let got = spawn(move || receive(&r)).wait(STUCK * 2);
    let got = got.map_err(|t| Failure::new(&step).trouble(&t, "receive"))?;
    settings_kept(&refused, &step).map_err(|f| {
        let returned = match &got {
            Ok((bytes, from)) => tr!(
                "(your receive returned {} from {from})" | "（你的 receive 返回了来自 {from} 的 {}）",
                ends(bytes, 16)
            ),
            Err(e) => tr!(
                "(your receive returned the error: {e}; it changed the socket and did not put it back on that path)"
                    | "（你的 receive 返回了错误：{e}；它改了套接字，在这条路径上没有改回来）"
            ),
        };
        f.detail(returned)
    })?;
    if let Ok((bytes, from)) = &got {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: an error (ECONNREFUSED), returned to the caller"
                    | "期望：一个错误（ECONNREFUSED），交还给调用者"
            ))
            .detail(tr!(
                "got: {} from {from}, which no peer sent"
                    | "实际：来自 {from} 的 {}，没有哪个对端发过它",
                ends(bytes, 16)
            )));
    }
    if let Err(e) = &got {
        if e.kind() != std::io::ErrorKind::ConnectionRefused {
            return Err(Failure::new(&step)
                .detail(tr!(
                    "expected: the error the kernel held, ECONNREFUSED (Connection refused), returned to the caller"
                        | "期望：内核记下的那个错误 ECONNREFUSED（Connection refused），交还给调用者"
                ))
                .detail(tr!(
                    "got: {e}: your receive went on after the ECONNREFUSED and failed only later (here at the socket's read timeout)"
                        | "实际：{e}：你的 receive 遇到 ECONNREFUSED 之后没有返回，继续等，到后来才失败（这里是套接字的读超时）"
                ))
                .hint(tr!(
                    "return the error recv_from gives you: the caller decides what a refused datagram means."
                        | "把 recv_from 给出的错误原样返回：被拒绝的数据报意味着什么，由调用者决定。"
                )));
        }
    }
    steps.ok(tr!(
        "a call that fails (ECONNREFUSED) returns the error and leaves the socket as the caller set it, as every other call did"
            | "失败的调用（ECONNREFUSED）返回这个错误，也让套接字保持调用者设置的样子，和其他每次调用一样"
    ))?;
    Ok(())
}
