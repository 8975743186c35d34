//! The check of exercise 13: requests in a request/answer loop, and how many segments each
//! one took on the wire; then bodies of other lengths (the header is not a constant), and
//! a 16 MiB one whose send the check interrupts once (a write's count must not be ignored).
//!
//! Why segments, and not times or read sizes. The lesson's symptom is a 40 ms wait, but a
//! check must not assert times. A server that records how many bytes its first `read` of
//! each request returns depends on scheduling: while Linux is in "quick ACK" mode the
//! header is acknowledged at once and the body follows within microseconds. What does not
//! depend on luck is what the client's TCP sent: the header of two writes always leaves
//! alone (nothing is unacknowledged when a request starts, because the check reads each
//! answer first), so a request made of two writes is always two data segments, whether
//! Nagle then holds the body for 40 ms or not. On Linux the kernel counts the data segments
//! a socket has sent (TCP_INFO, `tcpi_data_segs_out`); the check reads that count before
//! each `send_request` and after the server has the whole request. Elsewhere it falls back
//! to the server's first read, and says so.

use super::harness::{
    ends, finish, first_difference, shown, spawn, within, Failure, Steps, Subject, Trouble, STUCK,
};
use super::kernel::{self, Interruptions};
use socket_lessons::tr;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type SendRequest = fn(&mut TcpStream, &[u8]) -> io::Result<()>;

/// Requests in the loop.
const REQUESTS: usize = 20;
/// The body of each: lesson 13's 60 bytes (a 64-byte request with its header).
const BODY_LEN: usize = 60;
/// The long body of the last step.
const LONG: usize = 16 * 1024 * 1024;

const MEANS: &[(&str, &str)] = &[
    (
        "send_request sends the 4-byte little-endian length, then the body: 20 requests of 60 bytes and bodies of 0, 1, 1000 and 70000 bytes arrive byte for byte",
        "send_request 先发 4 字节小端的长度，再发真实数据：20 个 60 字节的请求，以及 0、1、1000、70000 字节的真实数据，都逐字节正确到达",
    ),
    (
        "each request of up to 1000 bytes leaves the socket as one TCP segment (counted by the kernel, where one segment can carry it): one write, so Nagle has nothing to hold back",
        "每个不超过 1000 字节的请求都作为一个 TCP 报文段离开套接字（由内核计数，前提是一个报文段装得下它）：一次写出，Nagle 没有什么可扣住的",
    ),
    (
        "a 16 MiB body whose write signals interrupt (after it has copied bytes: a short count; before: EINTR, ErrorKind::Interrupted) still arrives whole: what the write did not take is written again",
        "一个 16 MiB 的真实数据，它的写被信号打断（在已经复制了一些字节之后：返回的字节数不足；在那之前：EINTR，ErrorKind::Interrupted），仍然完整到达：写没接收的部分会再写一次",
    ),
    (
        "a request on a connection the server has reset returns the error, not Ok(())",
        "在服务端已经重置的连接上发请求，返回错误，而不是 Ok(())",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "the number of system calls: TCP_CORK around two writes also makes one segment (the check counts segments, not calls)",
    "系统调用的次数：在两次写的前后加上 TCP_CORK 也只产生一个报文段（检查程序数的是报文段，不是调用）",
)];

pub fn check(send: SendRequest, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(send, &mut steps);
    finish(steps, result, MEANS, CANNOT_SEE)
}

/// What the kernel says about this socket's TCP (Linux: TCP_INFO), if it says it all.
#[cfg(target_os = "linux")]
fn tcp_info(stream: &TcpStream) -> Option<libc::tcp_info> {
    use std::os::fd::AsRawFd;
    // SAFETY: `info` is a plain C struct that getsockopt fills in; `len` tells the kernel
    // its size, and the kernel writes at most that many bytes (and says how many).
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    // A kernel older than 4.6 fills in less and has no count of data segments.
    let needed = std::mem::offset_of!(libc::tcp_info, tcpi_data_segs_out) + 4;
    (rc == 0 && len as usize >= needed).then_some(info)
}

/// The data segments this socket has sent so far (Linux: TCP_INFO's tcpi_data_segs_out).
#[cfg(target_os = "linux")]
fn data_segments(stream: &TcpStream) -> Option<u32> {
    tcp_info(stream).map(|info| info.tcpi_data_segs_out)
}

/// The most bytes one segment of this socket carries now (TCP_INFO's tcpi_snd_mss): tens of
/// kilobytes on loopback (32,768 in a run here), but a "fragmentation needed" message
/// (forged or not) lowers it for that address for ten minutes (Linux's
/// net.ipv4.route.mtu_expires), 500 bytes seen, and a request longer than it cannot be one
/// segment however it was written.
#[cfg(target_os = "linux")]
fn segment_size(stream: &TcpStream) -> Option<usize> {
    tcp_info(stream).map(|info| info.tcpi_snd_mss as usize)
}

#[cfg(not(target_os = "linux"))]
fn data_segments(_stream: &TcpStream) -> Option<u32> {
    None
}

#[cfg(not(target_os = "linux"))]
fn segment_size(_stream: &TcpStream) -> Option<usize> {
    None
}

fn raw_fd(stream: &TcpStream) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        Some(stream.as_raw_fd())
    }
    #[cfg(not(unix))]
    {
        let _ = stream;
        None
    }
}

/// A request on the wire: the header, then the body.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut want = (body.len() as i32).to_le_bytes().to_vec();
    want.extend_from_slice(body);
    want
}

/// The body length a header announces (a negative one counts as 0).
fn frame_len(wire: &[u8]) -> usize {
    let len = i32::from_le_bytes([wire[0], wire[1], wire[2], wire[3]]);
    usize::try_from(len).unwrap_or(0)
}

/// Reads one request from the server's end: (what the first read returned, the whole
/// request), or how far it got.
fn read_request(conn: &mut TcpStream) -> Result<(usize, Vec<u8>), Vec<u8>> {
    let _ = conn.set_read_timeout(Some(STUCK));
    let mut buf = vec![0u8; 256 * 1024];
    let mut wire = Vec::new();
    let mut first = None;
    while wire.len() < 4 || wire.len() < 4 + frame_len(&wire) {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => return Err(wire),
            Ok(n) => {
                first.get_or_insert(n);
                wire.extend_from_slice(&buf[..n]);
            }
        }
    }
    Ok((first.unwrap_or(0), wire))
}

fn header_hint() -> String {
    tr!(
        "a 4-byte little-endian i32 length (struct.pack('i', n), i32::try_from(body.len())?.to_le_bytes()), then the body: the length of this body, not a constant."
            | "4 字节小端 i32 长度（struct.pack('i', n)，i32::try_from(body.len())?.to_le_bytes()），然后是真实数据：长度是这份真实数据的长度，不是常数。"
    )
}

/// One request through `send`, read whole by the server's end, answered with one byte;
/// how many data segments it took (when the kernel says).
fn one_request(
    send: SendRequest,
    client: &TcpStream,
    conn: &mut TcpStream,
    body: Vec<u8>,
    step: &str,
) -> Result<(usize, Option<u32>), Failure> {
    let want = framed(&body);
    let before = data_segments(client);
    let mut stream = client
        .try_clone()
        .map_err(|e| Failure::setup("a connection", e))?;
    let sent = within(move || send(&mut stream, &body));
    match sent {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(Failure::new(step).detail(tr!(
                "got: send_request returned Err: {e}" | "实际：send_request 返回了 Err：{e}"
            )))
        }
        Err(trouble) => return Err(Failure::new(step).trouble(&trouble, "send_request")),
    }
    let (first, wire) = read_request(conn).map_err(|partial| {
        Failure::new(step)
            .detail(tr!(
                "expected on the wire: {}" | "期望线路上是：{}",
                ends(&want, 24)
            ))
            .detail(tr!(
                "got: {}, and then nothing" | "实际：{}，然后什么也没有",
                ends(&partial, 24)
            ))
            .hint(header_hint())
    })?;
    if wire != want {
        return Err(Failure::new(step)
            .detail(tr!(
                "expected on the wire: {}" | "期望线路上是：{}",
                ends(&want, 24)
            ))
            .detail(tr!("got: {}" | "实际：{}", ends(&wire, 24)))
            .hint(header_hint()));
    }
    let after = data_segments(client);
    let _ = conn.write_all(b"+");
    let mut answer = [0u8; 1];
    let mut reader = client;
    if let Err(e) = reader.read_exact(&mut answer) {
        return Err(Failure::new(step).detail(tr!(
            "the server's answer did not come: {e}" | "服务端的回答没有来：{e}"
        )));
    }
    let segments = match (before, after) {
        (Some(b), Some(a)) => Some(a.wrapping_sub(b)),
        _ => None,
    };
    Ok((first, segments))
}

fn one_segment_or_fail(
    step: &str,
    length: usize,
    first: usize,
    segments: Option<u32>,
) -> Result<(), Failure> {
    let one = match segments {
        Some(n) => n == 1,
        None => first == length,
    };
    if one {
        return Ok(());
    }
    let mut failure = Failure::new(step)
        .detail(tr!("expected: the request's {length} bytes in one segment"
            | "期望：请求的 {length} 字节在一个报文段里"));
    failure = match segments {
        Some(n) => failure.detail(tr!(
            "got: {n} data segments left your socket for this one request (the header, then the body)"
                | "实际：为这一个请求，你的套接字发出了 {n} 个数据报文段（先是报头，然后是真实数据）"
        )),
        None => failure.detail(tr!(
            "got: more than one piece (this system does not count segments: the server's first read is the measure)"
                | "实际：不止一块（这个系统不统计报文段：以服务端的第一次读取为准）"
        )),
    };
    Err(failure
        .detail(tr!(
            "the server's first read of it returned {first} of {length} bytes"
                | "服务端对它的第一次读取返回了 {length} 字节中的 {first} 字节"
        ))
        .hint(tr!(
            "two writes per request: the 4-byte header leaves alone, and Nagle's algorithm holds the small body until the header is acknowledged, which the server delays because a header alone is nothing to answer: about 40 ms per request (docs/13). Put header and body in one write: framing::write_frame, or write_vectored with both slices. TCP_NODELAY would let the body go at once, but still as a second segment and a second system call, so this check accepts only one write."
                | "每个请求两次写：4 字节的报头单独发出，Nagle 算法扣住小小的真实数据，直到报头被确认，而服务端会推迟这个确认，因为光有报头它没什么可回答的：每个请求大约 40 ms（docs/zh-CN/13）。把报头和真实数据放在一次写里：framing::write_frame，或者带两个切片的 write_vectored。TCP_NODELAY 会让真实数据立即发出，但仍然是第二个报文段、第二次系统调用，所以这个检查只接受一次写。"
        )))
}

fn run(send: SendRequest, steps: &mut Steps) -> Result<(), Failure> {
    let setup = |e: io::Error| Failure::setup("a connection", e);
    // A small receive buffer (inherited by the accepted socket): the 16 MiB request blocks
    // its sender after a few hundred kilobytes.
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(setup)?;
    let _ = socket.set_recv_buffer_size(256 * 1024);
    let any: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 0));
    socket.bind(&any.into()).map_err(setup)?;
    socket.listen(1).map_err(setup)?;
    let listener: TcpListener = socket.into();
    let addr = listener.local_addr().map_err(setup)?;
    let client = TcpStream::connect(addr).map_err(setup)?;
    let (mut conn, _) = listener.accept().map_err(setup)?;
    client.set_read_timeout(Some(STUCK)).map_err(setup)?;

    let counted = data_segments(&client).is_some();
    let mut first_reads = Vec::new();
    for i in 1..=REQUESTS {
        // Each body different, so that a request cannot be mistaken for the one before.
        let body: Vec<u8> = (0..BODY_LEN).map(|k| b'a' + ((i + k) % 26) as u8).collect();
        let step = tr!(
            "request {i} of {REQUESTS}: send_request with a {BODY_LEN}-byte body"
                | "第 {i} 个请求（共 {REQUESTS} 个）：send_request，真实数据 {BODY_LEN} 字节"
        );
        let (first, segments) = one_request(send, &client, &mut conn, body, &step)?;
        one_segment_or_fail(&step, BODY_LEN + 4, first, segments)?;
        first_reads.push(first);
    }
    let how = if counted {
        tr!("one data segment each (counted by the kernel, TCP_INFO)"
            | "每个一个数据报文段（由内核计数，TCP_INFO）")
    } else {
        tr!("each in one piece (the server's first read)"
            | "每个都是一整块（以服务端的第一次读取为准）")
    };
    steps.ok(tr!(
        "{REQUESTS} requests, {how}" | "{REQUESTS} 个请求，{how}"
    ))?;

    // Other lengths: the header follows the body. A request longer than one segment can
    // carry is not counted (only where the kernel says the segment size is that small).
    let mss = segment_size(&client).unwrap_or(usize::MAX);
    let mut too_long = None;
    for length in [0usize, 1, 1000, 70_000] {
        let body: Vec<u8> = (0..length).map(|k| b'A' + (k % 26) as u8).collect();
        let step =
            tr!("a request with a body of {length} bytes" | "真实数据为 {length} 字节的请求");
        let (first, segments) = one_request(send, &client, &mut conn, body, &step)?;
        if length <= 1000 && length + 4 <= mss {
            one_segment_or_fail(&step, length + 4, first, segments)?;
        } else if length <= 1000 {
            too_long = Some(length + 4);
        }
    }
    match too_long {
        None => steps.ok(tr!(
            "bodies of 0, 1, 1000 and 70000 bytes arrive with their own lengths in front (70000 is 70 11 01 00), the short ones in one segment each"
                | "0、1、1000、70000 字节的真实数据到达时前面都是各自的长度（70000 是 70 11 01 00），短的每个一个报文段"
        ))?,
        Some(length) => steps.ok(tr!(
            "bodies of 0, 1, 1000 and 70000 bytes arrive with their own lengths in front; the {length}-byte request's segments were not counted: one segment of this connection carries at most {mss} bytes, so it cannot be one, however it is written"
                | "0、1、1000、70000 字节的真实数据到达时前面都是各自的长度；{length} 字节的请求没有数报文段：这条连接的一个报文段最多装 {mss} 字节，不管怎么写，它都不可能是一个报文段"
        ))?,
    }

    long_request(send, &client, &mut conn, steps)?;
    reset_peer(send, steps)
}

/// A request on a connection the server has reset: nothing can be sent, and the caller
/// must be told.
fn reset_peer(send: SendRequest, steps: &mut Steps) -> Result<(), Failure> {
    use socket_lessons::stage::tcp_state::{self, TcpState};
    let setup = |e: io::Error| Failure::setup("a connection", e);
    let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).map_err(setup)?;
    let client = TcpStream::connect(listener.local_addr().map_err(setup)?).map_err(setup)?;
    let (conn, _) = listener.accept().map_err(setup)?;
    socket_lessons::wire::net::close_with_reset(conn).map_err(setup)?;
    // The reset has reached the client's end once its kernel has closed it.
    let reset = kernel::wait_until(STUCK, || {
        matches!(tcp_state::of(&client), Ok(Some(TcpState::Close)))
    });
    if !reset {
        steps.skip(tr!(
            "a request on a connection the server has reset: this system does not show the connection's state"
                | "在服务端已经重置的连接上发请求：这个系统不显示连接的状态"
        ));
        return Ok(());
    }
    let step = tr!(
        "send_request with a 5-byte body on a connection the server has reset (RST)"
            | "在服务端已经重置（RST）的连接上 send_request，真实数据 5 字节"
    );
    let mut stream = client;
    let got = within(move || send(&mut stream, b"hello"));
    match got {
        Ok(Err(_)) => {}
        Ok(Ok(())) => {
            return Err(Failure::new(&step)
                .detail(tr!(
                    "expected: Err (the write fails: connection reset, or broken pipe)"
                        | "期望：Err（写会失败：connection reset，或者 broken pipe）"
                ))
                .detail(tr!(
                    "got: Ok(()): the request was not sent, and the caller was told it was"
                        | "实际：Ok(())：请求没有发出去，调用者却被告知发出去了"
                ))
                .hint(tr!(
                    "every write's error must reach the caller. A BufWriter that is dropped without flush() writes in its Drop, which throws the error away: call flush() and return its result (or write header and body in one write yourself)."
                        | "每次写的错误都必须交给调用者。没有调用 flush() 就被 drop 的 BufWriter 会在它的 Drop 里写，而 Drop 把错误扔掉了：调用 flush() 并返回它的结果（或者自己把报头和真实数据一次写出）。"
                )))
        }
        Err(trouble) => return Err(Failure::new(&step).trouble(&trouble, "send_request")),
    }
    steps.ok(tr!(
        "a request on a connection the server has reset returns the error"
            | "在服务端已经重置的连接上发请求，返回了错误"
    ))?;
    Ok(())
}

/// What the check's signals did to a write, in a failure's words.
fn said(interrupted: Interruptions) -> String {
    tr!(
        "(the check had interrupted the write while it waited for room in the buffers: {} times after it had copied bytes, a short count; {} time before it had copied any, EINTR: ErrorKind::Interrupted)"
            | "（检查程序在写等待缓冲区空间时打断过它：{} 次是在它已经复制了一些字节之后，返回的字节数不足；{} 次是在它还没复制任何字节之前，EINTR：ErrorKind::Interrupted）",
        interrupted.short,
        interrupted.eintr
    )
}

/// A 16 MiB request: the server reads nothing until the sending thread sleeps in a write,
/// then interrupts that write (a short count), then the next one before it copies a byte
/// (EINTR), then reads 1 MiB and interrupts once more, then reads everything.
fn long_request(
    send: SendRequest,
    client: &TcpStream,
    conn: &mut TcpStream,
    steps: &mut Steps,
) -> Result<(), Failure> {
    let step = tr!(
        "a request with a 16 MiB body, its write interrupted by signals while the server is not reading yet"
            | "真实数据为 16 MiB 的请求，在服务端还没开始读时，它的写被信号打断"
    );
    let hint = tr!(
        "write and write_vectored return how many bytes they took, and for a big request it may be fewer than all: a signal, a send timeout, a non-blocking socket cut it short. A signal that comes before the call took any byte makes it fail with ErrorKind::Interrupted, which means \"call again\", not \"the connection failed\". Loop until everything is written, calling again on Interrupted (write_all, or write_vectored with IoSlice::advance_slices, which is what framing::write_frame does)."
            | "write 和 write_vectored 返回它们接收了多少字节，对一个大请求来说可能不是全部：信号、发送超时、非阻塞套接字都会让它提前返回。信号如果在这次调用接收任何字节之前到来，调用会以 ErrorKind::Interrupted 失败，意思是“再调用一次”，而不是“连接出错了”。要循环到全部写完，遇到 Interrupted 就再调用（write_all，或者配合 IoSlice::advance_slices 的 write_vectored，framing::write_frame 就是这样做的）。"
    );
    let body: Vec<u8> = (0..LONG as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let want = framed(&body);
    let mut stream = client
        .try_clone()
        .map_err(|e| Failure::setup("a connection", e))?;
    // The descriptor the call writes on: the copy's own number.
    let client_fd = raw_fd(&stream);
    let conn_fd = raw_fd(conn);
    let returned = Arc::new(AtomicBool::new(false));
    let running = {
        let returned = Arc::clone(&returned);
        spawn(move || {
            let result = send(&mut stream, &body);
            returned.store(true, Ordering::SeqCst);
            result
        })
    };
    let _ = conn.set_read_timeout(Some(Duration::from_millis(20)));
    let mut got = Vec::with_capacity(LONG + 4);
    let mut buf = vec![0u8; 256 * 1024];
    // The server reads nothing until the write has been interrupted twice; then 1 MiB, and
    // the write is interrupted once more.
    let interrupted = match client_fd {
        Some(fd) => {
            let stopped = || returned.load(Ordering::SeqCst);
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
        None => Interruptions::default(),
    };
    let deadline = Instant::now() + STUCK * 3;
    loop {
        if got.len() >= 4 && got.len() >= 4 + frame_len(&got) {
            break;
        }
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                continue;
            }
            Err(e) if super::harness::is_timeout(&e) => {}
            Err(_) => break,
        }
        let idle = returned.load(Ordering::SeqCst)
            && client_fd.is_none_or(|fd| kernel::unsent(fd) == Some(0))
            && conn_fd.is_none_or(|fd| kernel::unread(fd) == Some(0));
        if idle || Instant::now() >= deadline {
            break;
        }
    }
    let result = running.wait(STUCK);
    if got != want {
        // One line for what came and how send_request ended: returned (Ok or Err), or
        // still writing, or panicked.
        let ended = match &result {
            Ok(Ok(())) => tr!(
                "got: {} bytes, and then send_request returned Ok(())"
                    | "实际：{} 字节，然后 send_request 返回了 Ok(())",
                got.len()
            ),
            Ok(Err(e)) => tr!(
                "got: {} bytes, and then send_request returned Err: {e}"
                    | "实际：{} 字节，然后 send_request 返回了 Err：{e}",
                got.len()
            ),
            Err(Trouble::Hung) if got.len() > want.len() => tr!(
                "got: {} bytes, more than the request, and send_request had not returned {} s later: it was still writing, bytes it had sent already among them"
                    | "实际：{} 字节，比请求还多，而且 {} 秒之后 send_request 还没有返回：它还在写，其中有它已经发过的字节",
                got.len(),
                STUCK.as_secs()
            ),
            Err(Trouble::Hung) => tr!(
                "got: {} bytes, and send_request had not returned {} s later"
                    | "实际：{} 字节，而且 {} 秒之后 send_request 还没有返回",
                got.len(),
                STUCK.as_secs()
            ),
            Err(Trouble::Panicked(_)) => tr!(
                "got: {} bytes, and then send_request panicked"
                    | "实际：{} 字节，然后 send_request panic 了",
                got.len()
            ),
        };
        let mut failure = Failure::new(&step)
            .detail(tr!(
                "expected on the wire: {} bytes, the header then the body"
                    | "期望线路上是：{} 字节，先是报头，再是真实数据",
                want.len()
            ))
            .detail(ended);
        // Said whether send_request returned or was still writing: which one a wrong
        // answer that sends bytes again does depends on the kernel's timing.
        if got.len() > want.len() && !matches!(result, Err(Trouble::Hung)) {
            failure = failure.detail(tr!(
                "that is {} bytes more than the request" | "比请求多了 {} 字节",
                got.len() - want.len()
            ));
        }
        if let Some(at) = first_difference(&want[..got.len().min(want.len())], &got) {
            if at < got.len() {
                failure = failure.detail(tr!(
                    "and they differ from byte {at} on" | "而且从第 {at} 字节起不同"
                ));
            }
        }
        if interrupted.any() {
            failure = failure.detail(said(interrupted));
        }
        if let Err(trouble @ Trouble::Panicked(_)) = &result {
            failure = failure.trouble(trouble, "send_request");
        }
        return Err(failure.hint(hint));
    }
    match result {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return Err(Failure::new(&step)
                .detail(tr!(
                    "got: send_request returned Err: {e}" | "实际：send_request 返回了 Err：{e}"
                ))
                .hint(hint))
        }
        Err(trouble) => return Err(Failure::new(&step).trouble(&trouble, "send_request")),
    }
    if interrupted.any() {
        steps.ok(tr!(
            "a 16 MiB body whose write was interrupted by signals ({} short counts, {} EINTR) arrives whole: {}"
                | "写被信号打断过（{} 次返回的字节数不足，{} 次 EINTR）的 16 MiB 真实数据完整到达：{}",
            interrupted.short,
            interrupted.eintr,
            shown(&want[..4])
        ))?;
    } else {
        steps.ok(tr!(
            "a 16 MiB body arrives whole" | "16 MiB 的真实数据完整到达"
        ))?;
        steps.skip(tr!(
            "a write cut short by a signal: this system does not show which call a thread sleeps in (Linux's /proc does)"
                | "被信号打断的写：这个系统不显示线程睡在哪个调用里（Linux 的 /proc 会显示）"
        ));
    }
    Ok(())
}
