//! The check of exercise 12: a scripted UDP time server, its clock fixed as in lesson 12's
//! demo. It answers (under a wait far longer than the check's limit, so a client that
//! sleeps out its wait is seen), loses a request, answers after a stranger's datagram,
//! answers at length, and loses one while a stranger keeps sending (a client that starts
//! its wait again for each datagram never gives up).

use super::harness::{ends, finish, shown, spawn, Failure, Steps, Subject, STUCK};
use super::kernel;
use socket_lessons::tr;
use socket_lessons::wire::clock::{self, Clock};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

type AskTime = fn(SocketAddr, &str, Duration) -> io::Result<Option<Vec<u8>>>;

/// The server's clock, fixed as in lesson 12's demo.
const NOW: &str = "2021-07-25T22:07:26+08:00";
/// The wait of request 11, whose answer comes late, at one and a half times the wait:
/// half a wait of margin on either side (a call that returns on time, one that waits its
/// wait twice).
const LATE_WAIT: Duration = Duration::from_millis(800);
/// What a call that is answered at once may wait: far more than the check waits.
const ANSWERED_WAIT: Duration = Duration::from_secs(30);
/// What a call whose request is lost waits before it gives up.
const LOST_WAIT: Duration = Duration::from_millis(300);
/// What the stranger sends.
const FORGED: &[u8] = b"13:37:00";

const MEANS: &[(&str, &str)] = &[
    (
        "ask_time returns Ok(Some(the answer)) as soon as the server answers, under a wait of 30 s; the answer whole and as it came, 1024 bytes long too (the longest the server sends), spaces and a newline at its ends too",
        "服务端一回答，ask_time 就返回 Ok(Some(回答))，即使等待时间是 30 秒；回答完整、原样，1024 字节长的也是（服务端发的最长的回答），两头带空格和换行的也是",
    ),
    (
        "it returns Ok(None) when the request is lost, after its wait (300 ms), without sending the request again, and the next request is answered; an answer that comes after the wait (1200 ms, for a wait of 800 ms) is not taken: Ok(None)",
        "请求丢失时，它在等待时间（300 ms）之后返回 Ok(None)，不重发请求，下一个请求照常得到回答；等待时间过后才来的回答（等待 800 ms，回答 1200 ms 才来）不收：Ok(None)",
    ),
    (
        "a datagram from anyone but the server is not the answer (a stranger on the same address, one on another address with the server's port), and a stranger sending every 20 ms does not stretch the wait: Ok(None) after 500 ms all the same",
        "不是服务端发来的数据报不是回答（同一地址上的陌生人、另一个地址上使用服务端端口的陌生人）；一个每 20 ms 发一次的陌生人也不会把等待时间拉长：500 ms 后照样返回 Ok(None)",
    ),
    (
        "each call sends the format as it is, in one datagram, and closes its socket: two calls on one thread hold no socket between them, and a late answer to the first is not the second's",
        "每次调用把格式原样用一个数据报发出，并关闭自己的套接字：同一个线程上的两次调用之间不留套接字，第一次调用迟到的回答也不会成为第二次的回答",
    ),
];

pub fn check(ask: AskTime, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(ask, &mut steps);
    finish(steps, result, MEANS, &[])
}

/// What the scripted server does with one request.
#[derive(Clone, Copy)]
enum Script {
    Answer,
    Lose,
    StrangerFirst,
    /// A stranger on another IP address of the machine, with the server's own port, sends
    /// just before the real answer.
    StrangerWithTheServersPort,
    LoseWhileAStrangerSends,
    /// The answer is sent this long after the request: after the call's wait has run out.
    AnswerAfter(Duration),
}

/// The formats of the calls made so far: a request that comes in place of the next one is
/// named as the earlier request it repeats.
fn formats() -> &'static Mutex<Vec<&'static str>> {
    static SENT: OnceLock<Mutex<Vec<&'static str>>> = OnceLock::new();
    SENT.get_or_init(|| Mutex::new(Vec::new()))
}

/// One call of `ask_time` against the scripted server.
#[allow(clippy::too_many_arguments)]
fn call(
    ask: AskTime,
    socket: &Arc<UdpSocket>,
    script: Script,
    format: &'static str,
    wait: Duration,
    want: Option<&[u8]>,
    hint: &str,
    step: &str,
) -> Result<(), Failure> {
    let at = Clock::fixed(NOW)
        .map_err(|e| Failure::setup("the clock", e))?
        .now();
    let server = socket
        .local_addr()
        .map_err(|e| Failure::setup("the time server", e))?;
    let stop = Arc::new(AtomicBool::new(false));
    let (request_tx, request_rx) = mpsc::channel();
    let (resend_tx, resend_rx) = mpsc::channel::<Vec<u8>>();
    let serving = {
        let socket = Arc::clone(socket);
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            super::harness::check_thread();
            let mut buf = [0u8; 2048];
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                return;
            };
            let request = buf[..n].to_vec();
            let _ = request_tx.send(request.clone());
            let answer = clock::answer(&request, at).unwrap_or_else(|e| format!("error: {e}"));
            let Ok(stranger) = UdpSocket::bind("127.0.0.1:0") else {
                return;
            };
            match script {
                Script::Answer => {
                    let _ = socket.send_to(answer.as_bytes(), from);
                }
                Script::Lose => {
                    // Listen on until the call returns: a second datagram is a resend.
                    let _ = socket.set_read_timeout(Some(Duration::from_millis(20)));
                    while !stop.load(Ordering::SeqCst) {
                        if let Ok((n, again)) = socket.recv_from(&mut buf) {
                            if again == from {
                                let _ = resend_tx.send(buf[..n].to_vec());
                            }
                        }
                    }
                    let _ = socket.set_read_timeout(Some(STUCK));
                }
                Script::AnswerAfter(after) => {
                    std::thread::sleep(after);
                    let _ = socket.send_to(answer.as_bytes(), from);
                }
                Script::StrangerFirst => {
                    // Sent before the server's answer: on loopback it is queued first.
                    let _ = stranger.send_to(FORGED, from);
                    let _ = socket.send_to(answer.as_bytes(), from);
                }
                Script::StrangerWithTheServersPort => {
                    let port = server.port();
                    if let Ok(twin) = UdpSocket::bind(("127.0.0.2", port)) {
                        let _ = twin.send_to(FORGED, from);
                    }
                    let _ = socket.send_to(answer.as_bytes(), from);
                }
                Script::LoseWhileAStrangerSends => {
                    while !stop.load(Ordering::SeqCst) {
                        let _ = stranger.send_to(FORGED, from);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
        })
    };
    let expected = match want {
        Some(answer) => format!("Ok(Some({}))", ends(answer, 32)),
        None => tr!("Ok(None): no answer within the wait" | "Ok(None)：等待时间内没有回答"),
    };
    let head = || {
        Failure::new(step)
            .detail(format!(
                "ask_time(server, {format:?}, {} ms)",
                wait.as_millis()
            ))
            .detail(tr!("expected: {expected}" | "期望：{expected}"))
    };
    let started = Instant::now();
    let got = spawn(move || ask(server, format, wait)).wait(STUCK);
    let took = started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let request = request_rx.recv_timeout(STUCK).ok();
    if request.is_none() {
        // Unblock the scripted server's recv_from, which waits for a request that never
        // came.
        if let Ok(poke) = UdpSocket::bind("127.0.0.1:0") {
            let _ = poke.send_to(b"", server);
        }
    }
    let _ = serving.join();
    let earlier = formats().lock().unwrap_or_else(|e| e.into_inner()).clone();
    formats()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(format);
    let resent_hint = tr!(
        "UDP does not resend, and neither does ask_time: one datagram, then Ok(None) once `wait` has passed. A resend makes a lost request take twice its wait, and the datagram resent can reach the server after the call has given up: the server answers it, to a socket already closed, in place of the next request."
            | "UDP 不会重发，ask_time 也不重发：一个数据报，`wait` 过去之后就返回 Ok(None)。重发让一个丢失的请求花掉两倍的等待时间，而且重发的数据报可能在调用放弃之后才到服务端：服务端回答它，回答发到一个已经关闭的套接字，顶替了下一个请求。"
    );
    match request {
        Some(request) if request == format.as_bytes() => {}
        Some(request) => {
            let mut failure = head().detail(tr!(
                "the server received {}, not the format {}" | "服务端收到的是 {}，而不是格式 {}",
                shown(&request),
                shown(format.as_bytes())
            ));
            if let Some(i) = earlier.iter().rposition(|f| f.as_bytes() == request) {
                failure = failure.detail(tr!(
                    "{} is the format of request {}, an earlier call that had returned: a datagram of that call's came after it, and the server answered it in place of this request"
                        | "{} 是请求 {} 的格式，那次调用已经返回了：它的一个数据报在它之后才来，服务端回答了它，顶替了这次请求",
                    shown(&request),
                    i + 1
                ));
                return Err(failure.hint(resent_hint));
            }
            return Err(
                failure.hint(tr!("send the format's bytes as they are, in one datagram."
                    | "把格式的字节原样用一个数据报发出。")),
            );
        }
        None => {
            return Err(head()
                .detail(tr!("the server received no request" | "服务端没有收到请求"))
                .hint(tr!(
                    "send the format to the server's address, in one datagram."
                        | "把格式用一个数据报发到服务端的地址。"
                )))
        }
    }
    if let Ok(again) = resend_rx.try_recv() {
        let mut failure = head()
            .detail(tr!(
                "got: the request sent again, {}, while the server did not answer: a resend"
                    | "实际：服务端没有回答的时候，请求又被发了一次，{}：重发",
                shown(&again)
            ))
            .detail(tr!(
                "and the call returned after {} ms, for a wait of {} ms"
                    | "而且调用在 {} ms 后才返回，等待时间是 {} ms",
                took.as_millis(),
                wait.as_millis()
            ));
        if let Err(t) = &got {
            failure = failure.trouble(t, "ask_time");
        }
        return Err(failure.hint(resent_hint));
    }
    let got = got.map_err(|t| head().trouble(&t, "ask_time").hint(hint))?;
    let right = match (&got, want) {
        (Ok(Some(answer)), Some(want)) => answer == want,
        (Ok(None), None) => true,
        _ => false,
    };
    if right {
        return Ok(());
    }
    let got = match &got {
        Ok(Some(answer)) if answer == FORGED => tr!(
            "Ok(Some({})): the stranger's datagram" | "Ok(Some({}))：陌生人的数据报",
            shown(answer)
        ),
        Ok(Some(answer)) => format!("Ok(Some({}))", ends(answer, 32)),
        Ok(None) => "Ok(None)".into(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    };
    Err(head().detail(tr!("got: {got}" | "实际：{got}")).hint(hint))
}

/// Two calls on one thread, each lost; the answer to the first is sent once it has given
/// up (a late answer), before the second call: a socket kept from one call to the next
/// (a cache, a thread-local) would hand it to the second call as its answer.
fn one_thread(
    ask: AskTime,
    socket: &Arc<UdpSocket>,
    fds_start: Option<usize>,
) -> Result<(), Failure> {
    let server = socket
        .local_addr()
        .map_err(|e| Failure::setup("the time server", e))?;
    let step = tr!(
        "requests 9 and 10 on one thread: 9 lost, its answer sent late, after ask_time gave up; then 10 lost"
            | "请求 9 和 10 在同一个线程里：9 丢失，它的回答在 ask_time 放弃之后才发出；然后 10 丢失"
    );
    let hint = tr!(
        "each call opens its own socket and closes it (drops it) before it returns: a socket kept for the next call (a static, a thread_local, a cache) is a descriptor held between calls, and it still receives what was sent to the call before, a late answer included, which the next call then takes for its own."
            | "每次调用打开自己的套接字，并在返回之前关闭它（drop 它）：为下一次调用留着的套接字（static、thread_local、缓存）是两次调用之间一直占着的描述符，而且它还会收到发给上一次调用的数据，包括迟到的回答，下一次调用就会把它当成自己的回答。"
    );
    const LATE: &[u8] = b"LATE ANSWER TO REQUEST 9";
    let (first_tx, first_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let running = spawn(move || {
        let first = ask(server, "%H", LOST_WAIT);
        let _ = first_tx.send(first);
        go_rx.recv_timeout(STUCK).ok()?;
        Some(ask(server, "%M", LOST_WAIT))
    });
    let head = |failure: Failure| failure.hint(hint.clone());
    let mut buf = [0u8; 2048];
    let Ok((_, from)) = socket.recv_from(&mut buf) else {
        return Err(head(Failure::new(&step).detail(tr!(
            "the server received no request 9" | "服务端没有收到请求 9"
        ))));
    };
    let first = match first_rx.recv_timeout(STUCK) {
        Ok(Ok(None)) => None,
        Ok(got) => Some(match got {
            Ok(Some(answer)) => format!("Ok(Some({}))", shown(&answer)),
            Ok(None) => "Ok(None)".into(),
            Err(e) => format!("Err({:?}: {e})", e.kind()),
        }),
        Err(_) => Some(tr!(
            "no return within {} s" | "{} 秒内没有返回",
            STUCK.as_secs()
        )),
    };
    if let Some(got) = first {
        return Err(head(
            Failure::new(&step)
                .detail(tr!(
                    "request 9: expected Ok(None) after {} ms"
                        | "请求 9：期望 {} ms 后返回 Ok(None)",
                    LOST_WAIT.as_millis()
                ))
                .detail(tr!("request 9: got {got}" | "请求 9：实际 {got}")),
        ));
    }
    // Between the calls, the thread alive: no socket of ask_time's may be open.
    if let Some(fds) = fds_start {
        let now =
            kernel::settle_at_most(fds, Duration::from_secs(1), kernel::open_fds).unwrap_or(fds);
        if now > fds {
            let _ = go_tx.send(());
            return Err(head(
                Failure::new(&step)
                    .detail(tr!(
                        "between the two calls, on the thread that made them: {now} descriptors, {fds} before the first call"
                            | "两次调用之间，在做这两次调用的线程上：{now} 个描述符，第一次调用之前是 {fds} 个"
                    ))
                    .detail(tr!(
                        "got: request 9's socket is still open after ask_time returned"
                            | "实际：ask_time 返回之后，请求 9 的套接字还开着"
                    )),
            ));
        }
    }
    let _ = socket.send_to(LATE, from);
    let _ = go_tx.send(());
    let second = socket.recv_from(&mut buf).is_ok();
    let got = running.wait(STUCK);
    let got =
        match got {
            Ok(Some(Ok(None))) if second => return Ok(()),
            Ok(Some(Ok(Some(answer)))) if answer == LATE => tr!(
                "Ok(Some({})): the late answer to request 9" | "Ok(Some({}))：请求 9 迟到的回答",
                shown(&answer)
            ),
            Ok(Some(Ok(Some(answer)))) => format!("Ok(Some({}))", shown(&answer)),
            Ok(Some(Ok(None))) => tr!("Ok(None), but the server received no request 10"
                | "Ok(None)，但服务端没有收到请求 10"),
            Ok(Some(Err(e))) => format!("Err({:?}: {e})", e.kind()),
            Ok(None) => tr!("no call" | "没有这次调用"),
            Err(trouble) => {
                return Err(head(
                    Failure::new(&step)
                        .detail(tr!("request 10" | "请求 10"))
                        .trouble(&trouble, "ask_time"),
                ))
            }
        };
    Err(head(
        Failure::new(&step)
            .detail(tr!(
                "request 10: expected Ok(None) after {} ms (its request is lost too)"
                    | "请求 10：期望 {} ms 后返回 Ok(None)（它的请求也丢了）",
                LOST_WAIT.as_millis()
            ))
            .detail(tr!("request 10: got {got}" | "请求 10：实际 {got}")),
    ))
}

fn run(ask: AskTime, steps: &mut Steps) -> Result<(), Failure> {
    let socket =
        UdpSocket::bind("127.0.0.1:0").map_err(|e| Failure::setup("the time server", e))?;
    // The scripted server never waits for ever either.
    socket
        .set_read_timeout(Some(STUCK))
        .map_err(|e| Failure::setup("the time server", e))?;
    let socket = Arc::new(socket);
    let fds_start = kernel::open_fds();
    let lost_hint = tr!(
        "a lost datagram: UDP does not resend, so the answer will never come, and recvfrom without a time limit waits for ever (the notes' client does). Set a read timeout of `wait` (set_read_timeout), and turn the timeout error (WouldBlock or TimedOut) into Ok(None) (docs/12, \"Waiting for an answer that will not come\")."
            | "丢失的数据报：UDP 不会重发，回答永远不会来，没有时限的 recvfrom 会一直等下去（笔记的客户端就是这样）。设置 `wait` 那么长的读超时（set_read_timeout），并把超时错误（WouldBlock 或 TimedOut）变成 Ok(None)（docs/zh-CN/12，“等一个不会来的回答”）。"
    );
    let answered_hint = tr!(
        "the server answered at once: return Ok(Some(the answer)) as soon as it comes. Sleeping out the wait and then looking keeps every caller waiting the whole wait."
            | "服务端立即回答了：回答一到就返回 Ok(Some(回答))。先睡满等待时间再去看，会让每个调用者都白等整个等待时间。"
    );

    call(
        ask,
        &socket,
        Script::Answer,
        "%Y-%m-%d %X",
        ANSWERED_WAIT,
        Some(b"2021-07-25 22:07:26"),
        &answered_hint,
        &tr!("request 1, answered at once, with a wait of 30 s"
            | "请求 1，立即得到回答，等待时间 30 秒"),
    )?;
    steps.ok(tr!(
        "request 1, \"%Y-%m-%d %X\": the answer b\"2021-07-25 22:07:26\" is returned at once, within a wait of 30 s"
            | "请求 1，\"%Y-%m-%d %X\"：回答 b\"2021-07-25 22:07:26\" 立即返回，等待时间是 30 秒"
    ))?;

    call(
        ask,
        &socket,
        Script::Lose,
        "%H:%M",
        LOST_WAIT,
        None,
        &lost_hint,
        &tr!("request 2, lost: the server never answers" | "请求 2，丢失：服务端永远不回答"),
    )?;
    steps.ok(tr!(
        "request 2, \"%H:%M\", is lost: Ok(None) after the 300 ms wait"
            | "请求 2，\"%H:%M\"，丢失：等待 300 ms 后返回 Ok(None)"
    ))?;

    call(
        ask,
        &socket,
        Script::Answer,
        "%A",
        ANSWERED_WAIT,
        Some(b"Sunday"),
        &answered_hint,
        &tr!("request 3, answered (after a lost one)" | "请求 3，得到回答（在一个丢失的请求之后）"),
    )?;
    steps.ok(tr!("request 3, \"%A\": the answer b\"Sunday\" is returned"
        | "请求 3，\"%A\"：返回回答 b\"Sunday\""))?;

    let stranger_hint = tr!(
        "on UDP anyone can send to your port, and recvfrom returns whatever came first. Only a datagram from the server's address is the answer: compare the address recvfrom gives, or connect() the socket to the server so that the kernel drops the others (docs/12, \"connect on UDP\")."
            | "在 UDP 上任何人都可以往你的端口发数据，recvfrom 返回先到的那个。只有来自服务端地址的数据报才是回答：比较 recvfrom 给出的地址，或者把套接字 connect() 到服务端，让内核丢掉其他的（docs/zh-CN/12，“UDP 上的 connect”）。"
    );
    call(
        ask,
        &socket,
        Script::StrangerFirst,
        "%X",
        ANSWERED_WAIT,
        Some(b"22:07:26"),
        &stranger_hint,
        &tr!(
            "request 4, with a stranger's datagram b\"13:37:00\" arriving just before the answer"
                | "请求 4，陌生人的数据报 b\"13:37:00\" 恰好在回答之前到达"
        ),
    )?;
    steps.ok(tr!(
        "request 4, \"%X\": a stranger's datagram is not taken for the answer b\"22:07:26\""
            | "请求 4，\"%X\"：陌生人的数据报没有被当成回答 b\"22:07:26\""
    ))?;

    // A stranger on 127.0.0.2 with the server's own port: only the whole address tells.
    if UdpSocket::bind(("127.0.0.2", 0)).is_ok() {
        call(
            ask,
            &socket,
            Script::StrangerWithTheServersPort,
            "%M",
            ANSWERED_WAIT,
            Some(b"07"),
            &stranger_hint,
            &tr!(
                "request 5, with a datagram from 127.0.0.2 and the server's own port arriving just before the answer"
                    | "请求 5，一个来自 127.0.0.2、端口与服务端相同的数据报恰好在回答之前到达"
            ),
        )?;
        steps.ok(tr!(
            "request 5, \"%M\": a datagram from another address with the server's port is not the answer b\"07\""
                | "请求 5，\"%M\"：来自另一个地址、端口与服务端相同的数据报没有被当成回答 b\"07\""
        ))?;
    } else {
        steps.skip(tr!(
            "a stranger with the server's port on another address: this machine has no 127.0.0.2"
                | "另一个地址上使用服务端端口的陌生人：这台机器没有 127.0.0.2"
        ));
    }

    // An answer with spaces and a newline at its ends: returned as it came.
    call(
        ask,
        &socket,
        Script::Answer,
        "  %H:%M  \n",
        ANSWERED_WAIT,
        Some(b"  22:07  \n"),
        &tr!(
            "the answer is the datagram's bytes as they came: spaces and a newline at its ends are the server's to send and the caller's to keep or trim."
                | "回答就是数据报原样的字节：两头的空格和换行是服务端发的，留不留、trim 不 trim 由调用者决定。"
        ),
        &tr!(
            "request 6, \"  %H:%M  \\n\": an answer with spaces and a newline at its ends"
                | "请求 6，\"  %H:%M  \\n\"：两头带空格和换行的回答"
        ),
    )?;
    steps.ok(tr!(
        "request 6: an answer with spaces and a newline at its ends comes back as it was sent"
            | "请求 6：两头带空格和换行的回答按发送的样子返回"
    ))?;

    // The longest answer the server sends, 1024 bytes: 42 times %c (24 bytes each), then
    // " day 206 of 2021". (Leaked: a call's format lives as long as the check.)
    let long_format: &'static str =
        Box::leak(format!("{} day %j of %Y", "%c".repeat(42)).into_boxed_str());
    let long_answer = clock::answer(
        long_format.as_bytes(),
        Clock::fixed(NOW)
            .map_err(|e| Failure::setup("the clock", e))?
            .now(),
    )
    .map_err(|e| Failure::setup("the clock", e))?;
    call(
        ask,
        &socket,
        Script::Answer,
        long_format,
        ANSWERED_WAIT,
        Some(long_answer.as_bytes()),
        &tr!(
            "the answer is one datagram, and what does not fit in the buffer of recvfrom is lost: the server's answers go up to 1024 bytes (lesson 12's MAX_ANSWER_LEN). Receive into a buffer that big and return exactly the bytes received."
                | "回答是一个数据报，recvfrom 的缓冲区放不下的部分就丢了：服务端的回答最长 1024 字节（第 12 课的 MAX_ANSWER_LEN）。用这么大的缓冲区接收，并正好返回收到的字节。"
        ),
        &tr!(
            "request 7, an answer of {} bytes" | "请求 7，一个 {} 字节的回答",
            long_answer.len()
        ),
    )?;
    steps.ok(tr!(
        "request 7: an answer of {} bytes comes back whole" | "请求 7：{} 字节的回答完整返回",
        long_answer.len()
    ))?;

    call(
        ask,
        &socket,
        Script::LoseWhileAStrangerSends,
        "%S",
        Duration::from_millis(500),
        None,
        &tr!(
            "the wait is for the answer, from the moment the request left: a datagram from someone else must not start it again, or a stranger who sends more often than the wait keeps your client waiting for ever. connect() makes the kernel drop them; comparing addresses needs a deadline, and each recv gets only the time that is left."
                | "等待是等回答，从请求发出的那一刻算起：别人发来的数据报不能让它重新开始计时，否则一个发得比等待时间还勤的陌生人会让你的客户端永远等下去。connect() 让内核丢掉它们；比较地址的做法则需要一个截止时刻，每次 recv 只给剩下的时间。"
        ),
        &tr!(
            "request 8, lost, while a stranger sends b\"13:37:00\" every 20 ms; a wait of 500 ms"
                | "请求 8，丢失，同时一个陌生人每 20 ms 发一次 b\"13:37:00\"；等待时间 500 ms"
        ),
    )?;
    steps.ok(tr!(
        "request 8, lost while a stranger keeps sending: Ok(None) after the 500 ms wait all the same"
            | "请求 8，在陌生人不停发送时丢失：照样在 500 ms 的等待后返回 Ok(None)"
    ))?;

    one_thread(ask, &socket, fds_start)?;
    steps.ok(tr!(
        "requests 9 and 10 on one thread: 9 is lost, and its answer, sent after ask_time gave up, is not taken for the answer to 10; ask_time held no socket between the calls"
            | "请求 9 和 10 在同一个线程里：9 丢失，它的回答在 ask_time 放弃之后才到，没有被当成 10 的回答；两次调用之间 ask_time 没有留着套接字"
    ))?;

    // An answer that comes after the wait has run out is not the answer.
    let late = LATE_WAIT * 3 / 2;
    call(
        ask,
        &socket,
        Script::AnswerAfter(late),
        "%d",
        LATE_WAIT,
        None,
        &tr!(
            "the wait is the whole wait: once it has run out, return Ok(None), and do not wait again for a late answer (a second wait, a last recv without a time limit). The caller chose `wait`; an answer after it is no answer."
                | "等待时间就是全部的等待时间：它一到就返回 Ok(None)，不要为迟到的回答再等一次（第二次等待、最后一次不限时的 recv）。`wait` 是调用者定的；在它之后来的回答不算回答。"
        ),
        &tr!(
            "request 11, answered {} ms after it was sent, with a wait of {} ms"
                | "请求 11，发出 {} ms 后才得到回答，等待时间 {} ms",
            late.as_millis(),
            LATE_WAIT.as_millis()
        ),
    )?;
    steps.ok(tr!(
        "request 11, \"%d\", answered {} ms late for a wait of {} ms: Ok(None) at the end of the wait, the late answer not taken"
            | "请求 11，\"%d\"，等待 {} ms 而回答迟到 {} ms 才来：等待结束时返回 Ok(None)，不收迟到的回答",
        late.as_millis(),
        LATE_WAIT.as_millis()
    ))?;

    if let Some(fds) = fds_start {
        let now =
            kernel::settle_at_most(fds, Duration::from_secs(1), kernel::open_fds).unwrap_or(fds);
        if now > fds {
            return Err(
                Failure::new(tr!("after every call: the descriptors of this process"
                    | "所有调用之后：这个进程的描述符"))
                .detail(tr!("expected: {fds}, as before the first call"
                    | "期望：{fds} 个，和第一次调用之前一样"))
                .detail(tr!("got: {now}: sockets ask_time left open"
                    | "实际：{now} 个：ask_time 留下了没关闭的套接字"))
                .hint(tr!(
                "the socket is closed when it is dropped, at the end of ask_time: do not keep it."
                    | "套接字在被 drop 时关闭，也就是 ask_time 结束时：不要把它留下来。"
            )),
            );
        }
    }
    steps.ok(tr!(
        "every call closed its socket" | "每次调用都关闭了自己的套接字"
    ))?;
    Ok(())
}
