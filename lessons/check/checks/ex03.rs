//! The check of exercise 03: a server built with the learner's `listen` closes a
//! connection first (its end goes to TIME_WAIT), closes its listener, and is started again
//! on the same port at once; then, while that server runs, a second one on the same port
//! must be refused (what SO_REUSEADDR keeps and SO_REUSEPORT gives away); then the same on
//! IPv6.

use super::harness::{finish, shown, within, Failure, Steps, Subject, STUCK};
use socket_lessons::lang::pick;
use socket_lessons::stage::tcp_state::{self, TcpState};
use socket_lessons::tr;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;

type Listen = fn(SocketAddr) -> io::Result<TcpListener>;

const MEANS: &[(&str, &str)] = &[
    (
        "a server built with your listen can restart on its port at once, while the connection it closed first waits in TIME_WAIT, and the restarted one serves",
        "用你的 listen 构建的服务端可以立即在原端口上重启，而它先关闭的那条连接还在 TIME_WAIT 中等待；重启的服务端能正常服务",
    ),
    (
        "while that server runs, a second listen on the same port fails with AddrInUse: restarting is allowed, running twice is not (SO_REUSEADDR, not SO_REUSEPORT); another program's server that sets SO_REUSEPORT or SO_REUSEADDR before its bind is refused the port too",
        "这个服务端运行期间，在同一端口上再 listen 一次会以 AddrInUse 失败：可以重启，不能同时运行两个（SO_REUSEADDR，而不是 SO_REUSEPORT）；另一个程序的服务端在 bind 之前设了 SO_REUSEPORT 或 SO_REUSEADDR，也一样拿不到这个端口",
    ),
    (
        "listen binds the address it is given, IPv6 too (when this machine has ::1, where it restarts beside TIME_WAIT too), and returns a listener in the ordinary, blocking mode",
        "listen 绑定给它的那个地址，IPv6 地址也行（在这台机器有 ::1 的时候，在那里它也能在 TIME_WAIT 旁边重启），并返回一个普通的、阻塞模式的监听套接字",
    ),
];

pub fn check(listen: Listen, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(listen, &mut steps);
    finish(steps, result, MEANS, &[])
}

const HINT: &str = "notes A §5 端口占用问题解决方案: set SO_REUSEADDR on the socket, \
    set_reuse_address(true) before bind. On Linux it must be on both sockets: the new \
    listener, and the old connection in TIME_WAIT, which inherited the flag from the \
    listener that accepted it; both come from your listen (docs/03, part 2).";
const HINT_ZH: &str = "笔记 A §5 端口占用问题解决方案：在套接字上设置 SO_REUSEADDR，也就是在 bind 之前调用 set_reuse_address(true)。在 Linux 上两个套接字都要有它：新的监听套接字，以及处于 TIME_WAIT 的旧连接（它从接受它的那个监听套接字继承了这个标志）；两者都来自你的 listen（docs/zh-CN/03，第 2 部分）。";

/// The learner's `listen`, under the time limit.
fn call(listen: Listen, addr: SocketAddr, step: &str) -> Result<io::Result<TcpListener>, Failure> {
    within(move || listen(addr)).map_err(|trouble| Failure::new(step).trouble(&trouble, "listen"))
}

/// The listener is where it was asked to be, and in the ordinary (blocking) mode: a
/// server's accept loop waits in accept.
fn as_asked(listener: &TcpListener, addr: SocketAddr, step: &str) -> Result<(), Failure> {
    let here = listener
        .local_addr()
        .map_err(|e| Failure::new(step).detail(e.to_string()))?;
    if here.ip() != addr.ip() || (addr.port() != 0 && here.port() != addr.port()) {
        return Err(Failure::new(step)
            .detail(tr!("expected: a listener on {addr}" | "期望：{addr} 上的一个监听套接字"))
            .detail(tr!("got: a listener on {here}" | "实际：{here} 上的一个监听套接字"))
            .hint(tr!(
                "bind to the address you were given: 0.0.0.0 (every address) exposes the server to every network the machine is on, and an IPv4 socket cannot take an IPv6 address."
                    | "绑定到给你的那个地址：0.0.0.0（所有地址）会把服务端暴露给这台机器所在的每一个网络，而 IPv4 套接字也接不了 IPv6 地址。"
            )));
    }
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        if super::kernel::nonblocking(listener.as_raw_fd()) == Some(true) {
            return Err(Failure::new(step)
                .detail(tr!(
                    "expected: a listener in the ordinary, blocking mode, as socket.listen() gives"
                        | "期望：一个普通的、阻塞模式的监听套接字，就像 socket.listen() 给出的那样"
                ))
                .detail(tr!("got: a non-blocking listener" | "实际：一个非阻塞的监听套接字"))
                .hint(tr!(
                    "a server's accept loop waits in accept; on a non-blocking listener accept fails with WouldBlock whenever no client is waiting. Leave that choice to the server (lesson 11 makes it)."
                        | "服务端的 accept 循环要等在 accept 里；在非阻塞的监听套接字上，没有客户端等着时 accept 会以 WouldBlock 失败。这个选择留给服务端去做（第 11 课会这样做）。"
                )));
        }
    }
    Ok(())
}

/// Another program's server: a socket with SO_REUSEPORT (or SO_REUSEADDR) set before it
/// binds `addr` and listens. Its error, or the listener it got (dropped at once).
fn another_server(addr: SocketAddr, reuse_port: bool) -> io::Result<()> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    #[cfg(all(unix, not(any(target_os = "solaris", target_os = "illumos"))))]
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    if !reuse_port {
        socket.set_reuse_address(true)?;
    }
    socket.bind(&addr.into())?;
    socket.listen(5)
}

/// A client sends `message` and closes; the listener must accept it and receive it.
fn serves(listener: &TcpListener, step: &str, message: &[u8]) -> Result<(), Failure> {
    let fail = |e: io::Error| Failure::new(step).detail(tr!("got: {e}" | "实际：{e}"));
    let addr = listener.local_addr().map_err(fail)?;
    listener.set_nonblocking(false).map_err(fail)?;
    let mut client = TcpStream::connect(addr).map_err(fail)?;
    client.write_all(message).map_err(fail)?;
    drop(client);
    let (mut conn, _) = listener.accept().map_err(fail)?;
    conn.set_read_timeout(Some(STUCK)).map_err(fail)?;
    let mut got = Vec::new();
    conn.read_to_end(&mut got).map_err(fail)?;
    if got != message {
        return Err(Failure::new(step)
            .detail(tr!("expected: {}" | "期望：{}", shown(message)))
            .detail(tr!("got: {}" | "实际：{}", shown(&got))));
    }
    Ok(())
}

fn run(listen: Listen, steps: &mut Steps) -> Result<(), Failure> {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let step = tr!("listen(127.0.0.1:0)" | "listen(127.0.0.1:0)");
    let listener = call(listen, any, &step)?.map_err(|e| {
        Failure::new(&step)
            .detail(tr!("expected: a listener" | "期望：一个监听套接字"))
            .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
    })?;
    as_asked(&listener, any, &step)?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(&step).detail(e.to_string()))?;
    steps.ok(tr!(
        "listen(127.0.0.1:0) listens on {addr}" | "listen(127.0.0.1:0) 在 {addr} 上监听"
    ))?;

    // A client; the server closes its connection first, then the listener.
    let step = tr!(
        "a client connects; the server closes the connection first, then the client"
            | "一个客户端连上；服务端先关闭连接，然后客户端关闭"
    );
    let fail = |e: io::Error| Failure::new(&step).detail(e.to_string());
    let mut client = TcpStream::connect(addr).map_err(fail)?;
    let (conn, client_addr) = listener.accept().map_err(fail)?;
    drop(conn);
    drop(listener);
    client.set_read_timeout(Some(STUCK)).map_err(fail)?;
    let mut buf = [0u8; 16];
    match client.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => {
            return Err(Failure::new(&step).detail(tr!(
                "the client expected 0 bytes (the server's close), got {n}"
                    | "客户端期望收到 0 字节（服务端关闭），实际收到 {n}"
            )))
        }
        Err(e) => return Err(fail(e)),
    }
    drop(client);
    // The server's end goes to TIME_WAIT when the client's FIN arrives: wait for it.
    let old_end = if tcp_state::OBSERVABLE {
        let state = tcp_state::settle(&[Some(TcpState::TimeWait)], STUCK, || {
            tcp_state::lookup(addr, client_addr)
        })
        .map_err(fail)?;
        tr!(
            "the old connection {addr} -> {client_addr}: {}" | "旧连接 {addr} -> {client_addr}：{}",
            tcp_state::show(state)
        )
    } else {
        tr!(
            "the old connection is in TIME_WAIT (the server closed first)"
                | "旧连接处于 TIME_WAIT（服务端先关闭的）"
        )
    };
    steps.ok(tr!(
        "the server closed first and the client after: {old_end}"
            | "服务端先关闭，客户端后关闭：{old_end}"
    ))?;

    // Restart: the same port, at once.
    let step = tr!(
        "listen on the same port again, at once: the restarted server"
            | "立即在同一端口上再次 listen：重启的服务端"
    );
    let port = addr.port();
    let restarted = call(listen, addr, &step)?.map_err(|e| {
        Failure::new(&step)
            .detail(tr!(
                "expected: a listener on {addr}" | "期望：{addr} 上的一个监听套接字"
            ))
            .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
            .detail(tr!("{old_end}, still holding port {port} for a minute"
                | "{old_end}，还要占着端口 {port} 一分钟"))
            .hint(pick(HINT, HINT_ZH))
    })?;
    as_asked(&restarted, addr, &step)?;
    steps.ok(tr!(
        "listen({addr}) succeeds while the old connection waits"
            | "旧连接还在等待时 listen({addr}) 成功"
    ))?;
    let step = tr!(
        "a client of the restarted server sends b\"hello again\" and closes"
            | "重启的服务端的一个客户端发送 b\"hello again\" 然后关闭"
    );
    serves(&restarted, &step, b"hello again")?;
    steps.ok(tr!(
        "the restarted server accepts a client and receives b\"hello again\""
            | "重启的服务端接受了一个客户端，收到 b\"hello again\""
    ))?;

    // A second server on the same port while the first runs: refused.
    let step = tr!(
        "listen on the same port a third time, while the restarted server still listens there"
            | "在重启的服务端还在那里监听时，第三次在同一端口上 listen"
    );
    match call(listen, addr, &step)? {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {}
        Err(e) => {
            return Err(Failure::new(&step)
                .detail(tr!(
                    "expected: an AddrInUse error" | "期望：一个 AddrInUse 错误"
                ))
                .detail(tr!("got: another error: {e}" | "实际：另一个错误：{e}")))
        }
        Ok(second) => {
            drop(second);
            return Err(Failure::new(&step)
                .detail(tr!(
                    "expected: an AddrInUse error: a port has one server"
                        | "期望：一个 AddrInUse 错误：一个端口只有一个服务端"
                ))
                .detail(tr!(
                    "got: a second listener on {addr}: two servers share the port, and the kernel hands each new client to one of them"
                        | "实际：{addr} 上又多了一个监听套接字：两个服务端共用这个端口，内核把每个新客户端交给其中一个"
                ))
                .hint(tr!(
                    "that is SO_REUSEPORT (set_reuse_port), which lets several live listeners share a port, for load balancing; any program of the same user can then take a share of your clients. SO_REUSEADDR (set_reuse_address) only lets a new listener bind beside connections in TIME_WAIT: it is the one to set (man 7 socket)."
                        | "这是 SO_REUSEPORT（set_reuse_port）的效果：它让几个活着的监听套接字共用一个端口，用来做负载均衡；同一用户的任何程序都可以分走你的一部分客户端。SO_REUSEADDR（set_reuse_address）只是让新的监听套接字能在处于 TIME_WAIT 的连接旁边 bind：要设置的是它（man 7 socket）。"
                )));
        }
    }
    steps.ok(tr!(
        "a third listen on the port while the server runs fails with AddrInUse"
            | "服务端运行期间在这个端口上第三次 listen，以 AddrInUse 失败"
    ))?;

    // Another program's server on the same port, with either option set before its bind:
    // refused too, whatever the learner's listener set after its own bind.
    let step = tr!(
        "another server binds the same port while yours listens, with SO_REUSEPORT, then with SO_REUSEADDR, set before its bind"
            | "你的服务端监听期间，另一个服务端在 bind 之前设好 SO_REUSEPORT，再换成 SO_REUSEADDR，绑定同一端口"
    );
    for (option, reuse_port) in [("SO_REUSEPORT", true), ("SO_REUSEADDR", false)] {
        if let Some(e) = another_server(addr, reuse_port).err() {
            if e.kind() == io::ErrorKind::AddrInUse {
                continue;
            }
            return Err(Failure::setup("another server's socket", e));
        }
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: its bind fails with AddrInUse: the port has a server"
                    | "期望：它的 bind 以 AddrInUse 失败：这个端口已经有服务端了"
            ))
            .detail(tr!(
                "got: a socket with {option} set before bind bound {addr} and listens beside your server: the kernel hands each new client to one of the two"
                    | "实际：一个在 bind 之前设了 {option} 的套接字绑定了 {addr}，并在你的服务端旁边监听：内核把每个新客户端交给两者之一"
            ))
            .hint(tr!(
                "SO_REUSEPORT on your listener, set before or after its bind, lets any program of the same user that sets it too share your port and take a share of your clients. Set only SO_REUSEADDR, before bind: it lets a restart bind beside TIME_WAIT, never beside a live listener (man 7 socket)."
                    | "你的监听套接字上的 SO_REUSEPORT，不管在 bind 之前还是之后设置，都让同一用户的任何程序只要也设了它，就能共用你的端口，分走你的一部分客户端。只设置 SO_REUSEADDR，并且在 bind 之前：它让重启能在 TIME_WAIT 旁边 bind，但绝不能在一个活着的监听套接字旁边（man 7 socket）。"
            )));
    }
    drop(restarted);
    steps.ok(tr!(
        "another server's bind on the port while yours listens fails with AddrInUse, with SO_REUSEPORT and with SO_REUSEADDR set before it"
            | "你的服务端监听期间，另一个服务端在这个端口上的 bind 以 AddrInUse 失败，不管它事先设的是 SO_REUSEPORT 还是 SO_REUSEADDR"
    ))?;

    // IPv6, where there is an IPv6 loopback.
    let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 0));
    if TcpListener::bind(v6).is_ok() {
        let step = tr!("listen([::1]:0)" | "listen([::1]:0)");
        let listener = call(listen, v6, &step)?.map_err(|e| {
            Failure::new(&step)
                .detail(tr!("expected: a listener on [::1]" | "期望：[::1] 上的一个监听套接字"))
                .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
                .hint(tr!(
                    "make the socket for the address's family: Domain::for_address(addr), not Domain::IPV4."
                        | "按地址的套接字家族创建套接字：Domain::for_address(addr)，而不是 Domain::IPV4。"
                ))
        })?;
        as_asked(&listener, v6, &step)?;
        serves(&listener, &step, b"over IPv6")?;
        steps
            .ok(tr!("listen([::1]:0) listens and serves over IPv6"
                | "listen([::1]:0) 在 IPv6 上监听并服务"))?;
        // The same restart over IPv6: the server closes a connection first, and listens on
        // the port again while that connection is in TIME_WAIT.
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::new(&step).detail(e.to_string()))?;
        let step = tr!(
            "listen on the same IPv6 port again, at once, while the server's last connection is in TIME_WAIT"
                | "服务端的上一条连接处于 TIME_WAIT 时，立即在同一个 IPv6 端口上再次 listen"
        );
        let fail = |e: io::Error| Failure::new(&step).detail(e.to_string());
        let client = TcpStream::connect(addr).map_err(fail)?;
        let (conn, client_addr) = listener.accept().map_err(fail)?;
        drop(conn);
        drop(listener);
        let mut client = client;
        client.set_read_timeout(Some(STUCK)).map_err(fail)?;
        let mut buf = [0u8; 16];
        let _ = client.read(&mut buf);
        drop(client);
        if tcp_state::OBSERVABLE {
            tcp_state::settle(&[Some(TcpState::TimeWait)], STUCK, || {
                tcp_state::lookup(addr, client_addr)
            })
            .map_err(fail)?;
        }
        let again = call(listen, addr, &step)?.map_err(|e| {
            Failure::new(&step)
                .detail(tr!(
                    "expected: a listener on {addr}" | "期望：{addr} 上的一个监听套接字"
                ))
                .detail(tr!("got: an error: {e}" | "实际：一个错误：{e}"))
                .hint(pick(HINT, HINT_ZH))
        })?;
        serves(&again, &step, b"again over IPv6")?;
        steps.ok(tr!(
            "over IPv6 too, listen succeeds on the port while the old connection waits in TIME_WAIT, and serves"
                | "在 IPv6 上也一样：旧连接在 TIME_WAIT 中等待时，listen 在这个端口上成功，并且能服务"
        ))?;
    } else {
        steps.skip(tr!(
            "listen on IPv6: this machine has no ::1" | "在 IPv6 上 listen：这台机器没有 ::1"
        ));
    }
    Ok(())
}
