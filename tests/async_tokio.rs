//! Lesson 14 (tokio), built with `cargo test --features async`: the demo's transcript in
//! both languages (tests/transcripts.rs checks that the pages show them; the demo itself
//! runs here, where the feature is on), the pairings with lesson 06's client and server,
//! 1,000 connections at once, hostile peers (each a few lines, named for what it does), a
//! graceful shutdown, and that nothing else in the course compiles tokio.
//!
//! The pairings with the notes' own programs are in tests/notes_rs/l14_async_tokio.rs.
#![cfg(feature = "async")]

mod common;

use common::{example, Running};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

const LESSON: &str = "14_async_tokio";

/// The lesson's server on a port the OS picks.
fn server(args: &[&str]) -> Running {
    let mut all = vec!["server", "--port", "0"];
    all.extend_from_slice(args);
    Running::server(example(LESSON), &all)
}

fn addr(server: &Running) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], server.port))
}

/// A connection whose reads give up after the test's wait (a hang becomes a failure).
fn connect(server: &Running) -> TcpStream {
    let stream = TcpStream::connect(addr(server)).expect("connect");
    stream.set_read_timeout(Some(common::WAIT)).unwrap();
    stream
}

/// `struct.pack('i', len(body)) + body`.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as i32).to_le_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

/// Reads one frame's body.
fn read_frame(stream: &mut TcpStream) -> Vec<u8> {
    let mut header = [0u8; 4];
    stream.read_exact(&mut header).expect("a frame header");
    let mut body = vec![0u8; i32::from_le_bytes(header) as usize];
    stream.read_exact(&mut body).expect("a frame body");
    body
}

/// Reads until the server closes: what came before the end (a reset fails the test).
fn read_to_end(stream: &mut TcpStream) -> Vec<u8> {
    let mut rest = Vec::new();
    stream
        .read_to_end(&mut rest)
        .expect("the server closes cleanly");
    rest
}

// ---- the demo -------------------------------------------------------------------------

fn demo_prints(lang: &str, expected: &str) {
    snapbox::cmd::Command::new(example(LESSON))
        .args(["--lang", lang])
        .timeout(Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .success()
        .stdout_eq(snapbox::Data::read_from(
            &common::root().join(expected),
            None,
        ))
        .stderr_eq("");
}

#[test]
fn lesson_14_demo_prints_its_expected_transcript() {
    demo_prints("en", "tests/expected/14_async_tokio.stdout");
}

#[test]
fn lesson_14_demo_prints_its_expected_transcript_in_chinese() {
    demo_prints("zh", "tests/expected/zh-CN/14_async_tokio.stdout");
}

// ---- lesson 06's client and server ----------------------------------------------------

/// Outputs that differ from the command lines, so an echo of the request cannot pass.
const COMMANDS: &str = "seq 3000\necho hi\nbytes 5000000\n";

#[test]
fn lesson_06_client_gets_whole_answers_from_lesson_14_server() {
    let server = server(&[]);
    let port = server.port.to_string();
    snapbox::cmd::Command::new(example("06_length_prefix"))
        .args(["client", "--port", &port])
        .stdin(COMMANDS)
        .timeout(common::WAIT)
        .with_assert(common::assert())
        .assert()
        .success()
        .stdout_eq(snapbox::str![[r#"
[client] send 8 bytes b"seq 3000"
[client] read_frame -> 13893 bytes b"1\n2\n3\n4\n5\n6\n7\n8\n"…b"\n2998\n2999\n3000\n"
[client] send 7 bytes b"echo hi"
[client] read_frame -> 3 bytes b"hi\n"
[client] send 13 bytes b"bytes 5000000"
[client] read_frame -> 5000000 bytes b"0123456789abcdef"…b"0123456789abcdef"

"#]]);
}

#[test]
fn lesson_14_client_gets_whole_answers_from_lesson_06_server() {
    let server = Running::server(example("06_length_prefix"), &["server", "--port", "0"]);
    let port = server.port.to_string();
    snapbox::cmd::Command::new(example(LESSON))
        .args(["client", "--port", &port])
        .stdin(COMMANDS)
        .timeout(common::WAIT)
        .with_assert(common::assert())
        .assert()
        .success()
        .stdout_eq(snapbox::str![[r#"
[client] send 8 bytes b"seq 3000"
[client] frame -> 13893 bytes b"1\n2\n3\n4\n5\n6\n7\n8\n"…b"\n2998\n2999\n3000\n"
[client] send 7 bytes b"echo hi"
[client] frame -> 3 bytes b"hi\n"
[client] send 13 bytes b"bytes 5000000"
[client] frame -> 5000000 bytes b"0123456789abcdef"…b"0123456789abcdef"

"#]]);
}

#[test]
fn lesson_14_client_and_server_speak_the_echo() {
    let server = server(&["--wire", "echo", "--runtime", "current-thread"]);
    let port = server.port.to_string();
    snapbox::cmd::Command::new(example(LESSON))
        .args(["client", "--wire", "echo", "--port", &port])
        .stdin("hello\n\ncafé\nq\nnever sent\n")
        .timeout(common::WAIT)
        .with_assert(common::assert())
        .assert()
        .success()
        .stdout_eq(snapbox::str![[r#"
[client] send 5 bytes b"hello"
[client] frame -> 5 bytes b"HELLO"
[client] send 5 bytes b"caf\xc3\xa9", UTF-8 text "café"
[client] frame -> 5 bytes b"CAF\xc3\xa9", UTF-8 text "CAFé"

"#]]);
}

// ---- when async buys nothing ----------------------------------------------------------

/// notes.rs on tokio awaits each client before it accepts the next, as the notes' loop
/// does: B, connected and waiting with its command sent, is not even accepted while A is
/// still being served. (Its lines come in order: a concurrent server would print B's
/// address before A's second command.)
#[cfg(unix)]
#[test]
fn notes_server_on_tokio_still_serves_one_client_at_a_time() {
    let mut server = Running::server(example(LESSON), &["notes-server", "--port", "0"]);
    let mut a = connect(&server);
    a.write_all(b"echo a1").unwrap();
    assert_eq!(read_frame(&mut a), b"a1\n");
    let mut b = connect(&server);
    b.write_all(b"echo b").unwrap();
    a.write_all(b"echo a2").unwrap();
    assert_eq!(read_frame(&mut a), b"a2\n");
    let a_port = a.local_addr().unwrap().port();
    assert_eq!(
        server.line_containing("client address"),
        format!("client address: 127.0.0.1:{a_port}")
    );
    assert_eq!(server.next_line(), "command: echo a1");
    assert_eq!(server.next_line(), "header [03, 00, 00, 00], then 3 bytes");
    assert_eq!(server.next_line(), "command: echo a2");
    drop(a);
    assert_eq!(read_frame(&mut b), b"b\n");
    let b_port = b.local_addr().unwrap().port();
    assert_eq!(
        server.line_containing("client address"),
        format!("client address: 127.0.0.1:{b_port}")
    );
}

/// The course's server, a task per client: B is answered while A stays connected.
#[test]
fn the_course_server_answers_b_while_a_stays_connected() {
    let server = server(&["--runtime", "current-thread"]);
    let mut a = connect(&server);
    a.write_all(b"echo a1").unwrap();
    assert_eq!(read_frame(&mut a), b"a1\n");
    let mut b = connect(&server);
    b.write_all(b"echo b").unwrap();
    assert_eq!(read_frame(&mut b), b"b\n");
    a.write_all(b"echo a2").unwrap();
    assert_eq!(read_frame(&mut a), b"a2\n");
}

// ---- 1,000 connections at once --------------------------------------------------------

/// Raises this process's soft limit on descriptors to its hard limit (the server, started
/// after, inherits it): 1,000 connections are 1,000 descriptors on each side.
#[cfg(unix)]
fn raise_descriptor_limit() {
    // SAFETY: getrlimit and setrlimit read and write one rlimit, a live local.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = limit.rlim_max;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
}

#[cfg(unix)]
#[test]
fn one_thousand_clients_are_served_at_once_on_one_thread() {
    raise_descriptor_limit();
    const CLIENTS: usize = 1000;
    let mut server = server(&[
        "--wire",
        "echo",
        "--runtime",
        "current-thread",
        "--max-clients",
        "1000",
        "--max-per-address",
        "1000",
    ]);
    let mut clients: Vec<TcpStream> = (0..CLIENTS).map(|_| connect(&server)).collect();
    // Three rounds: every client sends, then every answer is read. 1,000 requests wait
    // at once; each answer is its own body upper-cased.
    for round in 0..3 {
        for (i, c) in clients.iter_mut().enumerate() {
            c.write_all(&frame(format!("client {i} round {round}").as_bytes()))
                .unwrap();
        }
        for (i, c) in clients.iter_mut().enumerate() {
            assert_eq!(
                read_frame(c),
                format!("CLIENT {i} ROUND {round}").into_bytes()
            );
        }
    }
    server.line_containing("(1000 connected)");
    drop(clients);
    server.line_containing("(0 still connected)");
}

// ---- hostile peers --------------------------------------------------------------------

/// A peer that connects and resets in a loop (a scanner, a client killed again and again):
/// each connection costs its accept line, but the lines of broken connections go through
/// a gate, five in any 10 s, so the log grows by less than the packets each connection
/// takes (a SYN, an ACK and a RST: over 150 bytes on loopback).
#[test]
fn peer_that_connects_and_resets_in_a_loop_costs_less_log_than_its_packets() {
    const RESETS: usize = 100;
    let started = std::time::Instant::now();
    let mut server = server(&["--wire", "echo", "--max-per-address", "1000"]);
    // Every other one sends a header over the frame limit first and closes (attack 18:
    // those lines were not gated, about 350 bytes of log each).
    for i in 0..RESETS {
        let mut c = connect(&server);
        if i % 2 == 0 {
            c.write_all(b"\xff\xff\xff\x7f").unwrap();
            let _ = read_to_end(&mut c);
        } else {
            socket_lessons::wire::net::close_with_reset(c).unwrap();
        }
    }
    // A client whose accept line says it is the only one connected: every reset before it
    // has been read. (One that comes while some are still unread closes and tries again.)
    let (mut last, ours) = server.connect_alone();
    last.write_all(&frame(b"hello")).unwrap();
    assert_eq!(read_frame(&mut last), b"HELLO");
    let windows = started.elapsed().as_secs() as usize / 10 + 1;
    // On Unix, a graceful shutdown (SIGTERM): the count still held back is said then, so
    // the lines and the counts account for every reset.
    #[cfg(unix)]
    let log = {
        // SAFETY: kill(2) on a child process this test started.
        assert_eq!(unsafe { libc::kill(server.pid() as i32, libc::SIGTERM) }, 0);
        drop(last);
        server.finish().1
    };
    #[cfg(not(unix))]
    let log = server.stop();
    let broken = log
        .iter()
        .filter(|l| {
            l.contains("broke the connection")
                || l.contains("is gone")
                || l.contains("bad frame header")
        })
        .count();
    assert!(broken <= 5 * windows, "{broken} lines of resets: {log:#?}");
    #[cfg(unix)]
    {
        let held: usize = log
            .iter()
            .filter_map(|l| {
                l.split_once("] (")?
                    .1
                    .split_once(" more broken connections")?
                    .0
                    .parse::<usize>()
                    .ok()
            })
            .sum();
        assert_eq!(broken + held, RESETS, "{log:#?}");
    }
    // The resets' lines, not those of the clients that checked the count.
    let bytes: usize = log
        .iter()
        .filter(|l| !ours.iter().any(|a| l.contains(a.as_str())))
        .map(|l| l.len() + 1)
        .sum();
    assert!(
        bytes / RESETS < 150,
        "{} bytes of log per connection: {log:#?}",
        bytes / RESETS
    );
}

#[test]
fn client_that_sends_a_negative_length_is_closed_with_one_line() {
    let mut server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    c.write_all(b"\xff\xff\xff\xffabcd").unwrap();
    assert_eq!(read_to_end(&mut c), b"");
    assert!(server
        .line_containing("bad frame header ff ff ff ff")
        .contains("length 4294967295 is over the limit of 16777216 bytes"));
}

#[test]
fn client_that_closes_inside_a_frame_costs_one_line() {
    let mut server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    c.write_all(b"\x0a\x00\x00\x00abc").unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_to_end(&mut c), b"");
    server.line_containing("the stream ended inside a frame body, after 3 of 10 bytes");
    // and the next client is served
    let mut next = connect(&server);
    next.write_all(&frame(b"next")).unwrap();
    assert_eq!(read_frame(&mut next), b"NEXT");
}

#[test]
fn client_that_half_closes_after_its_frame_still_gets_the_answer() {
    let mut server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    c.write_all(&frame(b"bye")).unwrap();
    c.shutdown(Shutdown::Write).unwrap();
    assert_eq!(read_frame(&mut c), b"BYE");
    assert_eq!(read_to_end(&mut c), b"");
    server.line_containing("closed the connection (0 still connected)");
}

#[test]
fn client_that_connects_and_sends_nothing_is_closed_at_the_idle_limit() {
    let mut server = server(&["--idle-limit", "1"]);
    let mut c = connect(&server);
    assert_eq!(read_to_end(&mut c), b"");
    server.line_containing("sent nothing within 1 s: closing this connection");
}

/// A frame whose header promises 64 KiB, sent a byte a second: the request clock (10 s,
/// then 64 KiB/s) ends it after about 10 s, where a per-read limit would wait for ever.
#[test]
fn client_that_drips_a_frame_is_closed_by_the_request_clock() {
    let mut server = server(&["--wire", "echo", "--idle-limit", "60"]);
    let mut c = connect(&server);
    c.write_all(&(64 * 1024i32).to_le_bytes()).unwrap();
    let dripping = std::thread::spawn(move || {
        for _ in 0..30 {
            if c.write_all(b"x").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        panic!("the server never closed the dripping client");
    });
    assert!(server
        .line_containing("then too slowly")
        .contains("(10 s, then 65536 B/s): closing this connection"));
    dripping.join().unwrap();
}

/// A client that sends frame after frame and never reads: the answers fill the socket's
/// buffers, the answers' clock (10 s, then 1 MiB/s) runs out, and the server closes it.
#[test]
fn client_that_never_reads_is_closed_by_the_answers_clock() {
    let mut server = server(&["--wire", "echo", "--idle-limit", "60"]);
    let mut c = connect(&server);
    c.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = vec![b'a'; 1 << 20];
    let flooding = std::thread::spawn(move || {
        for _ in 0..200 {
            if c.write_all(&frame(&body)).is_err() {
                return;
            }
        }
        panic!("the server took 200 MiB from a client that never reads");
    });
    assert!(server
        .line_containing("in time")
        .contains("did not take its 1048576-byte answer in time (10 s, then 1048576 B/s)"));
    flooding.join().unwrap();
}

/// Five clients each announce a 16 MiB frame: the server-wide budget (64 MiB) holds four;
/// the fifth to arrive is refused at its header, before anything is read for it. Which one
/// is fifth is the scheduler's business: the refusal line names it.
#[test]
fn headers_announcing_more_than_the_memory_budget_are_refused() {
    let mut server = server(&["--wire", "echo"]);
    let sixteen_mib = (16i32 << 20).to_le_bytes();
    let mut clients: Vec<TcpStream> = (0..5).map(|_| connect(&server)).collect();
    for c in &mut clients {
        c.write_all(&sixteen_mib).unwrap();
    }
    let line = server.line_containing("refused:");
    assert!(
        line.contains("the server holds 64 MiB of large frames already: 16777216 bytes more would pass its memory budget"),
        "{line}"
    );
    // `[server] 127.0.0.1:PORT refused: …`: the client with that port was closed.
    let port: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    let refused = clients
        .iter_mut()
        .find(|c| c.local_addr().unwrap().port() == port)
        .expect("the refused client is one of the five");
    assert_eq!(read_to_end(refused), b"");
}

#[test]
fn connections_past_the_cap_are_closed_at_once_and_counted() {
    let mut server = server(&["--wire", "echo", "--max-clients", "2"]);
    let held: Vec<TcpStream> = (0..2).map(|_| connect(&server)).collect();
    server.line_containing("(2 connected)");
    for _ in 0..5 {
        let mut refused = connect(&server);
        assert_eq!(read_to_end(&mut refused), b"");
    }
    let line = server.line_containing("refused");
    assert!(line.contains("already 2 clients"), "{line}");
    drop(held);
    server.line_containing("(0 still connected)");
    let mut after = connect(&server);
    assert_eq!(
        server.line_containing("accepting again"),
        "[server] accepting again; 5 connection(s) refused meanwhile"
    );
    after.write_all(&frame(b"in")).unwrap();
    assert_eq!(read_frame(&mut after), b"IN");
}

/// One address cannot take every place: with a server listening on `host` and a cap of 2
/// per address, 127.0.0.1's third connection is refused while 127.0.0.2 is served.
#[cfg(target_os = "linux")]
fn one_address_at_its_cap_leaves_room_for_another(host: &str) {
    let mut server = server(&["--wire", "echo", "--host", host, "--max-per-address", "2"]);
    let held: Vec<TcpStream> = (0..2).map(|_| connect(&server)).collect();
    let mut third = connect(&server);
    assert_eq!(read_to_end(&mut third), b"");
    server.line_containing("refused");
    let other = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    other
        .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
        .unwrap();
    other.connect(&addr(&server).into()).unwrap();
    let mut other: TcpStream = other.into();
    other.set_read_timeout(Some(common::WAIT)).unwrap();
    other.write_all(&frame(b"other")).unwrap();
    assert_eq!(read_frame(&mut other), b"OTHER");
    drop(held);
}

#[cfg(target_os = "linux")]
#[test]
fn one_address_cannot_take_every_place() {
    one_address_at_its_cap_leaves_room_for_another("0.0.0.0");
}

/// The same on a dual-stack listener (`--host ::`): an IPv4 client arrives as
/// `::ffff:127.0.0.1` and is counted by its IPv4 address, not by the /64 that every such
/// address shares (an attack found 127.0.0.2 refused because 127.0.0.1 was at its cap).
#[cfg(target_os = "linux")]
#[test]
fn one_ipv4_address_cannot_take_every_place_on_a_dual_stack_listener() {
    one_address_at_its_cap_leaves_room_for_another("::");
}

/// How many bytes the server's socket for the client at `client` has not read yet: the
/// `rx_queue` of its row in /proc/net/tcp.
#[cfg(target_os = "linux")]
fn unread_by_the_server(server_port: u16, client: SocketAddr) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let port = |field: &str| u16::from_str_radix(field.rsplit(':').next()?, 16).ok();
    table.lines().skip(1).find_map(|row| {
        let fields: Vec<&str> = row.split_whitespace().collect();
        let ours = port(fields[1])? == server_port && port(fields[2])? == client.port();
        let rx_queue = fields[4].split(':').nth(1)?;
        ours.then(|| u64::from_str_radix(rx_queue, 16).ok())?
    })
}

/// Review 29, attack 8, U1: a server stopped (SIGSTOP, Ctrl-Z) past a frame's clock, while
/// the client sent the rest of the frame in time, woke, and closed the connection as too
/// slow (`sent 14 bytes of a frame, then too slowly`) with the rest waiting in the kernel.
/// The clock now ends a frame only when no bytes wait: the frame is answered.
#[cfg(target_os = "linux")]
#[test]
fn server_stopped_past_the_frame_clock_still_takes_the_bytes_sent_in_time() {
    use std::time::Instant;
    let server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    let body: Vec<u8> = (0..20_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let whole = frame(&body);
    c.write_all(&whole[..14]).unwrap();
    // The frame has begun once the server has read those 14 bytes.
    let local = c.local_addr().unwrap();
    let deadline = Instant::now() + common::WAIT;
    while unread_by_the_server(server.port, local) != Some(0) {
        assert!(
            Instant::now() < deadline,
            "the server never read the header"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = server.pid() as i32;
    // SAFETY: kill(2) on a child process this test started.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGSTOP) }, 0);
    c.write_all(&whole[14..]).unwrap();
    // The frame's clock: 10 s, then 64 KiB a second (14 bytes earn next to nothing).
    std::thread::sleep(Duration::from_millis(10_500));
    // SAFETY: as above.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGCONT) }, 0);
    assert_eq!(read_frame(&mut c), body.to_ascii_uppercase());
}

#[test]
fn a_command_that_fills_the_1024_byte_read_is_refused_and_nothing_runs() {
    let mut server = server(&[]);
    let mut c = connect(&server);
    let mut long = b"echo ".to_vec();
    long.resize(1024, b'x');
    c.write_all(&long).unwrap();
    let refusal = read_frame(&mut c);
    assert!(String::from_utf8_lossy(&refusal)
        .starts_with("error: the command filled the whole 1024-byte read"));
    assert_eq!(read_to_end(&mut c), b"");
    server.line_containing("filled the 1024-byte buffer: refused, nothing run, closing");
}

/// Four clients trickling 16 MiB frames hold the whole budget; small frames (up to 64
/// KiB) take nothing from it, and are still served.
#[test]
fn small_frames_are_served_while_large_ones_hold_the_budget() {
    let mut server = server(&["--wire", "echo"]);
    let sixteen_mib = (16i32 << 20).to_le_bytes();
    let mut held: Vec<TcpStream> = (0..4).map(|_| connect(&server)).collect();
    for c in &mut held {
        c.write_all(&sixteen_mib).unwrap();
    }
    let mut fifth = connect(&server);
    fifth.write_all(&sixteen_mib).unwrap();
    server.line_containing("refused:");
    let mut small = connect(&server);
    let body = vec![b'x'; 64 << 10];
    small.write_all(&frame(&body)).unwrap();
    assert_eq!(read_frame(&mut small), vec![b'X'; 64 << 10]);
}

/// An echo answer is exactly as long as its frame: only ASCII letters are upper-cased, so
/// `ŉ` (2 bytes, which Unicode upper-cases to `ʼN`, 3) comes back as it went, and a
/// 1 MiB frame of it gets a 1 MiB answer (before, 16 MiB of it would have answered 24 MiB,
/// over the frame limit).
#[test]
fn an_echo_answer_is_exactly_as_long_as_its_frame() {
    let server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    let body = "ŉ".repeat(512 << 10).into_bytes();
    c.write_all(&frame(&body)).unwrap();
    assert!(
        read_frame(&mut c) == body,
        "the answer differs from the frame"
    );
    let mut small = connect(&server);
    small.write_all(&frame("ΐ ß x".as_bytes())).unwrap();
    assert_eq!(read_frame(&mut small), "ΐ ß X".as_bytes());
}

// ---- shutting down --------------------------------------------------------------------

/// Waits until every byte written on `stream` has been acknowledged by the peer's kernel
/// (SIOCOUTQ is 0), so it is in the server's receive queue: a Ctrl-C sent after this
/// comes after the bytes, whatever the scheduler does. Returning from `write` is not
/// enough on a loaded machine: loopback may deliver the segment later, from ksoftirqd.
#[cfg(target_os = "linux")]
fn wait_until_delivered(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        let mut queued: libc::c_int = 0;
        // SAFETY: TIOCOUTQ (SIOCOUTQ on a socket) writes one int, a live local.
        let rc = unsafe { libc::ioctl(stream.as_raw_fd(), libc::TIOCOUTQ, &mut queued) };
        assert_eq!(
            rc,
            0,
            "ioctl(SIOCOUTQ): {}",
            std::io::Error::last_os_error()
        );
        if queued == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{queued} bytes never acknowledged"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn ctrl_c_lets_the_exchange_in_progress_finish_then_the_server_exits() {
    let mut server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    let whole = frame(b"last words");
    c.write_all(&whole[..6]).unwrap();
    server.line_containing("(1 connected)");
    wait_until_delivered(&c);
    // SAFETY: kill sends a signal to our own child, which is still running.
    assert_eq!(unsafe { libc::kill(server.pid() as i32, libc::SIGINT) }, 0);
    server.line_containing("shutting down: no new connections; waiting for 1 connection(s)");
    c.write_all(&whole[6..]).unwrap();
    assert_eq!(read_frame(&mut c), b"LAST WORDS");
    assert_eq!(read_to_end(&mut c), b"");
    server.line_containing("closed: the server is shutting down (0 still connected)");
    server.line_containing("every connection has ended: the server stops");
    assert_eq!(server.wait_code(), Some(0));
}

/// A frame left half sent holds the drain; a second Ctrl-C ends the server at once (tokio
/// keeps its handler for the life of the process, so without this it would not).
#[cfg(target_os = "linux")]
#[test]
fn a_second_ctrl_c_stops_the_server_at_once() {
    let mut server = server(&["--wire", "echo"]);
    let mut c = connect(&server);
    c.write_all(&frame(b"never finished")[..6]).unwrap();
    server.line_containing("(1 connected)");
    wait_until_delivered(&c);
    let pid = server.pid() as i32;
    let interrupt = || {
        // SAFETY: kill sends a signal to our own child, which is still running.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    };
    interrupt();
    server.line_containing("waiting for 1 connection(s)");
    interrupt();
    server.line_containing("Ctrl-C again: the server stops now, 1 connection(s) still open");
    assert_eq!(server.wait_code(), Some(0));
}

/// Review 29, attack 4, U2: SIGTERM (a service manager's stop), SIGHUP and SIGUSR1 ended
/// the server at once, with no line. Now SIGTERM and SIGHUP ask for the graceful shutdown
/// Ctrl-C asks for, and every other catchable signal that would end it (SIGUSR1, SIGQUIT…)
/// is turned into a SIGTERM: the same lines, the idle client closed, status 0.
#[cfg(target_os = "linux")]
#[test]
fn sigterm_sighup_or_sigusr1_shut_the_server_down_as_ctrl_c_does() {
    for signal in [libc::SIGTERM, libc::SIGHUP, libc::SIGUSR1, libc::SIGQUIT] {
        let mut server = server(&["--wire", "echo"]);
        let mut c = connect(&server);
        server.line_containing("(1 connected)");
        // SAFETY: kill sends a signal to our own child, which is still running.
        assert_eq!(unsafe { libc::kill(server.pid() as i32, signal) }, 0);
        server.line_containing("shutting down: no new connections; waiting for 1 connection(s)");
        assert_eq!(read_to_end(&mut c), b"", "signal {signal}");
        server.line_containing("every connection has ended: the server stops");
        assert_eq!(server.wait_code(), Some(0), "signal {signal}");
    }
}

// ---- what a build without the feature compiles ----------------------------------------

/// `cargo run --example 01_tcp_once` on a fresh machine compiles no tokio: without the
/// `async` feature, tokio is not in the build graph at all.
#[test]
fn without_the_feature_no_tokio_is_built() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(cargo)
        .current_dir(common::root())
        .args([
            "tree",
            "--offline",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .output()
        .expect("run cargo tree");
    assert!(output.status.success(), "{output:?}");
    let tree = String::from_utf8_lossy(&output.stdout);
    for name in ["tokio ", "tokio-util ", "futures-util "] {
        assert!(
            !tree.lines().any(|l| l.starts_with(name)),
            "{name}is built without --features async:\n{tree}"
        );
    }
    assert!(tree.lines().any(|l| l.starts_with("mio ")), "{tree}");
}

/// Review 29, attack 12: lesson 14's client took a frame nobody asked for as the next
/// answer and stayed one behind for the rest of the session, silently (lessons 06, 07 and
/// 08 had been fixed). What waits before a request, in the codec's buffer or the kernel's,
/// is now dropped with a line.
#[test]
fn client_drops_a_frame_nobody_asked_for_and_stays_in_step() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let doubler = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let mut buf = [0u8; 1024];
        while matches!(conn.read(&mut buf), Ok(n) if n > 0) {
            let both = [frame(b"first\n"), frame(b"extra\n")].concat();
            if conn.write_all(&both).is_err() {
                break;
            }
        }
    });
    let out = snapbox::cmd::Command::new(example(LESSON))
        .args(["client", "--port", &port.to_string()])
        .stdin("echo a\necho b\nq\n".to_owned())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let all = common::printed(&out);
    doubler.join().unwrap();
    assert!(all.contains("nobody asked for"), "{all}");
    assert!(!all.contains("extra"), "{all}");
    assert_eq!(all.matches("first").count(), 2, "{all}");
}

/// Attack 17: `--max-clients` past tokio's semaphore's limit (2^61 - 1) made the server
/// panic at start; 0 refused every client. Both are command-line mistakes now, told as such.
#[test]
fn max_clients_out_of_range_is_a_command_line_mistake() {
    for args in [
        &["--max-clients", "2305843009213693952"][..],
        &["--max-clients", "0"][..],
        &["--max-per-address", "0"][..],
    ] {
        let out = std::process::Command::new(example("14_async_tokio"))
            .args(["server", "--port", "0"])
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("is not in"), "{args:?}: {err}");
    }
}

/// Attack 18: a line of input that is not UTF-8 ended lesson 14's client (`invalid utf-8
/// sequence`). It is said and skipped; the next line goes out.
#[test]
fn client_skips_an_input_line_that_is_not_utf8() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let fake = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let mut request = [0u8; 7];
        conn.read_exact(&mut request).unwrap();
        conn.write_all(&frame(b"hi\n")).unwrap();
        request
    });
    let out = snapbox::cmd::Command::new(example("14_async_tokio"))
        .args(["client", "--port", &port])
        .env("LANG", "C")
        .stdin(b"caf\xe9\necho hi\nq\n".to_vec())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(&fake.join().unwrap(), b"echo hi");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains("[client] that line is not UTF-8 text: not sent"),
        "{printed}"
    );
    assert!(printed.contains(r#"frame -> 3 bytes b"hi\n""#), "{printed}");
}
