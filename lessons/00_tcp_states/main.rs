//! # Lesson 00: what a connection is — the handshake and the teardown as live TCP states
//!
//! Follows notes A §0 内容回顾 (7. 三次握手和四次挥手) and §1 socket层, notes B 基于tcp和udp
//! 协议的socket抽象层 and 套接字家族, notes C socket, 套接字家族 and its tables of socket
//! functions, notes D 上节回顾, notes E 1–4 (socket层, 理解socket, 套接字的发展史, 网络基础)
//! and "8.socket的更多方法".
//!
//! The notes draw the three-way handshake (三次握手) and the four-way teardown (四次挥手).
//! This lesson asks the kernel instead: at each step it prints each end's TCP state as Linux
//! reports it ([`socket_lessons::tcp_state`]: `TCP_INFO` for a socket the program holds,
//! the kernel's table `/proc/net/tcp` for one it does not).
//!
//! What to look at:
//! - `connect` returns once the handshake is done, before the server calls `accept`: the
//!   server's end is already ESTABLISHED, with no descriptor yet, waiting in the accept
//!   queue (lesson 03's backlog);
//! - the side that closes first goes FIN_WAIT2, then TIME_WAIT; the other sits in
//!   CLOSE_WAIT until its program reads 0 and closes (lesson 03's "address already in use"
//!   is that TIME_WAIT);
//! - two kinds of RST: a connect nobody listens for (`Connection refused`), and a close with
//!   unread data (`Connection reset by peer`);
//! - the socket's own methods, notes E 8 / notes C's tables, live.
//!
//! Run it:
//! - `cargo run --example 00_tcp_states`: the demo, both ends in one process;
//! - terminal 1: `cargo run --example 00_tcp_states -- server`, terminal 2:
//!   `cargo run --example 00_tcp_states -- client`, type lines, then `q`: each side prints its
//!   own socket's state at each step (`ss -tan` in a third terminal shows the same).
//!
//! Elsewhere than Linux the states are not observable; the lesson says so and still runs.
//!
//! Next: lesson 01, one request and one reply.

use clap::Parser;
use socket2::{Domain, SockRef, Socket, Type};
use socket_lessons::limits::{self, Limits};
use socket_lessons::net::{self, ListenOptions};
use socket_lessons::tcp_state::{self, lookup, of, settle, show, TcpState};
use socket_lessons::transcript::describe;
use socket_lessons::{demo, say, Input, Report, Side, Transcript};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::time::Duration;

/// The notes' `recv(1024)`.
const RECV_SIZE: usize = 1024;

/// How long the demo waits for a state the kernel is about to reach (a packet on loopback
/// takes microseconds). It bounds the wait, it never decides what is printed.
const SETTLE: Duration = Duration::from_secs(5);

/// Lesson 00: the handshake and the teardown as live TCP states (notes A §0, E 4).
///
/// With no subcommand, shows both ends of a connection in one process, state by state. For
/// two terminals: `server` prints its socket's state at each step; `client` sends the lines
/// you type and prints its own socket's state as it connects and closes.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

fn main() -> Result<(), Report> {
    match socket_lessons::cli::parse::<Cli>().side {
        None => demo::play(run_demo),
        Some(Side::Server(at)) => {
            let listener = at.listen(ListenOptions::new())?;
            server(&listener)
        }
        Some(Side::Client(at)) => {
            let stream = at.connect()?;
            client(stream, Input::stdin("message (q to close) :>>>> "))
        }
    }
}

// ---------------------------------------------------------------------------------------
// Two terminals: the notes' server and client, each printing its own socket's state
// ---------------------------------------------------------------------------------------

/// The server: listen, then for each client accept, receive until the client closes,
/// close; its own state printed at every step.
fn server(listener: &TcpListener) -> Result<(), Report> {
    let server = Transcript::server();
    say!(server, "my listening socket: {}", state(of(listener)));
    let limits = Limits::server(Duration::from_secs(limits::DEFAULT_IDLE_SECS));
    serve::serve_in_turn(
        listener,
        None,
        &demo::Cue::off(),
        &demo::Cue::off(),
        |mut conn, peer| {
            say!(server, "my end of it: {}", state(of(&conn)));
            let mut buf = [0u8; RECV_SIZE];
            loop {
                let _ = limits.await_request(&conn);
                match conn.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n])),
                    Err(e) if limits::is_timeout(&e) => {
                        say!(
                            server,
                            "{peer}: {}; closing",
                            limits::timed_out("waiting for data", limits.idle)
                        );
                        return;
                    }
                    Err(e) => {
                        say!(server, "{peer}: recv failed: {e}");
                        return;
                    }
                }
            }
            // The client's FIN has arrived: the kernel ACKed it long ago, and our end waits
            // in CLOSE_WAIT until this program closes too.
            say!(
                server,
                "recv -> 0 bytes: {peer} closed; my end is {}",
                state(of(&conn))
            );
            let me = conn.local_addr();
            drop(conn);
            if let Ok(me) = me {
                let after = settle(&[None], SETTLE, || lookup(me, peer)).ok().flatten();
                // LAST_ACK until the client's kernel ACKs our FIN; then nothing is left.
                say!(server, "closed; my end: {}", show(after));
            }
        },
    );
    Ok(())
}

/// The client: its state once connected, each line sent, then close and its state after.
fn client<R: BufRead>(mut stream: TcpStream, mut input: Input<R>) -> Result<(), Report> {
    let client = Transcript::client();
    let (me, peer) = (stream.local_addr()?, stream.peer_addr()?);
    say!(
        client,
        "connected {me} -> {peer}: my end is {}",
        state(of(&stream))
    );
    while let Some(line) = input.next_line()? {
        if line == b"q" {
            break;
        }
        if line.is_empty() {
            continue; // an empty send sends nothing: lesson 02
        }
        stream.write_all(&line)?;
        say!(client, "send {}", describe(&line));
    }
    drop(stream);
    // Without a descriptor the kernel's table is the only place to look. Which state comes
    // first depends on the server: FIN_WAIT2 while its program has not closed, TIME_WAIT
    // once it has.
    let (fin_wait2, time_wait) = (Some(TcpState::FinWait2), Some(TcpState::TimeWait));
    let first = settle(&[fin_wait2, time_wait, None], SETTLE, || lookup(me, peer))?;
    say!(client, "closed; my end: {}", show(first));
    if first == fin_wait2 {
        match settle(&[time_wait, None], SETTLE, || lookup(me, peer))? {
            still if still == fin_wait2 => say!(
                client,
                "still FIN_WAIT2: the server has not closed its end (its program has not read 0 and closed)"
            ),
            then => say!(client, "then my end: {}", show(then)),
        }
    }
    Ok(())
}

/// A state for a line: its name, or why there is none.
fn state(result: io::Result<Option<TcpState>>) -> String {
    match result {
        Ok(state) => show(state),
        Err(e) => format!("(state unreadable: {e})"),
    }
}

// ---------------------------------------------------------------------------------------
// The demo: both ends in one thread. The kernel does the handshake and the teardown, so no
// second thread is needed: `connect` returns before anyone calls `accept`.
// ---------------------------------------------------------------------------------------

fn run_demo() -> Result<(), Report> {
    if !tcp_state::OBSERVABLE {
        say!(
            Transcript::server(),
            "TCP states are not observable on this system (Linux reports them); the steps run all the same"
        );
    }
    handshake_and_teardown()?;
    resets()?;
    methods()
}

fn handshake_and_teardown() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());

    // 1-3. socket, bind, listen(5). The listening socket never carries data: it only
    //      hands out connections.
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    say!(
        server,
        "1-3. socket, bind, listen(5) on {addr}: {}",
        state(of(&listener))
    );

    // The client's connect sends SYN; the server's kernel answers SYN+ACK; the client's
    // kernel sends ACK; connect returns. The server program has done nothing.
    say!(client, "1-2. socket, connect to {addr}");
    let mut stream = TcpStream::connect(addr)?;
    let me = stream.local_addr()?;
    say!(
        client,
        "     connect returned: SYN, SYN+ACK, ACK are done; my end {me}: {}",
        state(of(&stream))
    );
    let queued = settle(&[Some(TcpState::Established)], SETTLE, || lookup(addr, me))?;
    say!(
        server,
        "     accept() not called yet, and the kernel's table has {addr} <- {me}: {}",
        show(queued)
    );
    say!(
        server,
        "     the handshake is the kernel's; the connection waits in the accept queue (listen(5)'s backlog, lesson 03)"
    );

    // 4. accept only takes a finished connection from the queue and gives it a descriptor.
    let (mut conn, peer) = listener.accept()?;
    say!(
        server,
        "4. accept -> {peer}, now with a descriptor: {}",
        state(of(&conn))
    );

    stream.write_all(b"hello")?;
    say!(client, "3. send b\"hello\"");
    let mut buf = [0u8; RECV_SIZE];
    let n = conn.read(&mut buf)?;
    say!(server, "5. recv({RECV_SIZE}) -> {}", describe(&buf[..n]));

    // The teardown, client first (四次挥手): FIN, ACK from the server's kernel at once, and
    // the server's own FIN only when its program closes.
    say!(client, "4. close: my FIN goes out");
    drop(stream);
    let mine = settle(&[Some(TcpState::FinWait2)], SETTLE, || lookup(me, addr))?;
    say!(
        client,
        "     no descriptor any more, yet the kernel keeps my end: {} (my FIN is ACKed, the server's FIN has not come)",
        show(mine)
    );
    let theirs = settle(&[Some(TcpState::CloseWait)], SETTLE, || of(&conn))?;
    say!(
        server,
        "     my end: {} (the client's FIN arrived and was ACKed; my program has not noticed)",
        show(theirs)
    );

    // recv returning 0 is how the program notices the FIN.
    let n = conn.read(&mut buf)?;
    say!(
        server,
        "5. recv({RECV_SIZE}) -> {n} bytes: the client closed its end"
    );
    say!(server, "6. close: my FIN goes out");
    drop(conn);
    let gone = settle(&[None], SETTLE, || lookup(addr, me))?;
    say!(
        server,
        "     my end: {}; it sat in LAST_ACK until the client ACKed my FIN",
        show(gone)
    );
    let waiting = settle(&[Some(TcpState::TimeWait)], SETTLE, || lookup(me, addr))?;
    say!(
        client,
        "     my end: {} (the side that closed first waits 60 s on Linux, so late packets of this connection die out)",
        show(waiting)
    );

    // While it waits, its address is taken: lesson 03's "Address already in use".
    let again = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    match again.bind(&me.into()) {
        Err(e) => say!(
            client,
            "     bind {me} again, without SO_REUSEADDR -> {e} (lesson 03)"
        ),
        Ok(()) => say!(
            client,
            "     bind {me} again, without SO_REUSEADDR -> bound"
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
        .ok_or("no IP address for the bound socket")?;
    match TcpStream::connect(nobody_addr) {
        Err(e) => {
            say!(
                client,
                "7. connect to {nobody_addr}, bound but not listening -> {e}: the kernel answered SYN with RST"
            );
            // Python's connect_ex returns this number instead of raising.
            say!(
                client,
                "     connect_ex would return {}",
                e.raw_os_error().map_or("no code".into(), |c| c.to_string())
            );
        }
        Ok(_) => say!(
            client,
            "7. connect to {nobody_addr} -> connected (unexpected)"
        ),
    }

    // Closing with bytes still unread: the kernel cannot deliver them to anyone, so it
    // says so with RST instead of FIN, and the peer's next recv fails.
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let mut stream = TcpStream::connect(listener.local_addr()?)?;
    let (conn, _) = listener.accept()?;
    stream.write_all(b"unread")?;
    say!(client, "8. send b\"unread\" to a new connection");
    timed::wait_for_bytes(&conn, 6, SETTLE)?;
    say!(
        server,
        "     close with those 6 bytes unread: RST goes out, not FIN"
    );
    drop(conn);
    let mut buf = [0u8; RECV_SIZE];
    match stream.read(&mut buf) {
        Err(e) => say!(client, "     recv -> {e}"),
        Ok(n) => say!(client, "     recv -> {n} bytes (unexpected)"),
    }
    let after = settle(&[Some(TcpState::Close)], SETTLE, || of(&stream))?;
    say!(client, "     my end: {}", show(after));
    Ok(())
}

/// The socket's own methods (notes E 8.socket的更多方法, notes C's tables), live.
fn methods() -> Result<(), Report> {
    let (server, client) = (Transcript::server(), Transcript::client());
    say!(client, "--- the socket's own methods ---");
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
        "another type"
    };
    let family = if stream.local_addr()?.is_ipv4() {
        "AF_INET"
    } else {
        "AF_INET6"
    };
    say!(client, "family {family}, type {kind}");

    // getsockopt / setsockopt, through socket2.
    say!(
        client,
        "SO_REUSEADDR {} -> set -> {}",
        sock.reuse_address()?,
        {
            sock.set_reuse_address(true)?;
            sock.reuse_address()?
        }
    );
    say!(
        client,
        "TCP_NODELAY {} -> set -> {}",
        sock.tcp_nodelay()?,
        {
            sock.set_tcp_nodelay(true)?;
            sock.tcp_nodelay()?
        }
    );
    say!(client, "SO_KEEPALIVE {} -> set -> {}", sock.keepalive()?, {
        sock.set_keepalive(true)?;
        sock.keepalive()?
    });
    sock.set_recv_buffer_size(8192)?;
    sock.set_send_buffer_size(8192)?;
    say!(
        client,
        "SO_RCVBUF set to 8192 -> reads {}, SO_SNDBUF set to 8192 -> reads {}{}",
        sock.recv_buffer_size()?,
        sock.send_buffer_size()?,
        if cfg!(target_os = "linux") {
            " (Linux doubles the value for its own bookkeeping: man 7 socket)"
        } else {
            ""
        }
    );

    // settimeout / gettimeout, setblocking(False): a recv with nothing to read.
    stream.set_read_timeout(Some(Duration::from_millis(200)))?;
    let mut buf = [0u8; RECV_SIZE];
    let timed = stream.read(&mut buf);
    say!(
        client,
        "settimeout(0.2) = set_read_timeout; gettimeout() -> {:?}; recv with nothing sent -> {} (Python: socket.timeout)",
        stream.read_timeout()?,
        outcome(timed)
    );
    stream.set_read_timeout(None)?;
    stream.set_nonblocking(true)?;
    let at_once = stream.read(&mut buf);
    say!(
        client,
        "setblocking(False) = set_nonblocking(true); recv -> {} at once (Python: BlockingIOError)",
        outcome(at_once)
    );
    stream.set_nonblocking(false)?;

    // send vs sendall.
    let n = stream.write(b"abc")?;
    stream.write_all(b"def")?;
    say!(
        client,
        "send(b\"abc\") = write -> {n} (it may take fewer: the count says); sendall(b\"def\") = write_all loops until all are taken"
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
    say!(client, "fileno() = as_raw_fd(): {}", descriptor(&stream));

    // shutdown vs close: shutdown(SHUT_WR) sends FIN but keeps the socket for reading.
    stream.shutdown(Shutdown::Write)?;
    let n = conn.read(&mut buf)?;
    say!(
        client,
        "shutdown(SHUT_WR): my FIN goes out, the socket stays open for reading"
    );
    say!(
        server,
        "recv -> {n} bytes (the client's end of the stream), yet I can still send"
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
        "SOCK_DGRAM: recvfrom -> {} from {from}",
        describe(&buf[..n])
    );

    // AF_INET6: the same calls, a longer address.
    match net::listen_on("::1", 0, ListenOptions::new()) {
        Ok(six) => {
            let s = TcpStream::connect(six.local_addr()?)?;
            say!(
                client,
                "AF_INET6: connected {} -> {}",
                s.local_addr()?,
                s.peer_addr()?
            );
        }
        Err(e) => say!(client, "AF_INET6: no IPv6 loopback here ({e})"),
    }

    unix_socket(&client)?;
    Ok(())
}

/// What a read came to, in words.
fn outcome(result: io::Result<usize>) -> String {
    match result {
        Ok(n) => format!("{n} bytes"),
        Err(e) if limits::is_timeout(&e) => format!("{:?}", e.kind()),
        Err(e) => e.to_string(),
    }
}

#[cfg(unix)]
fn descriptor(stream: &TcpStream) -> String {
    use std::os::fd::AsRawFd;
    let fd = stream.as_raw_fd();
    // The number itself depends on what else the process has open; what it names does not.
    match std::fs::read_link(format!("/proc/self/fd/{fd}")) {
        Ok(target) if target.to_string_lossy().starts_with("socket:") => {
            "a small integer that /proc/self/fd lists as a socket".into()
        }
        _ => "a small integer, the process's handle on the socket".into(),
    }
}

#[cfg(not(unix))]
fn descriptor(_stream: &TcpStream) -> String {
    "on Windows a SOCKET handle (as_raw_socket)".into()
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
        "AF_UNIX: a path in the temp directory instead of IP and port; sent and received {}",
        describe(&buf)
    );
    Ok(())
}

#[cfg(not(unix))]
fn unix_socket(client: &Transcript) -> Result<(), Report> {
    say!(
        client,
        "AF_UNIX: Rust's std has Unix sockets on Unix only (Windows has them since 2018, not in std)"
    );
    Ok(())
}
