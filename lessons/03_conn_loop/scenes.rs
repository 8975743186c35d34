//! Lesson 03's demo (the scenes of `cargo run --example 03_conn_loop`): a second client
//! waiting in the accept queue; six restarts on the port just used; the accept queue of
//! `listen(1)` overflowing.

use crate::{exchange, on_off, quit, serve, RECV_SIZE};
use socket2::SockRef;
use socket_lessons::guard::limits::{self, Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::timed;
use socket_lessons::stage::demo;
use socket_lessons::stage::tcp_state::{self, counter, queues};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long the second client waits for an answer it cannot get yet. The wait always runs
/// out (the server is busy with the first client until we let it go); it only bounds it.
const BACKLOG_WAIT: Duration = Duration::from_millis(300);

/// How long part 3's third client waits for its dropped SYN to be answered: it always runs
/// out (the queue stays full until the demo accepts); it only bounds the wait.
const CONNECT_LIMIT: Duration = Duration::from_millis(300);

pub fn run_demo() -> Result<(), Report> {
    one_client_at_a_time()?;
    restart_on_the_same_port()?;
    the_accept_queue_overflows()?;
    // Part 3 runs in this thread, and parts 1 and 2 have joined their servers.
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "the connection loop served one client at a time and the kernel queued the next: client B's connect returned at once, and its bytes waited until client A had left; whether a restarted server could bind its port again, with the old connection in TIME_WAIT, went by this system's SO_REUSEADDR rule, stated above; and a full accept queue dropped a new client's SYN until accept made room"
            | "链接循环一次服务一个客户端，下一个由内核排进队列：客户端 B 的 connect 立刻返回，它发的字节一直等到客户端 A 离开才被读走；重启的服务端能不能再次绑定原来的端口（旧连接还在 TIME_WAIT 里），取决于这个系统关于 SO_REUSEADDR 的规则，上面已经说明；全连接队列满了，新客户端的 SYN 就被丢掉，直到 accept 取走连接、腾出空位"
    );
    Ok(())
}

/// Part 1: the second client waits in the backlog until the first one quits.
fn one_client_at_a_time() -> Result<(), Report> {
    let server = Transcript::server();
    say!(
        server,
        "part 1: one client at a time" | "第 1 部分：一次服务一个客户端"
    );
    let stage = demo::stage_saying(
        |addr| tr!("listening on {addr}, backlog 5" | "在 {addr} 上监听，backlog 5"),
        ListenOptions::new(),
        2,
        |listener, hooks| {
            let limits = Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS));
            serve(&listener, limits, &hooks)
        },
    )?;
    let addr = stage.addr;

    let a = Transcript::named("client A");
    say!(a, "connect to {addr}" | "connect 到 {addr}");
    let mut stream_a = net::connect_addr(addr)?;
    stage.accepted()?; // demo only: the server's accept line first
    exchange(&mut stream_a, b"a1", &a)?;

    // B connects while the server is inside A's communication loop.
    let b = Transcript::named("client B");
    let mut stream_b = net::connect_addr(addr)?;
    say!(
        b,
        "connect to {addr} -> returned at once: the kernel completed the handshake and \
         queued the connection in the backlog; nobody has accepted it"
            | "connect 到 {addr} -> 立刻就返回了：内核完成了握手，把这条连接放进了全连接队列；还没有人 accept 它"
    );
    say!(b, "send {}", describe(b"b1"));
    stream_b.write_all(b"b1")?;
    let mut buf = [0u8; RECV_SIZE];
    match timed::read_within(&mut stream_b, &mut buf, BACKLOG_WAIT)? {
        None => say!(
            b,
            "recv({RECV_SIZE}) -> nothing within {} ms: the server is still serving client A"
                | "recv({RECV_SIZE}) -> {} ms 内什么都没有：服务端还在服务客户端 A",
            BACKLOG_WAIT.as_millis()
        ),
        Some(n) => say!(
            b,
            "recv({RECV_SIZE}) -> unexpectedly {}" | "recv({RECV_SIZE}) -> 出乎意料地收到了 {}",
            describe(&buf[..n])
        ),
    }

    exchange(&mut stream_a, b"a2", &a)?;
    quit(stream_a, &a)?;

    // Now the server accepts B and finds B's message waiting in the socket's buffer.
    let n = stream_b.read(&mut buf)?;
    say!(b, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
    quit(stream_b, &b)?;
    stage.end()
}

/// When the old listener of a round sets SO_REUSEADDR.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OldReuse {
    /// Never: Python's default.
    Off,
    /// Before bind, as the notes do.
    BeforeBind,
    /// After bind (and listen), before any client connects.
    AfterBind,
    /// Once the round's client has connected and been accepted.
    AfterAccept,
}

/// Part 2: restart a server on the port it just used, SO_REUSEADDR off and on.
///
/// Each round: a listener, one client; the *server* closes the connection first (that is
/// the side that ends up in TIME_WAIT, for 60 s on Linux), then the listener; then a new
/// listener tries to bind the same port. Single-threaded: `connect` completes through the
/// accept queue before `accept` is called.
fn restart_on_the_same_port() -> Result<(), Report> {
    let server = Transcript::server();
    let client = Transcript::client();
    say!(
        server,
        "part 2: restart on the same port" | "第 2 部分：在同一个端口上重启"
    );
    use OldReuse::*;
    let rounds = [
        (Off, false),
        (Off, true),
        (BeforeBind, false),
        (BeforeBind, true),
        (AfterBind, true),
        (AfterAccept, true),
    ];
    let mut rebound = Vec::new();
    for (round, (old_reuse, new_reuse)) in rounds.into_iter().enumerate() {
        let round = round + 1;
        let new = on_off(new_reuse);
        match old_reuse {
            Off | BeforeBind => say!(
                server,
                "round {round}: old listener SO_REUSEADDR={}, new listener SO_REUSEADDR={new}"
            | "第 {round} 轮：旧监听套接字 SO_REUSEADDR={}，新监听套接字 SO_REUSEADDR={new}",
                on_off(old_reuse == BeforeBind)
            ),
            AfterBind => say!(
                server,
                "round {round}: old listener SO_REUSEADDR set after bind, before any client connects; new listener SO_REUSEADDR={new}"
                    | "第 {round} 轮：旧监听套接字在 bind 之后、任何客户端连上之前才设置 SO_REUSEADDR；新监听套接字 SO_REUSEADDR={new}"
            ),
            AfterAccept => say!(
                server,
                "round {round}: old listener SO_REUSEADDR set only after the client was accepted; new listener SO_REUSEADDR={new}"
                    | "第 {round} 轮：旧监听套接字等客户端被 accept 之后才设置 SO_REUSEADDR；新监听套接字 SO_REUSEADDR={new}"
            ),
        }
        let old_listener = net::listen(
            "127.0.0.1:0".parse()?,
            ListenOptions::new().reuse_address(old_reuse == BeforeBind),
        )?;
        if old_reuse == AfterBind {
            SockRef::from(&old_listener).set_reuse_address(true)?;
        }
        let addr = old_listener.local_addr()?;
        say!(server, "listening on {addr}" | "在 {addr} 上监听");
        let mut stream = net::connect_addr(addr)?;
        let (conn, client_addr) = old_listener.accept()?;
        if old_reuse == AfterAccept {
            SockRef::from(&old_listener).set_reuse_address(true)?;
        }
        say!(
            server,
            "accept -> {client_addr}; close it first, then the listener"
                | "accept -> {client_addr}；先关闭这条连接，再关闭监听套接字"
        );
        drop(conn);
        drop(old_listener);
        let mut buf = [0u8; 16];
        let n = stream.read(&mut buf)?;
        say!(
            client,
            "recv -> {n} bytes: the server closed; close too"
                | "recv -> {n} 字节：服务端关闭了；我也 close"
        );
        drop(stream);

        // Restart: a new listener on the very same address.
        let options = ListenOptions::new().reuse_address(new_reuse);
        match net::listen(addr, options) {
            Ok(listener) => {
                rebound.push(round);
                say!(
                    server,
                    "new listener: bound {addr} again" | "新监听套接字：再次绑定 {addr} 成功"
                );
                // And it really works: a client connects, says one line and closes.
                let mut stream = net::connect_addr(addr)?;
                stream.write_all(b"hello again")?;
                drop(stream);
                let (mut conn, client_addr) = listener.accept()?;
                let mut got = Vec::new();
                conn.read_to_end(&mut got)?; // everything until the client's close
                say!(
                    server,
                    "accept -> {client_addr}; it said {}" | "accept -> {client_addr}；它说的是 {}",
                    describe(&got)
                );
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                say!(
                    server,
                    "new listener: {}" | "新监听套接字：{}",
                    socket_lessons::lang::error_text(&e)
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    say!(server, "{}", rules_observed(&rebound));
    Ok(())
}

/// Which OS's rule the six rounds showed, said from what happened (`rebound`: the rounds
/// whose new listener could bind), not from the OS the lesson was built for.
fn rules_observed(rebound: &[usize]) -> String {
    match rebound {
        [4, 5] => tr!(
            "rounds 4 and 5 bound: the Linux rule, a connection in TIME_WAIT holds its port against a new listener unless both have SO_REUSEADDR; the connection has the flag its listener had when the connection was made, so setting it after bind still counts, after the accept it is too late"
                | "第 4、5 轮绑定成功：这是 Linux 的规则，处于 TIME_WAIT 的连接会占住端口，挡住新的监听套接字，除非两者都设了 SO_REUSEADDR；连接带着的是它建立时监听套接字的那个标志，所以在 bind 之后设置仍然算数，accept 之后再设就晚了"
        ),
        [1, 2, 3, 4, 5, 6] => tr!(
            "every round bound: the Windows rule, a connection in TIME_WAIT does not hold its port against a new listener; there SO_REUSEADDR means something else (binding a port that another socket is using)"
                | "每一轮都绑定成功：这是 Windows 的规则，处于 TIME_WAIT 的连接不会挡住新的监听套接字；在那里 SO_REUSEADDR 的意思完全不同（绑定另一个套接字正在使用的端口）"
        ),
        _ => tr!(
            "rounds {rebound:?} bound: neither the Linux nor the Windows rule"
                | "第 {rebound:?} 轮绑定成功：既不是 Linux 的规则，也不是 Windows 的规则"
        ),
    }
}

/// Part 3: the accept queue under overload. `listen(1)`, and no `accept` until the queue
/// has overflowed.
fn the_accept_queue_overflows() -> Result<(), Report> {
    let server = Transcript::server();
    say!(
        server,
        "part 3: the accept queue under overload" | "第 3 部分：过载时的全连接队列"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new().backlog(1))?;
    let addr = listener.local_addr()?;
    say!(
        server,
        "listening on {addr}, backlog 1; this server does not call accept yet"
            | "在 {addr} 上监听，backlog 1；这个服务端暂时不调用 accept"
    );
    // Clients 1 and 2: on Linux listen(1) holds backlog + 1 finished connections.
    let mut queued = Vec::new();
    for n in 1..=2 {
        let who = Transcript::named(format!("client {n}"));
        let stream = TcpStream::connect_timeout(&addr, CONNECT_LIMIT)?;
        say!(
            who,
            "connect -> connected: the kernel did the handshake; the connection waits in the accept queue"
                | "connect -> 连上了：握手由内核完成；这条连接在全连接队列里等着"
        );
        queued.push(stream);
    }
    if tcp_state::OBSERVABLE {
        let any: SocketAddr = ([0, 0, 0, 0], 0).into();
        let waiting = queues(addr, any)?.map_or(0, |q| q.recv);
        say!(
            server,
            "the kernel's table: my accept queue holds {waiting} connections, backlog 1 + 1 (ss -ltn: Recv-Q {waiting}, Send-Q 1)"
                | "内核的连接表：我的全连接队列里有 {waiting} 条连接，即 backlog 1 + 1（ss -ltn：Recv-Q {waiting}，Send-Q 1）"
        );
    }
    // Client 3: the queue is full. Linux drops its SYN; connect_timeout bounds the wait.
    let overflows = || -> io::Result<(Option<u64>, Option<u64>)> {
        Ok((
            counter("TcpExt", "ListenOverflows")?,
            counter("TcpExt", "ListenDrops")?,
        ))
    };
    let before = overflows()?;
    let third = Transcript::named("client 3");
    let limit = CONNECT_LIMIT.as_millis();
    match TcpStream::connect_timeout(&addr, CONNECT_LIMIT) {
        Err(e) if limits::is_timeout(&e) => say!(
            third,
            "connect_timeout({limit} ms) -> nothing within {limit} ms: the queue is full, so the kernel dropped my SYN; without a limit connect would send it again after 1 s, 3 s, 7 s… and fail after about 127 s"
                | "connect_timeout({limit} ms) -> {limit} ms 内没有任何回应：队列满了，内核丢掉了我的 SYN；如果不设时限，connect 会在 1 秒、3 秒、7 秒……后重发，大约 127 秒后失败"
        ),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => say!(
            third,
            "connect_timeout({limit} ms) -> {}: this system refuses when the queue is full"
                | "connect_timeout({limit} ms) -> {}：这个系统在队列满时直接拒绝",
            socket_lessons::lang::error_text(&e)
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => say!(
            third,
            "connect_timeout({limit} ms) -> connected: this system queues more than backlog + 1"
                | "connect_timeout({limit} ms) -> 连上了：这个系统排队的连接多于 backlog + 1"
        ),
    }
    if let ((Some(o1), Some(d1)), (Some(o2), Some(d2))) = (before, overflows()?) {
        let rose = |a: u64, b: u64| {
            if b > a {
                tr!("rose" | "增加了")
            } else {
                tr!("did not move" | "没有变化")
            }
        };
        say!(
            server,
            "the kernel's counters: TcpExtListenOverflows {}, TcpExtListenDrops {} (nstat; the machine's, so other programs may add to them)"
                | "内核的计数器：TcpExtListenOverflows {}，TcpExtListenDrops {}（nstat；整台机器共用，别的程序也可能让它们增长）",
            rose(o1, o2),
            rose(d1, d2)
        );
    }
    // Now accept: first in, first out.
    for (n, stream) in queued.iter().enumerate() {
        let (_conn, peer) = listener.accept()?;
        let whose = if stream.local_addr()? == peer {
            tr!("client {}" | "客户端 {}", n + 1)
        } else {
            tr!("another client" | "另一个客户端")
        };
        say!(
            server,
            "accept -> {peer}: {whose}" | "accept -> {peer}：{whose}"
        );
    }
    let fourth = Transcript::named("client 4");
    TcpStream::connect_timeout(&addr, CONNECT_LIMIT)?;
    say!(
        fourth,
        "connect -> connected: the queue has room again" | "connect -> 连上了：队列里又有空位了"
    );
    Ok(())
}
