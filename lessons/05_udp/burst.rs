//! Step 6 of lesson 05's demo: a burst of datagrams to a server too busy to read them.
//!
//! UDP has no flow control. A `sendto` succeeds as soon as the datagram has left; nothing
//! slows a sender down when the receiver cannot keep up. The receiving kernel queues each
//! datagram in the socket's receive buffer (SO_RCVBUF) while there is room and drops it
//! when there is none, on loopback as on any network. Neither program is told, unless the
//! receiver asks: Linux then reports, with the next datagram it delivers, how many it had
//! dropped before it (SO_RXQ_OVFL), and counts every such drop in `/proc/net/snmp`
//! (`Udp: RcvbufErrors`, which `nstat` calls `UdpRcvbufErrors`).
//!
//! The numbers are the same on every run: the server's buffer is made smaller than one
//! datagram. Linux 6.18 lets a datagram in only if it fits in SO_RCVBUF beside what is
//! already queued, and always into an empty queue ("Accept the packet if queue is empty",
//! `__udp_enqueue_schedule_skb` in net/ipv4/udp.c; older kernels let one in while what was
//! queued did not exceed SO_RCVBUF), so either way the first of the ten gets in and the nine
//! after it never do, however the kernel accounts for each one's memory.

#[cfg(target_os = "linux")]
use super::{preview, say_received};
use socket2::Socket;
use socket_lessons::stage::demo::{Cue, OnCue};
use socket_lessons::stage::transcript::describe;
use socket_lessons::{say, Report, Transcript};
use std::net::SocketAddr;

/// How many datagrams the client sends while the server is busy.
const BURST: u32 = 10;

/// Each one's size: more than the server's whole receive buffer.
const SIZE: usize = 5000;

/// The receive buffer the server asks for; Linux gives twice as much (socket(7), SO_RCVBUF:
/// "The kernel doubles this value (to allow space for bookkeeping overhead)").
#[cfg(target_os = "linux")]
const ASKED: usize = 2048;

/// The client's side of step 6: announce it, wait for the server to be ready, send the
/// burst, then one more datagram once the server has read what was kept.
pub(super) fn client(
    socket: &Socket,
    to: SocketAddr,
    go: &Cue,
    on_done: &OnCue,
) -> Result<(), Report> {
    let client = Transcript::client();
    if cfg!(not(target_os = "linux")) {
        say!(
            client,
            "6. a burst to a busy server: skipped here (SO_RXQ_OVFL and /proc/net/snmp are Linux's)"
                | "6. 向忙碌的服务端连发数据报：这里跳过（SO_RXQ_OVFL 和 /proc/net/snmp 是 Linux 的）"
        );
        return Ok(());
    }
    say!(
        client,
        "6. {BURST} datagrams of {SIZE} bytes to a server too busy to read them"
            | "6. 向一个忙得顾不上读的服务端连发 {BURST} 个 {SIZE} 字节的数据报"
    );
    go.give(); // demo only: the server sets up its socket now
    on_done.wait()?;
    let datagram = [b'x'; SIZE];
    let mut accepted = 0;
    for _ in 0..BURST {
        if socket.send_to(&datagram, &to.into())? == SIZE {
            accepted += 1;
        }
    }
    say!(
        client,
        "sendto {to} x{BURST}: {accepted} of them returned {SIZE}, as if all had arrived: UDP \
         has no flow control, and nothing tells a sender that its receiver is full"
            | "sendto {to} {BURST} 次：其中 {accepted} 次返回 {SIZE}，就好像全都送到了：UDP 没有流量控制，接收方满了，发送方也不会得到任何通知"
    );
    go.give(); // demo only: the server reads now
    on_done.wait()?;
    say!(
        client,
        "sendto {to}: {}" | "sendto {to}：{}",
        describe(b"next")
    );
    socket.send_to(b"next", &to.into())?;
    Ok(on_done.wait()?)
}

/// The server's side of step 6, on a socket of its own.
#[cfg(target_os = "linux")]
pub(super) fn server(socket: Socket, on_go: &OnCue, done: &Cue) -> Result<(), Report> {
    use socket_lessons::wire::udp;
    let server = Transcript::server();
    on_go.wait()?;
    socket.set_recv_buffer_size(ASKED)?;
    udp::count_drops(&socket)?;
    let given = socket.recv_buffer_size()?;
    say!(
        server,
        "a second UDP socket, its program busy elsewhere: SO_RCVBUF {ASKED} asked, {given} \
         given (Linux doubles it); SO_RXQ_OVFL on"
            | "第二个 UDP 套接字，它的程序正忙着别的事：SO_RCVBUF 请求 {ASKED}，实际得到 {given}（Linux 会加倍）；打开 SO_RXQ_OVFL"
    );
    let before = rcvbuf_errors();
    done.give();

    on_go.wait()?; // the burst has been sent
                   // DEMO ORDER: loopback hands each datagram over inside sendto, as a rule; on a busy
                   // machine the kernel may finish a few later. Wait (bounded) until it has dealt with all
                   // of them: one queued, and the others dropped, which SO_MEMINFO counts (`ss -uam`: d).
    let dropped = wait_for_drops(&socket, BURST - 1)?;
    let mut buf = vec![0u8; 65_536];
    let (d, drops) = udp::recv_datagram_counting_drops(&socket, &mut buf)?;
    say_received(&server, buf.len(), &d, &buf[..d.len]);
    say!(
        server,
        "{}",
        drops_line(drops) // 0: it was queued before the first drop
    );
    socket.set_nonblocking(true)?;
    let more = match udp::recv_datagram(&socket, &mut buf) {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
        Err(e) => return Err(e.into()),
        Ok(d) => Some(d),
    };
    socket.set_nonblocking(false)?;
    match more {
        None => say!(
            server,
            "the next recvfrom (non-blocking): nothing queued (EAGAIN); the first filled the \
             buffer, and the kernel dropped the other {dropped} as they arrived"
                | "下一次 recvfrom（非阻塞）：队列里什么都没有（EAGAIN）；第一个数据报就占满了缓冲区，其余 {dropped} 个一到达就被内核丢弃了"
        ),
        Some(d) => say!(
            server,
            "the next recvfrom: {} more (not expected)" | "下一次 recvfrom：又收到 {}（出乎意料）",
            preview(&buf[..d.len])
        ),
    }
    done.give();

    let (d, drops) = udp::recv_datagram_counting_drops(&socket, &mut buf)?;
    say_received(&server, buf.len(), &d, &buf[..d.len]);
    say!(server, "{}", drops_line(drops));
    let after = rcvbuf_errors();
    match (before, after) {
        (Some(before), Some(after)) if after >= before + u64::from(drops) => say!(
            server,
            "/proc/net/snmp: Udp RcvbufErrors went up by at least {drops} (a count for the \
             whole system: `nstat -az UdpRcvbufErrors`)"
                | "/proc/net/snmp：Udp RcvbufErrors 至少增加了 {drops}（整个系统的计数见 nstat -az UdpRcvbufErrors）"
        ),
        (before, after) => say!(
            server,
            "/proc/net/snmp: Udp RcvbufErrors {before:?} before, {after:?} after (not expected)"
                | "/proc/net/snmp：Udp RcvbufErrors 之前 {before:?}，之后 {after:?}（出乎意料）"
        ),
    }
    done.give();
    Ok(())
}

/// Off Linux the server has no step 6.
#[cfg(not(target_os = "linux"))]
pub(super) fn server(_socket: Socket, _on_go: &OnCue, _done: &Cue) -> Result<(), Report> {
    Ok(())
}

/// What SO_RXQ_OVFL said with a datagram.
#[cfg(target_os = "linux")]
fn drops_line(drops: u32) -> String {
    if drops == 0 {
        socket_lessons::tr!(
            "no SO_RXQ_OVFL message with it: nothing had been dropped when it was queued"
                | "它没有带 SO_RXQ_OVFL 消息：它排进队列时还没有丢过任何数据报"
        )
    } else {
        socket_lessons::tr!(
            "SO_RXQ_OVFL with it: {drops} datagrams dropped before it"
                | "它带来的 SO_RXQ_OVFL：在它之前丢了 {drops} 个数据报"
        )
    }
}

/// Waits (at most 10 s) until the kernel says the socket has dropped `expected` datagrams,
/// and returns what it says then.
#[cfg(target_os = "linux")]
fn wait_for_drops(socket: &Socket, expected: u32) -> std::io::Result<u32> {
    use std::time::{Duration, Instant};
    let started = Instant::now();
    loop {
        let dropped = socket_lessons::wire::udp::drops_so_far(socket)?;
        if dropped >= expected || started.elapsed() >= Duration::from_secs(10) {
            return Ok(dropped);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// `Udp: … RcvbufErrors …` from `/proc/net/snmp`: datagrams dropped for a full receive
/// buffer, on the whole system (this network namespace), since it started.
#[cfg(target_os = "linux")]
fn rcvbuf_errors() -> Option<u64> {
    let snmp = std::fs::read_to_string("/proc/net/snmp").ok()?;
    let mut udp = snmp.lines().filter(|l| l.starts_with("Udp:"));
    let (names, values) = (udp.next()?, udp.next()?);
    let at = names.split_whitespace().position(|n| n == "RcvbufErrors")?;
    values.split_whitespace().nth(at)?.parse().ok()
}
