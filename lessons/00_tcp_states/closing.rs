//! Lesson 00's demo, second part: the teardown timed by the kernel, and what closing
//! promises (and does not).
//!
//! Scenes 9 to 12 read the kernel's own records (TCP_INFO, `/proc/net/tcp`), on Linux only;
//! 13 and 14 run everywhere.
//!
//! - 9: the ACK of a FIN is a delayed ACK on Linux. The client half-closes
//!   (`shutdown(SHUT_WR)`) so it keeps a descriptor, and TCP_INFO's round-trip time, which
//!   the kernel measures from each segment to the ACK that covers it, gives the FIN's own
//!   round trip: the kernel's clock, not the program's, so a busy machine cannot fake it.
//! - 10: a TIME_WAIT on the server's side does not stop the same client port from
//!   connecting again: Linux lets a newer SYN take it over.
//! - 11: a `send` that succeeds after the peer has closed, then EPIPE (SIGPIPE is ignored
//!   in a Rust program).
//! - 12: `close` returns while the kernel still holds bytes nobody has received.
//! - 13: SO_LINGER 0: RST instead of FIN.
//! - 14: the gentle close: answer, `shutdown(SHUT_WR)`, read to the end, close.

use crate::{RECV_SIZE, SETTLE};
use socket2::{Domain, Socket, Type};
use socket_lessons::stage::tcp_state::{self, info, lookup, queues, settle, show, Info, TcpState};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// A round trip at least this long was not answered at once: Linux's delayed ACK waits at
/// least `TCP_DELACK_MIN` (`HZ/25` jiffies, 40 ms; a little less once the timer's tick is
/// rounded), while an immediate ACK on loopback takes microseconds.
const DELAYED: Duration = Duration::from_millis(20);

pub fn closing() -> Result<(), Report> {
    say!(
        Transcript::client(),
        "--- closing, timed by the kernel: what close and send promise ---"
            | "--- 关闭连接，由内核计时：close 和 send 承诺了什么 ---"
    );
    if tcp_state::OBSERVABLE {
        fin_ack_is_delayed()?;
        time_wait_taken_over()?;
        send_after_the_peer_closed()?;
        close_before_delivery()?;
    } else {
        say!(
            Transcript::client(),
            "scenes 9 to 12 read the kernel's own records (TCP_INFO, /proc/net/tcp): Linux only, skipped on this system"
                | "第 9 到 12 幕读的是内核自己的记录（TCP_INFO、/proc/net/tcp），只在 Linux 上运行，这个系统上跳过"
        );
    }
    linger_zero()?;
    gentle_close()
}

/// A listener on 127.0.0.1 (SO_REUSEADDR on, backlog 5), a client connected to it, and the
/// server's end accepted: the start of every scene here.
fn connected() -> Result<(TcpListener, TcpStream, TcpStream), Report> {
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let stream = TcpStream::connect(listener.local_addr()?)?;
    let (conn, _) = listener.accept()?;
    Ok((listener, stream, conn))
}

/// TCP_INFO, which scenes 9 to 12 only ask for where the system reports it.
fn info_of(stream: &TcpStream) -> io::Result<Info> {
    info(stream)?.ok_or_else(|| {
        io::Error::other(socket_lessons::tr!(
            "TCP_INFO is not reported on this system" | "这个系统不提供 TCP_INFO"
        ))
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Scene 9: the ACK of a FIN, timed by the kernel.
fn fin_ack_is_delayed() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    let (_listener, mut stream, mut conn) = connected()?;
    stream.write_all(b"ping")?;
    let mut buf = [0u8; RECV_SIZE];
    conn.read_exact(&mut buf[..4])?;
    // The server's kernel ACKs the data at once (a new connection is in quick-ACK mode);
    // wait for that ACK, so that the next round-trip sample is the FIN's.
    let before =
        settle(&[0], SETTLE, || Ok(info_of(&stream)?.unacked)).and_then(|_| info_of(&stream))?;
    say!(
        client,
        "9. a new connection: send b\"ping\", which the server reads; TCP_INFO: acknowledged, smoothed round-trip time {:.3} ms"
            | "9. 一条新连接：发送 b\"ping\"，服务端读走了它；TCP_INFO：已被确认，平滑往返时间 {:.3} ms",
        ms(before.rtt)
    );
    say!(
        client,
        "     shutdown(SHUT_WR): my FIN goes out; I keep the socket, so TCP_INFO can follow it"
            | "     shutdown(SHUT_WR)：我的 FIN 发出去了；套接字我还留着，好让 TCP_INFO 继续跟踪它"
    );
    let sent = Instant::now();
    stream.shutdown(Shutdown::Write)?;
    let state = settle(&[Some(TcpState::FinWait2)], SETTLE, || {
        Ok(info_of(&stream)?.state)
    })?;
    let waited = sent.elapsed();
    let after = info_of(&stream)?;
    let sample = after.one_sample_since(&before);
    let (state, waited, fin, from, to) = (
        show(state),
        ms(waited),
        ms(sample),
        ms(before.rtt),
        ms(after.rtt),
    );
    say!(
        client,
        "     TCP_INFO: {state} {waited:.1} ms after shutdown; the kernel's own round-trip sample for my FIN: {fin:.1} ms (its smoothed RTT went from {from:.3} ms to {to:.3} ms)"
            | "     TCP_INFO：shutdown 之后 {waited:.1} ms 变成 {state}；内核自己测得我这个 FIN 的往返时间：{fin:.1} ms（平滑往返时间从 {from:.3} ms 变成 {to:.3} ms）"
    );
    if sample >= DELAYED {
        say!(
            client,
            "     the server's kernel held back the ACK of my FIN: on Linux a FIN starts a delayed ACK (40 ms at least, TCP_DELACK_MIN), in the hope that the server's own FIN can carry it"
                | "     服务端内核把对我这个 FIN 的 ACK 压后了：在 Linux 上，收到 FIN 会启动延迟确认（至少 40 ms，TCP_DELACK_MIN），希望能让服务端自己的 FIN 捎带上它"
        );
    } else {
        say!(
            client,
            "     the ACK of my FIN came back at once: this kernel does not delay it"
                | "     对我这个 FIN 的 ACK 立刻就回来了：这个内核没有推迟它"
        );
    }
    // The server notices (recv -> 0) and closes; the client reads the server's FIN.
    let n = conn.read(&mut buf)?;
    say!(
        server,
        "     recv -> {n} bytes (the client's FIN); close: my FIN goes out"
            | "     recv -> {n} 字节（客户端的 FIN）；close：我的 FIN 发出去了"
    );
    drop(conn);
    // The client reads the server's FIN (0 bytes) and closes: nothing left for later scenes.
    let _end = stream.read(&mut buf)?;
    Ok(())
}

/// Scene 10: the server closes first; a new SYN from the same client port takes over its
/// TIME_WAIT end.
fn time_wait_taken_over() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    // Both client sockets set SO_REUSEADDR, so that the second may bind the port while the
    // kernel is still letting go of the first (a moment after it leaves the table).
    let client_socket = || -> io::Result<Socket> {
        let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        socket.set_reuse_address(true)?;
        Ok(socket)
    };
    let first = client_socket()?;
    first.bind(&"127.0.0.1:0".parse::<std::net::SocketAddr>()?.into())?;
    first.connect(&addr.into())?;
    let mut stream = TcpStream::from(first);
    let me = stream.local_addr()?;
    let (conn, _) = listener.accept()?;
    drop(conn); // the server closes first
    let n = stream.read(&mut [0u8; RECV_SIZE])?;
    drop(stream); // the client reads 0 and closes: its end is gone after LAST_ACK
    let held = settle(&[Some(TcpState::TimeWait)], SETTLE, || lookup(addr, me))?;
    // The pair is free for a new connection once the client's end has left LAST_ACK.
    settle(&[None], SETTLE, || lookup(me, addr))?;
    say!(
        server,
        "10. this time the server closes first; the client reads {n} bytes and closes; my end {addr} <- {me}: {}"
            | "10. 这次服务端先关闭；客户端读到 {n} 字节后也关闭；我这一端 {addr} <- {me}：{}",
        show(held)
    );
    // The same client port, the same server address: the very pair TIME_WAIT holds.
    let again = client_socket()?;
    again.bind(&me.into())?;
    again.connect(&addr.into())?;
    let (_conn, peer) = listener.accept()?;
    say!(
        client,
        "     a new socket bound to the same port connects again from {me} -> connected"
            | "     一个新套接字绑定同一个端口，从 {me} 再次连接 -> 连上了"
    );
    let now = settle(&[Some(TcpState::Established)], SETTLE, || {
        lookup(addr, peer)
    })?;
    say!(
        server,
        "     accept -> {peer}; the kernel's table has {addr} <- {peer}: {}: Linux let a SYN with a newer sequence number (or timestamp) take over the TIME_WAIT end (RFC 1122 4.2.2.13, RFC 6191)"
            | "     accept -> {peer}；内核的连接表里 {addr} <- {peer}：{}：Linux 允许序列号（或时间戳）更新的 SYN 接管处于 TIME_WAIT 的这一端（RFC 1122 4.2.2.13，RFC 6191）",
        show(now)
    );
    Ok(())
}

/// Scene 11: a send that succeeds after the peer has closed, then one that fails with EPIPE.
fn send_after_the_peer_closed() -> Result<(), Report> {
    let client = Transcript::client();
    let (_listener, mut stream, conn) = connected()?;
    drop(conn); // nothing unread: FIN
    let n = stream.read(&mut [0u8; RECV_SIZE])?;
    let sent = stream.write(b"late")?;
    say!(
        client,
        "11. the server has closed (recv -> {n} bytes); send b\"late\" -> {sent}: the call succeeds, the bytes have only reached my kernel"
            | "11. 服务端已经关闭（recv -> {n} 字节）；send b\"late\" -> {sent}：调用成功了，但这些字节只是到了我自己的内核"
    );
    // The server's socket is closed: its kernel answers the bytes with RST.
    let now = settle(&[Some(TcpState::Close)], SETTLE, || {
        Ok(info_of(&stream)?.state)
    })?;
    say!(
        client,
        "     the server's kernel answered them with RST (nobody there reads any more); TCP_INFO: my end is {}"
            | "     服务端内核用 RST 回应了它们（那边已经没有人读了）；TCP_INFO：我这一端是 {}",
        show(now)
    );
    match stream.write(b"again") {
        Err(e) => say!(
            client,
            "     send b\"again\" -> {}: EPIPE. In this process SIGPIPE is {}, so the send fails instead of killing it; a C program that had not ignored SIGPIPE (or sent with MSG_NOSIGNAL) would die here"
                | "     send b\"again\" -> {}：EPIPE。这个进程里 SIGPIPE {}，所以 send 只是失败，而不会把进程杀掉；一个没有忽略 SIGPIPE（也没有用 MSG_NOSIGNAL 发送）的 C 程序会死在这里",
            socket_lessons::lang::error_text(&e),
            sigpipe()
        ),
        Ok(n) => say!(
            client,
            "     send b\"again\" -> {n} (unexpected)" | "     send b\"again\" -> {n}（出乎意料）"
        ),
    }
    Ok(())
}

/// What this process does with SIGPIPE, in words.
#[cfg(unix)]
fn sigpipe() -> String {
    // SAFETY: sigaction with a null new action only reads the current one into `old`.
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) };
    if rc == 0 && old.sa_sigaction == libc::SIG_IGN {
        socket_lessons::tr!(
            "ignored (Rust's runtime set it so before main)"
                | "被忽略（Rust 的运行时在 main 之前就这样设置了）"
        )
    } else {
        socket_lessons::tr!("not ignored" | "没有被忽略")
    }
}

#[cfg(not(unix))]
fn sigpipe() -> String {
    socket_lessons::tr!("unknown (no such signal here)" | "不存在（这里没有这个信号）")
}

/// Scene 12: `close` returns while the kernel still holds bytes the peer has not received.
fn close_before_delivery() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    let (listener, mut stream, mut conn) = connected()?;
    let (addr, me) = (listener.local_addr()?, stream.local_addr()?);
    // Send as much as the kernel takes without waiting: the server is not reading, so its
    // receive window fills, and the rest stays in this end's send buffer.
    stream.set_nonblocking(true)?;
    let chunk = [b'x'; 64 * 1024];
    let mut taken = 0usize;
    loop {
        match stream.write(&chunk) {
            Ok(n) => taken += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e.into()),
        }
    }
    drop(stream);
    say!(
        client,
        "12. send to a server that is not reading, as much as my kernel takes without waiting; close -> returns at once"
            | "12. 向一个不读数据的服务端发送，能发多少发多少（直到内核不等待就收不下为止）；close -> 立刻返回"
    );
    let state = lookup(me, addr)?;
    let unsent = queues(me, addr)?.map_or(0, |q| q.send);
    let still = if unsent > 0 {
        socket_lessons::tr!(
            "with bytes nobody has acknowledged still in its Send-Q"
                | "发送队列（Send-Q）里还有没被确认的字节"
        )
    } else {
        socket_lessons::tr!("with nothing left in its Send-Q" | "发送队列（Send-Q）已经空了")
    };
    say!(
        client,
        "     the kernel's table: my end is {}, {still}: close returned before they were delivered"
            | "     内核的连接表：我这一端是 {}，{still}：close 返回的时候，它们还没有送到",
        show(state)
    );
    let mut all = Vec::new();
    conn.read_to_end(&mut all)?;
    let matches = if all.len() == taken {
        socket_lessons::tr!(
            "every byte the client's sends took" | "客户端各次 send 收下的每一个字节"
        )
    } else {
        socket_lessons::tr!("{} of the {taken} bytes" | "{taken} 字节中的 {}", all.len())
    };
    say!(
        server,
        "     now I read: {matches}, then 0 bytes; they arrived after the client's close had returned"
            | "     现在我来读：{matches}，然后是 0 字节；它们是在客户端的 close 返回之后才到的"
    );
    Ok(())
}

/// Scene 13: sO_LINGER 0, then close: RST instead of FIN.
fn linger_zero() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    let (_listener, stream, mut conn) = connected()?;
    say!(
        client,
        "13. SO_LINGER 0, then close: RST instead of FIN, even with nothing unread; anything still queued is thrown away"
            | "13. 设置 SO_LINGER 0 再 close：发出的是 RST 而不是 FIN，即使没有未读数据；还在排队的数据全部丢弃"
    );
    net::close_with_reset(stream)?;
    match conn.read(&mut [0u8; RECV_SIZE]) {
        Err(e) => say!(
            server,
            "     recv -> {}",
            socket_lessons::lang::error_text(&e)
        ),
        Ok(n) => say!(
            server,
            "     recv -> {n} bytes (unexpected)" | "     recv -> {n} 字节（出乎意料）"
        ),
    }
    Ok(())
}

/// Scene 14: the gentle close: answer, shutdown(SHUT_WR), read to the end, close.
fn gentle_close() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    let (_listener, mut stream, mut conn) = connected()?;
    stream.write_all(b"questionmore")?;
    let mut question = [0u8; 8];
    conn.read_exact(&mut question)?;
    conn.write_all(b"bye")?;
    say!(
        server,
        "14. the gentle close: I read {}, answer b\"bye\" and leave b\"more\" unread; shutdown(SHUT_WR): my FIN follows the answer"
            | "14. 温和的关闭：我读了 {}，回答 b\"bye\"，b\"more\" 先不读；shutdown(SHUT_WR)：我的 FIN 跟在回答后面发出",
        describe(&question)
    );
    conn.shutdown(Shutdown::Write)?;
    let mut buf = [0u8; RECV_SIZE];
    let n = stream.read(&mut buf)?;
    let end = stream.read(&mut buf)?;
    say!(
        client,
        "     recv -> {}, then recv -> {end} bytes: the whole answer, then the FIN; no reset; close"
            | "     recv -> {}，然后 recv -> {end} 字节：完整的回答，然后是 FIN；没有重置；close",
        describe(&buf[..n])
    );
    drop(stream);
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest)?;
    say!(
        server,
        "     read to the end: {}, then 0 bytes (the client's FIN); close: nothing unread, so no RST (net::close_gently does these steps)"
            | "     一直读到结束：{}，然后是 0 字节（客户端的 FIN）；close：没有未读数据，所以不会发 RST（net::close_gently 做的就是这几步）",
        describe(&rest)
    );
    Ok(())
}
