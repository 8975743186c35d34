//! The socket's own methods (notes E 8.socket的更多方法, notes C's tables), live: the last
//! part of lesson 00's demo.

use crate::RECV_SIZE;
use socket2::{SockRef, Type};
use socket_lessons::guard::limits;
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream, UdpSocket};
use std::time::Duration;

/// The socket's own methods (notes E 8.socket的更多方法, notes C's tables), live.
pub fn methods() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    say!(
        client,
        "--- the socket's own methods ---" | "--- 套接字自己的方法 ---"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let mut stream = TcpStream::connect(listener.local_addr()?)?;
    let (mut conn, _) = listener.accept()?;

    // getsockname / getpeername; family and type.
    say!(
        client,
        "getsockname() = local_addr() -> {}, getpeername() = peer_addr() -> {}",
        stream.local_addr()?,
        stream.peer_addr()?
    );
    let sock = SockRef::from(&stream);
    let kind = if sock.r#type()? == Type::STREAM {
        "SOCK_STREAM"
    } else {
        socket_lessons::lang::pick("another type", "别的类型")
    };
    let family = if stream.local_addr()?.is_ipv4() {
        "AF_INET"
    } else {
        "AF_INET6"
    };
    say!(
        client,
        "family {family}, type {kind}" | "套接字家族 {family}，类型 {kind}"
    );

    // getsockopt / setsockopt, through socket2.
    say!(
        client,
        "SO_REUSEADDR {} -> set -> {}" | "SO_REUSEADDR {} -> 设置 -> {}",
        sock.reuse_address()?,
        {
            sock.set_reuse_address(true)?;
            sock.reuse_address()?
        }
    );
    say!(
        client,
        "TCP_NODELAY {} -> set -> {}" | "TCP_NODELAY {} -> 设置 -> {}",
        sock.tcp_nodelay()?,
        {
            sock.set_tcp_nodelay(true)?;
            sock.tcp_nodelay()?
        }
    );
    say!(
        client,
        "SO_KEEPALIVE {} -> set -> {}" | "SO_KEEPALIVE {} -> 设置 -> {}",
        sock.keepalive()?,
        {
            sock.set_keepalive(true)?;
            sock.keepalive()?
        }
    );
    sock.set_recv_buffer_size(8192)?;
    sock.set_send_buffer_size(8192)?;
    say!(
        client,
        "SO_RCVBUF set to 8192 -> reads {}, SO_SNDBUF set to 8192 -> reads {}{}"
            | "SO_RCVBUF 设为 8192 -> 读回来是 {}，SO_SNDBUF 设为 8192 -> 读回来是 {}{}",
        sock.recv_buffer_size()?,
        sock.send_buffer_size()?,
        if cfg!(target_os = "linux") {
            socket_lessons::lang::pick(
                " (Linux doubles the value for its own bookkeeping: man 7 socket)",
                "（Linux 会把这个值加倍，多出的部分留给内核记账用：man 7 socket）",
            )
        } else {
            ""
        }
    );

    // settimeout / gettimeout, setblocking(False): a recv with nothing to read. Python's
    // settimeout bounds every call (connect, accept, send, recv: it makes the descriptor
    // non-blocking and waits with poll); std splits it into set_read_timeout,
    // set_write_timeout (SO_RCVTIMEO, SO_SNDTIMEO) and TcpStream::connect_timeout.
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut buf = [0u8; RECV_SIZE];
    let timed = stream.read(&mut buf);
    let (limit, got) = (stream.read_timeout()?, outcome(timed));
    say!(
        client,
        "settimeout(0.2) ≈ set_read_timeout (+ set_write_timeout, connect_timeout); gettimeout() -> {limit:?}; recv with nothing sent -> {got} (Python: socket.timeout)"
            | "settimeout(0.2) ≈ set_read_timeout（再加 set_write_timeout、connect_timeout）；gettimeout() -> {limit:?}；对方什么都没发时 recv -> {got}（Python：socket.timeout）"
    );
    stream.set_read_timeout(None)?;
    stream.set_nonblocking(true)?;
    let at_once = stream.read(&mut buf);
    say!(
        client,
        "setblocking(False) = set_nonblocking(true); recv -> {} at once (Python: BlockingIOError)"
            | "setblocking(False) = set_nonblocking(true)；recv 立刻 -> {}（Python：BlockingIOError）",
        outcome(at_once)
    );
    stream.set_nonblocking(false)?;

    // send vs sendall.
    let n = stream.write(b"abc")?;
    stream.write_all(b"def")?;
    say!(
        client,
        "send(b\"abc\") = write -> {n} (it may take fewer: the count says); sendall(b\"def\") = write_all loops until all are taken"
            | "send(b\"abc\") = write -> {n}（它也可能只收下一部分：看返回的数目）；sendall(b\"def\") = write_all，一直循环到全部被收下为止"
    );
    let mut got = [0u8; 6];
    conn.read_exact(&mut got)?;
    say!(server, "recv -> {}", describe(&got));

    // makefile: a buffered reader over the socket reads lines.
    conn.write_all(b"line one\nline two\n")?;
    let mut lines = BufReader::new(&stream);
    for _ in 0..2 {
        let mut line = String::new();
        lines.read_line(&mut line)?;
        say!(
            client,
            "makefile().readline() = BufReader::read_line -> {line:?}"
        );
    }

    // fileno: the descriptor the OS numbered this socket with.
    say!(
        client,
        "fileno() = as_raw_fd(): {}" | "fileno() = as_raw_fd()：{}",
        descriptor(&stream)
    );

    // shutdown vs close: shutdown(SHUT_WR) sends FIN but keeps the socket for reading.
    stream.shutdown(Shutdown::Write)?;
    let n = conn.read(&mut buf)?;
    say!(
        client,
        "shutdown(SHUT_WR): my FIN goes out, the socket stays open for reading"
            | "shutdown(SHUT_WR)：我的 FIN 发出去了，套接字仍然可以读"
    );
    say!(
        server,
        "recv -> {n} bytes (the client's end of the stream), yet I can still send"
            | "recv -> {n} 字节（客户端那个方向的字节流结束了），可我还能发送"
    );
    conn.write_all(b"still here")?;
    drop(conn);
    let n = stream.read(&mut buf)?;
    say!(client, "recv -> {}", describe(&buf[..n]));

    // SOCK_DGRAM: no connection, each sendto one datagram.
    let a = UdpSocket::bind("127.0.0.1:0")?;
    let b = UdpSocket::bind("127.0.0.1:0")?;
    a.send_to(b"ping", b.local_addr()?)?;
    let (n, from) = b.recv_from(&mut buf)?;
    say!(
        server,
        "SOCK_DGRAM: recvfrom -> {} from {from}" | "SOCK_DGRAM：recvfrom -> {}，来自 {from}",
        describe(&buf[..n])
    );

    // AF_INET6: the same calls, a longer address.
    match net::listen_on("::1", 0, ListenOptions::new()) {
        Ok(six) => {
            let s = TcpStream::connect(six.local_addr()?)?;
            say!(
                client,
                "AF_INET6: connected {} -> {}" | "AF_INET6：已连接 {} -> {}",
                s.local_addr()?,
                s.peer_addr()?
            );
        }
        Err(e) => say!(
            client,
            "AF_INET6: no IPv6 loopback here ({})" | "AF_INET6：这里没有 IPv6 回环地址（{}）",
            socket_lessons::lang::error_text(&e)
        ),
    }

    unix_socket(&client)?;
    Ok(())
}

/// What a read came to, in words.
fn outcome(result: io::Result<usize>) -> String {
    match result {
        Ok(n) => socket_lessons::tr!("{n} bytes" | "{n} 字节"),
        Err(e) if limits::is_timeout(&e) => format!("{:?}", e.kind()),
        Err(e) => socket_lessons::lang::error_text(&e),
    }
}

#[cfg(unix)]
fn descriptor(stream: &TcpStream) -> String {
    use std::os::fd::AsRawFd;
    let fd = stream.as_raw_fd();
    // The number itself depends on what else the process has open; what it names does not.
    match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
        Ok(target) if target.to_string_lossy().starts_with("socket:") => {
            socket_lessons::tr!(
                "a small integer that /proc/self/fd lists as a socket"
                    | "一个小整数，/proc/self/fd 把它列为 socket"
            )
        }
        _ => socket_lessons::tr!(
            "a small integer, the process's handle on the socket"
                | "一个小整数，进程用它来指代这个套接字"
        ),
    }
}

#[cfg(not(unix))]
fn descriptor(_stream: &TcpStream) -> String {
    socket_lessons::tr!(
        "on Windows a SOCKET handle (as_raw_socket)"
            | "在 Windows 上是一个 SOCKET 句柄（as_raw_socket）"
    )
}

/// AF_UNIX: a socket named by a path in the file system instead of an IP address and port.
#[cfg(unix)]
fn unix_socket(client: &Transcript) -> Result<(), Report> {
    use std::os::unix::net::{UnixListener, UnixStream};
    let path = std::env::temp_dir().join(format!("socket-lessons-00-{}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let mut stream = UnixStream::connect(&path)?;
    let (mut conn, _) = listener.accept()?;
    stream.write_all(b"hi")?;
    let mut buf = [0u8; 2];
    conn.read_exact(&mut buf)?;
    std::fs::remove_file(&path)?;
    say!(
        client,
        "AF_UNIX: a path in the temp directory instead of IP and port; sent and received {}"
            | "AF_UNIX：用临时目录里的一个路径代替 IP 和端口；发送并收到了 {}",
        describe(&buf)
    );
    Ok(())
}

#[cfg(not(unix))]
fn unix_socket(client: &Transcript) -> Result<(), Report> {
    say!(
        client,
        "AF_UNIX: Rust's std has Unix sockets on Unix only (Windows has them since 2018, not in std)"
            | "AF_UNIX：Rust 的 std 只在 Unix 上提供 Unix 套接字（Windows 从 2018 年起也有，但 std 里没有）"
    );
    Ok(())
}
