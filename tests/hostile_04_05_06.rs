//! Lessons 04, 05 and 06's servers against peers that flood, drip or never read: each
//! case a few lines of its own, asserting what the server said, that it went on serving,
//! and how much it wrote to its log for what the peer sent (at most one byte per byte).
//!
//! The servers run as the real example binaries, their stdout in a file so that the log
//! can be weighed; every wait is bounded, and no assertion depends on how fast the machine
//! is (a limit makes a test slower, never flaky).

mod common;

use common::{example, WAIT};
use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A lesson's server, its stdout written to a file.
struct Logged {
    child: Child,
    path: PathBuf,
    port: u16,
}

impl Logged {
    /// Starts `lesson args…` and waits (bounded) for the line that names its port.
    fn start(lesson: &str, args: &[&str]) -> Logged {
        let path = std::env::temp_dir().join(format!(
            "socket-lessons-log-{lesson}-{}-{:?}.txt",
            std::process::id(),
            std::thread::current().id()
        ));
        let file = std::fs::File::create(&path).unwrap();
        let child = Command::new(example(lesson))
            .args(args)
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut server = Logged {
            child,
            path,
            port: 0,
        };
        let first = server.wait_for_line(|l| l.contains("listening on") || l.contains("bound to"));
        server.port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        server
    }

    /// Everything the server has printed so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.path).unwrap()
    }

    /// The log's size in bytes.
    fn log_bytes(&self) -> usize {
        self.log().len()
    }

    /// Waits (at most [`WAIT`]) for a line that satisfies `matches`, and returns it.
    fn wait_for_line(&mut self, matches: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            if let Some(line) = self.log().lines().find(|l| matches(l)) {
                return line.to_owned();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}); its log:\n{}", self.log());
            }
            assert!(
                started.elapsed() < WAIT,
                "no such line within {WAIT:?}; the log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a line containing `needle`.
    fn wait_for(&mut self, needle: &str) -> String {
        self.wait_for_line(|l| l.contains(needle))
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.path);
    }
}

fn udp_socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(WAIT)).unwrap();
    socket
}

// ---------------------------------------------------------------------------------------
// Lesson 04: the command server (no framing, on purpose)
// ---------------------------------------------------------------------------------------

/// 1000 reads of 1024 bytes that are not text, each answered (not UTF-8) before
/// the next is sent: every one is answered, five are shown, and the log stays far below a
/// byte per byte received (each read was printed whole, escaped, before: about 4 per byte).
#[test]
fn command_server_flooded_with_garbage_answers_all_and_logs_a_few() {
    let mut server = Logged::start("04_sticky_demo", &["server", "--port", "0"]);
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    let garbage = [0xffu8; 1024];
    let mut answer = [0u8; 1024];
    for _ in 0..1000 {
        conn.write_all(&garbage).unwrap();
        // The answer is one short line; it ends with a newline.
        let mut got = 0;
        while got == 0 || answer[got - 1] != b'\n' {
            let n = conn.read(&mut answer[got..]).unwrap();
            assert!(n > 0, "the server closed");
            got += n;
        }
        assert_eq!(&answer[..got], b"error: the command is not UTF-8 text\n");
    }
    drop(conn);
    server.wait_for("closed the connection");
    let sent = 1000 * garbage.len();
    let logged = server.log_bytes();
    assert!(
        logged <= sent,
        "{logged} log bytes for {sent} bytes received:\n{}",
        server.log()
    );
    let shown = server.log().matches("recv(1024) -> 1024 bytes").count();
    assert!(shown <= 10, "{shown} reads logged:\n{}", server.log());
}

// ---------------------------------------------------------------------------------------
// Lesson 05: the UDP server
// ---------------------------------------------------------------------------------------

/// 500 datagrams of 1000 bytes that are not text, each answered before the next is sent:
/// the server answers every one, shows five, counts the rest, and says the count when the
/// next datagram comes after its 10 s window. Its log is a small fraction of what it got.
/// (From 20 sockets, 25 datagrams each: one source address gets at most 50 answers a
/// second, `guard::senders`.)
#[test]
fn udp_server_flooded_with_garbage_answers_all_and_logs_a_few() {
    let mut server = Logged::start("05_udp", &["server", "--port", "0"]);
    let peers: Vec<UdpSocket> = (0..20).map(|_| udp_socket()).collect();
    let peer = &peers[0];
    let garbage = [0xffu8; 1000];
    let mut reply = [0u8; 2048];
    for i in 0..500 {
        let peer = &peers[i % peers.len()];
        peer.send_to(&garbage, ("127.0.0.1", server.port)).unwrap();
        let (n, _) = peer.recv_from(&mut reply).unwrap();
        assert_eq!(
            n, 1000,
            "the answer is the datagram, its letters upper-cased"
        );
    }
    let sent = 500 * garbage.len();
    let logged = server.log_bytes();
    assert!(
        logged <= sent,
        "{logged} log bytes for {sent} bytes received: more than one per byte"
    );
    // The gate's window is 10 s: the next datagram after it brings the count.
    std::thread::sleep(Duration::from_secs(11));
    peer.send_to(b"after", ("127.0.0.1", server.port)).unwrap();
    peer.recv_from(&mut reply).unwrap();
    server.wait_for("more like the last were not logged");
    server.wait_for(r#"5 bytes b"after""#);
    let log = server.log();
    let shown = log
        .lines()
        .filter(|l| l.contains("recvfrom(1024) <- "))
        .count();
    let held: usize = log
        .lines()
        .filter_map(|l| l.strip_prefix("[server] ("))
        .filter_map(|l| l.split_whitespace().next()?.parse::<usize>().ok())
        .sum();
    assert_eq!(shown + held, 501, "every datagram shown or counted:\n{log}");
    assert!(shown <= 10, "{shown} datagrams shown:\n{log}");
    assert!(log.lines().all(|l| l.len() < 200), "a long line in:\n{log}");
}

// ---------------------------------------------------------------------------------------
// Lesson 06: the framed command server
// ---------------------------------------------------------------------------------------

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn
}

/// A framed `echo hi`, and the answer it must get.
const ECHO_HI: &[u8] = b"\x07\x00\x00\x00echo hi";
const HI: &[u8] = b"\x03\x00\x00\x00hi\n";

/// Sends a framed `echo hi` and reads its whole answer, waiting at most `limit`.
fn echo_hi_answered_within(conn: &mut TcpStream, limit: Duration) {
    conn.set_read_timeout(Some(limit)).unwrap();
    conn.write_all(ECHO_HI).unwrap();
    let mut answer = [0u8; HI.len()];
    conn.read_exact(&mut answer).unwrap();
    assert_eq!(answer, HI);
}

/// One byte every 3 s of a 20-byte frame, with `--idle-limit 5`: no gap is long, yet the
/// whole request has 10 s (then 64 KiB/s) from its first byte. The server says so in one
/// line and closes, and the client queued behind the dripper is served.
#[test]
fn peer_that_drips_a_frame_one_byte_every_3_s_is_cut_off_and_the_next_is_served() {
    let mut server = Logged::start(
        "06_length_prefix",
        &["server", "--port", "0", "--idle-limit", "5"],
    );
    let mut dripper = connect(server.port);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    let drip = std::thread::spawn(move || {
        let frame = b"\x10\x00\x00\x00echo 16 bytes!!!";
        for byte in frame {
            if stopped.load(std::sync::atomic::Ordering::Relaxed)
                || dripper.write_all(&[*byte]).is_err()
            {
                break;
            }
            std::thread::sleep(Duration::from_secs(3));
        }
    });
    let mut next = connect(server.port);
    // Served only once the dripper is gone: a one-at-a-time server (the whole frame would
    // take 60 s; the test waits for at most that).
    echo_hi_answered_within(&mut next, Duration::from_secs(60));
    let line = server.wait_for("the request too slow");
    assert!(
        line.contains(": the request too slow: ")
            && line
                .ends_with(" (10 s, then 65536 B/s allowed); the message is incomplete, closing"),
        "{line}"
    );
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drip.join().unwrap();
}

/// A client that asks for a 16 MB answer and never reads it: the answer has 10 s, then must
/// drain at 256 KiB/s; the kernels' buffers take some MB and earn some seconds, but a
/// partial write does not start the clock again. One line, and the next client is served.
#[test]
fn client_that_never_reads_its_16_mb_answer_is_cut_off_and_the_next_is_served() {
    let mut server = Logged::start("06_length_prefix", &["server", "--port", "0"]);
    let mut stalled = connect(server.port);
    stalled.write_all(b"bytes 16000000").unwrap();
    let mut next = connect(server.port);
    echo_hi_answered_within(&mut next, Duration::from_secs(180));
    let line = server.wait_for("the answer too slow");
    assert!(
        line.contains("write_frame failed: the answer too slow: ")
            && line.ends_with(" (10 s, then 262144 B/s allowed); resetting the connection"),
        "{line}"
    );
    // The clock was not restarted by the partial writes: the time it took is what the bytes
    // that moved allowed, not a multiple of 10 s.
    let (moved, took) = moved_and_took(&line);
    let allowed = 10.0 + moved as f64 / 262_144.0;
    assert!(took < allowed + 2.0, "{took} s for {moved} bytes: {line}");
    // The connection was reset, not closed with 4 MB still queued: the stalled client's
    // next read fails at once, after whatever its buffer already held.
    stalled.set_read_timeout(Some(WAIT)).unwrap();
    let mut sink = vec![0u8; 1 << 20];
    let ended = loop {
        match stalled.read(&mut sink) {
            Ok(0) => break "closed",
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break "reset",
            Err(e) => panic!("{e}"),
        }
    };
    assert_eq!(ended, "reset");
}

/// `… too slow: 4253184 bytes in 26.5 s (…` → (4253184, 26.5).
fn moved_and_took(line: &str) -> (u64, f64) {
    let rest = line.split("too slow: ").nth(1).unwrap();
    let mut words = rest.split_whitespace();
    let moved = words.next().unwrap().parse().unwrap();
    let took = words.nth(2).unwrap().parse().unwrap();
    (moved, took)
}

/// 3000 four-byte commands on one connection, each answered before the next is sent
/// (`abcd`, an unknown command, gets a one-line error): the log shows five of them, not
/// 3000 pairs of lines, and stays well under a byte per byte received.
#[test]
fn peer_flooding_tiny_commands_is_answered_and_logged_a_few_times() {
    let mut server = Logged::start("06_length_prefix", &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    let mut len = [0u8; 4];
    for _ in 0..3000 {
        conn.write_all(b"abcd").unwrap();
        conn.read_exact(&mut len).unwrap();
        let mut answer = vec![0u8; i32::from_le_bytes(len) as usize];
        conn.read_exact(&mut answer).unwrap();
        assert!(answer.starts_with(b"error: unknown command \"abcd\""));
    }
    drop(conn);
    server.wait_for("closed the connection between requests");
    let sent = 3000 * 4;
    let logged = server.log_bytes();
    assert!(
        logged <= sent,
        "{logged} log bytes for {sent} bytes received:\n{}",
        server.log()
    );
    let shown = server
        .log()
        .matches("recv(1024) -> 4 bytes b\"abcd\"")
        .count();
    assert!(shown <= 10, "{shown} requests logged");
}

/// 1000 connections, each sending a header of -1 and nothing else: at most ten accept
/// lines and five refusals in any 10 s, the rest counted; then a client is served.
#[test]
fn peer_flooding_connections_with_bad_headers_is_refused_and_logged_a_few_times() {
    let mut server = Logged::start("06_length_prefix", &["server", "--port", "0"]);
    for _ in 0..1000 {
        let mut conn = connect(server.port);
        conn.write_all(b"\xff\xff\xff\xff").unwrap();
        // Wait until the server has closed it: one connection at a time.
        let _ = conn.read_to_end(&mut Vec::new());
    }
    let sent = 1000 * 4;
    let logged = server.log_bytes();
    let log = server.log();
    assert!(
        logged <= sent,
        "{logged} log bytes for {sent} bytes received:\n{log}"
    );
    assert!(log.matches("length -1 is negative").count() <= 10, "{log}");
    let mut next = connect(server.port);
    echo_hi_answered_within(&mut next, WAIT);
    server.wait_for("read_frame -> 7 bytes b\"echo hi\"");
}

/// A megabyte of garbage on one connection: it starts as text without an end, fills the
/// 1024-byte read, and is refused in one line; nothing of it runs.
#[test]
fn peer_flooding_garbage_text_is_refused_in_one_line() {
    let mut server = Logged::start("06_length_prefix", &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    let garbage = vec![b'z'; 1 << 20];
    // The server reads 1024 bytes, refuses, and closes gently (reading what else comes for
    // a while): the write may end early when it closes.
    let _ = conn.write_all(&garbage);
    server.wait_for("refused, nothing run, closing the connection");
    let logged = server.log_bytes();
    assert!(logged <= 1024, "{logged} log bytes:\n{}", server.log());
}

/// What `nc` sends when `pwd` or `ls` is typed: the command and a newline. The newline is a
/// control character, which the sniffing took for a length prefix (`pwd\n` as a 168 MB
/// frame, `ls\n` as a header still missing a byte, cut after 10 s); both are commands.
#[test]
fn commands_typed_into_nc_with_their_newline_are_commands() {
    let server = Logged::start("06_length_prefix", &["server", "--port", "0"]);
    for (line, name) in [(&b"pwd\n"[..], "pwd"), (b"ls\n", "ls")] {
        let mut conn = connect(server.port);
        conn.write_all(line).unwrap();
        let mut len = [0u8; 4];
        conn.read_exact(&mut len).unwrap();
        let mut answer = vec![0u8; i32::from_le_bytes(len) as usize];
        conn.read_exact(&mut answer).unwrap();
        let answer = String::from_utf8(answer).unwrap();
        assert!(
            answer.starts_with(&format!("error: unknown command \"{name}\"")),
            "{answer}"
        );
    }
    assert!(
        !server.log().contains("bad frame header"),
        "{}",
        server.log()
    );
}

/// Attack 18: lesson 06's client sent a long line with a limit on each write, which every
/// partial write started again: a server that read nothing held it three times the limit,
/// then it ended with a bare `Resource temporarily unavailable`. The request is on one
/// clock now (10 s, then 1 MiB a second) and the client says which clock ran out.
#[test]
fn lesson_06_client_gives_up_on_a_server_that_never_reads_its_request() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let held = std::thread::spawn(move || listener.accept().unwrap().0);
    let mut line = vec![b'x'; 10_000_000];
    line.push(b'\n');
    let out = snapbox::cmd::Command::new(example("06_length_prefix"))
        .args(["client", "--port", &port])
        .env("LANG", "C")
        .env("SOCKET_LESSONS_ANSWER_LIMIT", "2")
        .stdin(line)
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    drop(held.join().unwrap());
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Error: the request too slow: "), "{err}");
}
