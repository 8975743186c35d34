//! Lesson 00's demo: both ends in one thread. The kernel does the handshake and the teardown,
//! so no second thread is needed: `connect` returns before anyone calls `accept`. The steps
//! carry the numbers of the server and client in main.rs; the teardown timed and what
//! closing promises follow in closing.rs, the socket's own methods in methods.rs.

use crate::{closing, methods, state, RECV_SIZE, SETTLE};
use socket2::{Domain, Socket, Type};
use socket_lessons::guard::timed;
use socket_lessons::stage::tcp_state::{self, lookup, of, settle, show, TcpState};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Instant;

pub fn run_demo() -> Result<(), Report> {
    if !tcp_state::OBSERVABLE {
        say!(
            Transcript::server(),
            "this lesson reads TCP states on Linux only (TCP_INFO, /proc/net/tcp); this system keeps them too (Windows: GetTcpTable2, netstat), but the demo does not read them here; the steps run all the same"
                | "本课只在 Linux 上读取 TCP 状态（TCP_INFO、/proc/net/tcp）；这个系统也记录这些状态（Windows：GetTcpTable2、netstat），但演示程序在这里不读取它们；各步照常运行"
        );
    }
    handshake_and_teardown()?;
    resets()?;
    closing::closing()?;
    methods::methods()?;
    // Every scene runs in this one thread: the server's lines are all printed by now.
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "the kernels ran the connection: the handshake was done before accept was called, each end closed its own direction, and a program learned of the other's FIN only when recv returned 0; a connect where nothing listened and a close with SO_LINGER 0 were answered with RST, while the gentle close (shutdown, read to the end, close) delivered the whole answer with no reset"
            | "连接是内核在管：还没调用 accept，三次握手就已经完成；两端各自关闭自己的方向，程序要等 recv 返回 0 才知道对方的 FIN 到了；connect 到没人监听的端口、设了 SO_LINGER 0 再 close，换来的都是 RST，而温和的关闭（shutdown、读到结束、再 close）完整送达了回答，没有重置"
    );
    Ok(())
}

fn handshake_and_teardown() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());

    // 1-3. socket, bind, listen(5). The listening socket never carries data: it only
    //      hands out connections.
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    say!(
        server,
        "1-3. socket, bind, listen(5) on {addr}: {}"
            | "1-3. socket、bind、listen(5)，监听 {addr}：{}",
        state(of(&listener))
    );

    // The client's connect sends SYN; the server's kernel answers SYN+ACK; the client's
    // kernel sends ACK; connect returns. The server program has done nothing.
    say!(
        client,
        "1-2. socket, connect to {addr}" | "1-2. socket、connect 到 {addr}"
    );
    let mut stream = TcpStream::connect(addr)?;
    let me = stream.local_addr()?;
    say!(
        client,
        "     connect returned: SYN, SYN+ACK, ACK are done; my end {me}: {}"
            | "     connect 返回了：SYN、SYN+ACK、ACK 都已完成；我这一端 {me}：{}",
        state(of(&stream))
    );
    let queued = settle(&[Some(TcpState::Established)], SETTLE, || lookup(addr, me))?;
    say!(
        server,
        "     accept() not called yet, and the kernel's table has {addr} <- {me}: {}"
            | "     还没有调用 accept()，内核的连接表里却已经有 {addr} <- {me}：{}",
        show(queued)
    );
    say!(
        server,
        "     the handshake is the kernel's; the connection waits in the accept queue (listen(5)'s backlog, lesson 03)"
            | "     握手由内核完成；这条连接在全连接队列里等着（listen(5) 的 backlog，第 03 课）"
    );

    // 4. accept only takes a finished connection from the queue and gives it a descriptor.
    let (mut conn, peer) = listener.accept()?;
    say!(
        server,
        "4. accept -> {peer}, now with a descriptor: {}"
            | "4. accept -> {peer}，现在有了描述符：{}",
        state(of(&conn))
    );

    stream.write_all(b"hello")?;
    say!(client, "3. send b\"hello\"");
    let mut buf = [0u8; RECV_SIZE];
    let n = conn.read(&mut buf)?;
    say!(server, "5. recv({RECV_SIZE}) -> {}", describe(&buf[..n]));

    // The teardown, client first (四次挥手): FIN; the ACK from the server's kernel, which
    // Linux delays (about 40 ms: a received FIN starts a delayed ACK, in the hope that the
    // server's own FIN can carry it); the server's own FIN only when its program closes.
    say!(
        client,
        "4. close: my FIN goes out" | "4. close：我的 FIN 发出去了"
    );
    let closed = Instant::now();
    drop(stream);
    let mine = settle(&[Some(TcpState::FinWait2)], SETTLE, || lookup(me, addr))?;
    if tcp_state::OBSERVABLE {
        say!(
            client,
            "     no descriptor any more, yet the kernel keeps my end: {}, {:.1} ms after close (FIN_WAIT1 until then: the server's kernel delays the ACK of a FIN; scene 9 times it)"
                | "     描述符已经没了，内核却还留着我这一端：close 之后 {1:.1} ms 才进入 {0}（在那之前是 FIN_WAIT1：服务端内核对 FIN 的 ACK 是延迟发出的，第 9 幕会计时）",
            show(mine),
            closed.elapsed().as_secs_f64() * 1000.0
        );
    } else {
        say!(
            client,
            "     no descriptor any more, yet the kernel keeps my end: {} (my FIN is ACKed, the server's FIN has not come)"
            | "     描述符已经没了，内核却还留着我这一端：{}（我的 FIN 已被确认，服务端的 FIN 还没来）",
            show(mine)
        );
    }
    let theirs = settle(&[Some(TcpState::CloseWait)], SETTLE, || of(&conn))?;
    say!(
        server,
        "     my end: {} (the client's FIN arrived and was ACKed; my program has not noticed)"
            | "     我这一端：{}（客户端的 FIN 已经到达并被确认；我的程序还没有察觉）",
        show(theirs)
    );

    // recv returning 0 is how the program notices the FIN.
    let n = conn.read(&mut buf)?;
    say!(
        server,
        "5. recv({RECV_SIZE}) -> {n} bytes: the client closed its end"
            | "5. recv({RECV_SIZE}) -> {n} 字节：客户端关闭了它那一端"
    );
    say!(
        server,
        "6. close: my FIN goes out" | "6. close：我的 FIN 发出去了"
    );
    drop(conn);
    let gone = settle(&[None], SETTLE, || lookup(addr, me))?;
    say!(
        server,
        "     my end: {}; it sat in LAST_ACK until the client ACKed my FIN"
            | "     我这一端：{}；在客户端确认我的 FIN 之前，它一直处于 LAST_ACK",
        show(gone)
    );
    let waiting = settle(&[Some(TcpState::TimeWait)], SETTLE, || lookup(me, addr))?;
    say!(
        client,
        "     my end: {} (the side that closed first waits, 60 s on Linux: stray packets of this connection die out, and my last ACK can be sent again if the server's FIN comes again)"
            | "     我这一端：{}（先关闭的一方要等待，Linux 上是 60 秒：让这条连接残留的报文段消亡；服务端的 FIN 如果重发，我还能再回一次最后的 ACK）",
        show(waiting)
    );

    // While it waits, its address is taken: lesson 03's "Address already in use".
    let again = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    match again.bind(&me.into()) {
        Err(e) => say!(
            client,
            "     bind {me} again, without SO_REUSEADDR -> {} (lesson 03)"
                | "     不设 SO_REUSEADDR，再次 bind {me} -> {}，见第 03 课",
            socket_lessons::lang::error_text(&e)
        ),
        Ok(()) => say!(
            client,
            "     bind {me} again, without SO_REUSEADDR -> bound"
                | "     不设 SO_REUSEADDR，再次 bind {me} -> 绑定成功"
        ),
    }
    Ok(())
}

/// The two RSTs a learner meets: nobody listening, and a close with unread data.
fn resets() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());

    // A port that is bound but not listening: the kernel answers the SYN with RST.
    let nobody = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    nobody.bind(&"127.0.0.1:0".parse::<SocketAddr>()?.into())?;
    let nobody_addr = nobody
        .local_addr()?
        .as_socket()
        .ok_or(socket_lessons::lang::pick(
            "no IP address for the bound socket",
            "绑定的套接字没有 IP 地址",
        ))?;
    match TcpStream::connect(nobody_addr) {
        Err(e) => {
            say!(
                client,
                "7. connect to {nobody_addr}, bound but not listening -> {}: the kernel answered SYN with RST"
                    | "7. connect 到 {nobody_addr}，它绑定了但没有监听 -> {}：内核用 RST 回应了 SYN",
                socket_lessons::lang::error_text(&e)
            );
            // Python's connect_ex returns this number instead of raising.
            say!(
                client,
                "     connect_ex would return {}" | "     connect_ex 会返回 {}",
                e.raw_os_error()
                    .map_or(socket_lessons::tr!("no code" | "没有错误码"), |c| c
                        .to_string())
            );
        }
        Ok(_) => say!(
            client,
            "7. connect to {nobody_addr} -> connected (unexpected)"
                | "7. connect 到 {nobody_addr} -> 连上了（出乎意料）"
        ),
    }

    // Closing with bytes still unread: the kernel cannot deliver them to anyone, so it
    // says so with RST instead of FIN, and the peer's next recv fails.
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let mut stream = TcpStream::connect(listener.local_addr()?)?;
    let (conn, _) = listener.accept()?;
    stream.write_all(b"unread")?;
    say!(
        client,
        "8. send b\"unread\" to a new connection" | "8. 在一条新连接上 send b\"unread\""
    );
    timed::wait_for_bytes(&conn, 6, SETTLE)?;
    say!(
        server,
        "     close with those 6 bytes unread: RST goes out, not FIN"
            | "     这 6 个字节还没读就 close：发出去的是 RST，不是 FIN"
    );
    drop(conn);
    let mut buf = [0u8; RECV_SIZE];
    match stream.read(&mut buf) {
        Err(e) => say!(
            client,
            "     recv -> {}",
            socket_lessons::lang::error_text(&e)
        ),
        Ok(n) => say!(
            client,
            "     recv -> {n} bytes (unexpected)" | "     recv -> {n} 字节（出乎意料）"
        ),
    }
    let after = settle(&[Some(TcpState::Close)], SETTLE, || of(&stream))?;
    say!(client, "     my end: {}" | "     我这一端：{}", show(after));
    Ok(())
}
