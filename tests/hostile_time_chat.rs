//! Lesson 12's time server and chat peer against strangers: formats chosen to make the
//! answer as large as possible (a reflection amplifier answers a small spoofable datagram
//! with a large one), floods of requests, and a flood of names for the address book.

mod common;

use common::{example, Running, WAIT};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// IPv4 and UDP headers: what every datagram costs on the wire besides its payload.
const HEADERS: usize = 28;

fn socket() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

fn time_server() -> Running {
    Running::server_with_env(
        example("12_udp_chat"),
        &[
            "server",
            "--port",
            "0",
            "--fixed-time",
            "2021-07-25T22:07:26+08:00",
        ],
        &[("LANG", "C")],
    )
}

/// Every request the tests below can think of that makes a large answer: every `%` and one
/// ASCII character, chrono's modifiers and padded fields, each long specifier repeated up
/// to the 256-byte format limit, errors that quote the format (control characters, which
/// escaping makes six times longer), bytes that are not UTF-8, and formats over the limit.
fn worst_formats() -> Vec<Vec<u8>> {
    let mut formats: Vec<Vec<u8>> = vec![Vec::new()];
    for c in b' '..=b'~' {
        formats.push(vec![b'%', c]);
    }
    for spec in [
        "%-d", "%_d", "%0d", "%.3f", "%.6f", "%.9f", "%3f", "%6f", "%9f", "%:z", "%::z", "%:::z",
        "%#z", "%Ec", "%Oc", "%-c", "%_c", "%%c",
    ] {
        formats.push(spec.into());
    }
    for spec in [
        "%c", "%+", "%Y", "%A", "%B", "%s", "%.9f", "%::z", "%Q", "\u{1}%Q", "%c\u{1}",
    ] {
        for times in 1..=256 / spec.len() {
            formats.push(spec.repeat(times).into_bytes());
        }
    }
    formats.push("\u{1}".repeat(256).into_bytes());
    formats.push(vec![0xff; 256]);
    formats.push(vec![b'x'; 257]);
    formats.push(b"%c".repeat(32_000));
    formats.push(vec![0x01; 65_507]);
    formats
}

#[test]
fn time_server_answers_no_request_with_more_than_three_times_its_size_on_the_wire() {
    let mut server = time_server();
    // A fresh socket every 40 requests: one source address gets at most 50 answers a
    // second (`guard::senders`).
    let fresh = || {
        let client = socket();
        client.connect(("127.0.0.1", server.port)).unwrap();
        client
    };
    let mut client = fresh();
    let mut buf = vec![0u8; 65_536];
    let mut worst = (0.0f64, Vec::new());
    let formats = worst_formats();
    for (i, format) in formats.iter().enumerate() {
        if i % 40 == 39 {
            client = fresh();
        }
        client.send(format).unwrap();
        let n = client
            .recv(&mut buf)
            .unwrap_or_else(|e| panic!("no answer to {} bytes: {e}", format.len()));
        let wire = |len: usize| (len + HEADERS) as f64;
        let ratio = wire(n) / wire(format.len());
        assert!(
            ratio <= 3.0 && n <= 1024,
            "{} bytes {:?} got {n} bytes {:?}: ×{ratio:.2} on the wire",
            format.len(),
            String::from_utf8_lossy(&format[..format.len().min(40)]),
            String::from_utf8_lossy(&buf[..n.min(80)])
        );
        if ratio > worst.0 {
            worst = (ratio, format.clone());
        }
    }
    eprintln!(
        "{} requests; the largest answer was ×{:.2} its request on the wire ({:?})",
        formats.len(),
        worst.0,
        String::from_utf8_lossy(&worst.1)
    );
    // Still the notes' time server: the default and a plain format are answered.
    for (format, answer) in [
        (&b""[..], "2021-07-25 22:07:26"),
        (b"%c", "Sun Jul 25 22:07:26 2021"),
    ] {
        client.send(format).unwrap();
        let n = client.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], answer.as_bytes());
    }
    server.kill();
}

/// Thousands of requests as fast as a socket sends them: the server answers those it
/// receives, and its log grows by a few lines per 10 s and a count, not a line each.
#[test]
fn time_server_flooded_with_requests_logs_fewer_bytes_than_it_was_sent() {
    let server = time_server();
    let flooder = socket();
    let mut sent = 0usize;
    for i in 0..5000 {
        let request: &[u8] = if i % 2 == 0 { b"%c" } else { b"%Q" };
        flooder
            .send_to(request, ("127.0.0.1", server.port))
            .unwrap();
        sent += request.len();
    }
    // The server takes datagrams in order: once this one is answered, every earlier one
    // was answered or dropped by a full buffer. It may be dropped too: sent again until
    // answered.
    let last = socket();
    last.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 64];
    loop {
        last.send_to(b"%Y", ("127.0.0.1", server.port)).unwrap();
        if let Ok((n, _)) = last.recv_from(&mut buf) {
            assert_eq!(&buf[..n], b"2021");
            break;
        }
        assert!(Instant::now() < deadline, "the server never answered");
    }
    let log = server.stop();
    let log_bytes: usize = log.iter().map(|l| l.len() + 1).sum();
    assert!(
        log_bytes <= sent,
        "{log_bytes} bytes of log for {sent} bytes of requests: {log:#?}"
    );
}

/// A stranger sends 20,000 messages, each signed with a new name. The peer keeps the 64
/// heard from last (`MAX_LEARNED`), forgets the rest, and shows a few lines of it all.
#[test]
fn chat_peer_flooded_with_20000_names_keeps_64() {
    let mut bob = Running::server_with_env(
        example("12_udp_chat"),
        &["chat", "--name", "bob", "--port", "0"],
        &[("LANG", "C")],
    );
    let stranger = socket();
    let mut sent = 0usize;
    for i in 0..20_000 {
        let datagram = format!("[n{i}] x");
        stranger
            .send_to(datagram.as_bytes(), ("127.0.0.1", bob.port))
            .unwrap();
        sent += datagram.len();
    }
    // The last name, from another socket, sent (again: a full buffer may drop it) until
    // the peer has taken it in; the ones before it were taken in or dropped.
    let last = socket();
    let deadline = Instant::now() + WAIT;
    let known = loop {
        last.send_to(b"[last] x", ("127.0.0.1", bob.port)).unwrap();
        bob.type_line("@nobody");
        let line = bob.line_containing("no peer named \"nobody\"");
        if line.contains(", last)") {
            break line;
        }
        assert!(Instant::now() < deadline, "{line}");
        std::thread::sleep(Duration::from_millis(50));
    };
    // The line lists the newest 10 and counts the rest: 64 kept in all.
    let listed = known
        .split_once("(known: ")
        .unwrap()
        .1
        .trim_end_matches(')');
    let (earlier, names) = listed.split_once(" earlier, ").unwrap();
    assert_eq!(
        earlier.parse::<usize>().unwrap() + names.split(", ").count(),
        64,
        "{known}"
    );
    assert_eq!(names.split(", ").count(), 10, "{known}");
    assert!(!known.contains("n0,"), "{known}");
    let log = bob.stop();
    let log_bytes: usize = log.iter().map(|l| l.len() + 1).sum();
    assert!(
        log_bytes <= sent,
        "{log_bytes} bytes of log for {sent} bytes sent"
    );
    // The first messages each got a line; the rest were counted, not shown.
    assert!(
        log.iter()
            .any(|l| l.contains("n0 says \"x\" (new peer: n0 at")),
        "{log:#?}"
    );
}

/// A name may not hold control characters, but U+202E (right-to-left override) is not one:
/// printed as it is, it would turn the rest of the line around on a terminal. Names from
/// datagrams are shown escaped.
#[test]
fn chat_peer_shows_a_name_that_reorders_a_line_escaped() {
    let mut bob = Running::server_with_env(
        example("12_udp_chat"),
        &["chat", "--name", "bob", "--port", "0"],
        &[("LANG", "C")],
    );
    socket()
        .send_to("[ali\u{202e}ce] hi".as_bytes(), ("127.0.0.1", bob.port))
        .unwrap();
    let line = bob.line_containing("says");
    assert!(
        line.contains(r#": ali\u{202e}ce says "hi" (new peer: ali\u{202e}ce at "#),
        "{line}"
    );
    assert!(!line.contains('\u{202e}'), "{line}");
    bob.type_line("@nobody");
    let line = bob.line_containing("no peer named");
    assert!(line.ends_with(r"(known: ali\u{202e}ce)"), "{line}");
}

/// Review 29, attack 9: names and texts were escaped as Rust's `{:?}` escapes, which
/// leaves the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0) and the blank braille pattern
/// (U+2800) as they are: a stranger signing `bob` and a filler showed as a second `bob`
/// beside the pinned one. Every character of the INVISIBLE table is now escaped.
#[test]
fn chat_peer_shows_a_name_or_text_with_an_invisible_filler_escaped() {
    let mut alice = Running::server_with_env(
        example("12_udp_chat"),
        &["chat", "--name", "alice", "--port", "0"],
        &[("LANG", "C")],
    );
    let stranger = socket();
    for (name, escaped) in [
        ('\u{115f}', r"\u{115f}"),
        ('\u{1160}', r"\u{1160}"),
        ('\u{3164}', r"\u{3164}"),
        ('\u{ffa0}', r"\u{ffa0}"),
        ('\u{2800}', r"\u{2800}"),
    ] {
        stranger
            .send_to(
                format!("[bob{name}] I am{name}bob").as_bytes(),
                ("127.0.0.1", alice.port),
            )
            .unwrap();
        let line = alice.line_containing("says");
        assert!(
            line.contains(&format!(r#": bob{escaped} says "I am{escaped}bob""#)),
            "{line}"
        );
        assert!(!line.contains(name), "{line:?}");
    }
    alice.type_line("@nobody");
    let line = alice.line_containing("no peer named");
    assert!(!line.contains('\u{115f}'), "{line:?}");
    assert!(line.contains(r"bob\u{115f}"), "{line}");
}

/// The datagrams waiting unread in the UDP socket bound to 127.0.0.1:`port` (`rx_queue` in
/// /proc/net/udp, in bytes of kernel memory), or `None` if there is no such socket.
#[cfg(target_os = "linux")]
fn udp_unread(port: u16) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/udp").ok()?;
    table.lines().skip(1).find_map(|row| {
        let fields: Vec<&str> = row.split_whitespace().collect();
        let local = u16::from_str_radix(fields[1].rsplit(':').next()?, 16).ok()?;
        let rx_queue = fields[4].split(':').nth(1)?;
        (local == port).then(|| u64::from_str_radix(rx_queue, 16).ok())?
    })
}

/// Waits (bounded) until `check` holds.
#[cfg(target_os = "linux")]
fn until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !check() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Review 29, attack 11: the time client took a late answer (one that came after it had
/// said "no answer within 2 s") as the answer to its next request, and was one behind for
/// the rest of the session. What waits before a request is now dropped, with a line.
#[cfg(target_os = "linux")]
#[test]
fn time_client_drops_a_late_answer_before_its_next_request() {
    let fake = socket();
    let port = fake.local_addr().unwrap().port();
    let mut client = Running::spawn_with_env(
        example("12_udp_chat"),
        &["client", "--port", &port.to_string()],
        &[("LANG", "C")],
    );
    let mut buf = [0u8; 1024];
    client.type_line("first");
    let (_, from) = fake.recv_from(&mut buf).unwrap();
    client.line_containing("no answer within 2 s");
    fake.send_to(b"late answer to first", from).unwrap();
    until("the late answer waits in the client's socket", || {
        udp_unread(from.port()).is_some_and(|n| n > 0)
    });
    client.type_line("second");
    let (n, from) = fake.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"second");
    // With a Hangul filler, which Rust's {:?} leaves as it is: shown escaped (attack 11).
    fake.send_to("answer to second\u{3164}".as_bytes(), from)
        .unwrap();
    let dropped = client.line_containing("came before this request");
    assert!(dropped.contains("1 datagram(s) (20 bytes)"), "{dropped}");
    let line = client.line_containing("recv ");
    assert!(line.contains(r"answer to second\u{3164}"), "{line}");
}

/// A server that answers twice (a duplicate, as a real network can deliver): lesson 05's
/// client took the copy as the answer to its next line and stayed one behind (a limit its
/// page admitted); 12's time client, the same before attack 11. Both now drop what waits
/// before a request, with a line.
#[cfg(target_os = "linux")]
#[test]
fn udp_clients_of_05_and_12_drop_a_duplicate_answer_before_the_next_request() {
    for lesson in ["05_udp", "12_udp_chat"] {
        let (fake, mut client) = common::udp_client_and_fake_server(lesson);
        let mut buf = [0u8; 1024];
        client.type_line("first");
        let (_, from) = fake.recv_from(&mut buf).unwrap();
        fake.send_to(b"ANSWER-1", from).unwrap();
        fake.send_to(b"ANSWER-1", from).unwrap();
        client.line_containing("ANSWER-1");
        until("the copy waits in the client's socket", || {
            udp_unread(from.port()).is_some_and(|n| n > 0)
        });
        client.type_line("second");
        let (n, from) = fake.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"second", "{lesson}");
        fake.send_to(b"ANSWER-2", from).unwrap();
        let dropped = client.line_containing("came before this request");
        assert!(
            dropped.contains("1 datagram(s) (8 bytes)"),
            "{lesson}: {dropped}"
        );
        let line = client.line_containing("ANSWER");
        assert!(line.contains("ANSWER-2"), "{lesson}: {line}");
    }
}

/// Attack 15: names from datagrams were escaped in the lines that receive them, but the
/// user's own `sendto` line printed the current peer's name raw (U+202E turned the rest of
/// the line around), and printed a long line of the user's whole (60,000 bytes made a
/// 400 KB line). The name is escaped, the datagram shown by its ends.
#[cfg(target_os = "linux")]
#[test]
fn chat_sendto_line_escapes_the_peers_name_and_cuts_a_long_datagram() {
    let mut alice = Running::server_with_env(
        example("12_udp_chat"),
        &["chat", "--name", "alice", "--port", "0"],
        &[("LANG", "C")],
    );
    let stranger = socket();
    stranger
        .send_to("[ali\u{202e}ce] hi".as_bytes(), ("127.0.0.1", alice.port))
        .unwrap();
    alice.line_containing("says \"hi\"");
    alice.type_line("hello");
    let line = alice.line_containing("sendto");
    assert!(
        line.contains(r"sendto ali\u{202e}ce at 127.0.0.1:"),
        "{line}"
    );
    assert!(!line.contains('\u{202e}'), "{line:?}");
    let mut buf = [0u8; 1024];
    let (n, _) = stranger.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"[alice] hello");
    alice.type_line(&"x".repeat(60_000));
    let line = alice.line_containing("sendto");
    assert!(line.contains("60008 bytes"), "{line}");
    assert!(line.len() < 400, "{} bytes: {line}", line.len());
}

/// Attack 15: a chat peer bound to `::` hears an IPv4 sender as `::ffff:127.0.0.1`, and
/// called bob, pinned with `--peer bob=127.0.0.1:PORT`, an impostor when bob wrote from
/// that very address (`says it is bob, but bob is at 127.0.0.1:…: not followed`).
/// Addresses are compared in one form now, and a reply reaches bob.
#[cfg(target_os = "linux")]
#[test]
fn chat_on_a_dual_stack_socket_knows_a_peer_pinned_at_an_ipv4_address() {
    let bob = socket();
    let bob_port = bob.local_addr().unwrap().port();
    let pin = format!("bob=127.0.0.1:{bob_port}");
    let mut alice = Running::server_with_env(
        example("12_udp_chat"),
        &[
            "chat", "--name", "alice", "--host", "::", "--port", "0", "--peer", &pin,
        ],
        &[("LANG", "C")],
    );
    bob.send_to(b"[bob] hi", ("127.0.0.1", alice.port)).unwrap();
    let line = alice.line_containing("hi");
    assert!(
        line.contains(&format!("recvfrom 127.0.0.1:{bob_port}: bob says \"hi\"")),
        "{line}"
    );
    alice.type_line("back");
    let mut buf = [0u8; 1024];
    let (n, from) = bob.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"[alice] back");
    assert_eq!(from.port(), alice.port);
}

/// Attack 17: a line too long for one datagram ended lesson 05's and 12's clients
/// (`Message too long`), and 05's printed it whole first (70 KB). It is not sent, with one
/// line, and the next line goes out, as the chat does.
#[cfg(target_os = "linux")]
#[test]
fn udp_clients_skip_a_line_too_long_for_a_datagram() {
    for lesson in ["05_udp", "12_udp_chat"] {
        let (fake, mut client) = common::udp_client_and_fake_server(lesson);
        client.type_line(&"x".repeat(70_000));
        let line = client.line_containing("do not fit");
        assert!(
            line.contains("70000 bytes do not fit in one datagram (at most 65507): not sent"),
            "{lesson}: {line}"
        );
        client.type_line("second");
        let mut buf = [0u8; 1024];
        let (n, _) = fake.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"second", "{lesson}");
    }
}

/// Attack 17: lesson 01's client printed a hostile server's 1 KiB of U+202E as one 7 KB
/// line (lesson 02's had been fixed), and every line client echoed the user's own pasted
/// 63,000-byte line whole. Past 160 bytes, both are shown by their ends.
#[test]
fn lesson_01_client_shows_a_long_answer_and_its_own_long_line_by_their_ends() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = vec![0u8; 70_000];
        let _ = conn.read(&mut buf).unwrap();
        conn.write_all("\u{202e}".repeat(341).as_bytes()).unwrap();
    });
    let mut client = Running::spawn_with_env(
        example("01_tcp_once"),
        &["client", "--port", &port.to_string()],
        &[("LANG", "C")],
    );
    client.type_line(&"\u{202e}".repeat(21_000));
    let sent = client.line_containing("send");
    assert!(sent.len() < 1000, "{} bytes: {sent}", sent.len());
    let got = client.line_containing("recv(");
    assert!(got.len() < 1000, "{} bytes: {got}", got.len());
    server.join().unwrap();
}

/// Review 29, attack 11: once the chat's screen gate was closed (20 lines in 10 s), a
/// stranger's datagram, shown to nobody, still became the one a plain line goes to: the
/// user's next line went to it while the screen said bob. A datagram held by the gate no
/// longer changes whom a plain line answers.
#[cfg(target_os = "linux")]
#[test]
fn chat_peer_does_not_answer_a_stranger_the_screen_never_showed() {
    let mut alice = Running::server_with_env(
        example("12_udp_chat"),
        &["chat", "--name", "alice", "--port", "0"],
        &[("LANG", "C")],
    );
    let bob = socket();
    let mallory = socket();
    for i in 0..25 {
        bob.send_to(format!("[bob] m{i}").as_bytes(), ("127.0.0.1", alice.port))
            .unwrap();
    }
    // The 20th is the last line the gate lets through in these 10 s.
    alice.line_containing("says \"m19\"");
    mallory
        .send_to(b"[mallory] hi", ("127.0.0.1", alice.port))
        .unwrap();
    until("alice has read every datagram", || {
        udp_unread(alice.port) == Some(0)
    });
    std::thread::sleep(Duration::from_millis(100));
    alice.type_line("my secret");
    let mut buf = [0u8; 1024];
    let (n, _) = bob.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"[alice] my secret");
    mallory
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    assert!(
        mallory.recv_from(&mut buf).is_err(),
        "mallory got {:?}",
        &buf[..]
    );
}
