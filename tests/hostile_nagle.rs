//! Lesson 13's one-at-a-time server against clients that hold it: one that never reads a
//! 16 MiB answer, and one that drips its request a byte at a time. Each limit is one clock
//! for the whole message (guard::pace), not a time limit that starts again with every
//! partial read or write.

mod common;

use common::{example, Running, WAIT};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn server() -> Running {
    Running::server_with_env(
        example("13_nagle_stall"),
        &["server", "--port", "0"],
        &[("LANG", "C")],
    )
}

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn.set_write_timeout(Some(WAIT)).unwrap();
    conn
}

/// The next client gets its answer: the server is free again.
fn next_client_is_served(port: u16) {
    let mut next = connect(port);
    next.write_all(b"\x07\x00\x00\x00echo hi").unwrap();
    let mut answer = [0u8; 6];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"\x02\x00\x00\x00hi");
}

/// `… too slow: 4253184 bytes in 14.1 s (10 s, then 1048576 B/s allowed); next client`:
/// the bytes that moved and the seconds the message took.
fn moved_and_took(line: &str, what: &str) -> (u64, f64) {
    let rest = line
        .split_once(&format!("{what} too slow: "))
        .unwrap_or_else(|| panic!("{line}"))
        .1;
    let (bytes, rest) = rest.split_once(" bytes in ").unwrap();
    let (secs, _) = rest.split_once(" s (").unwrap();
    (bytes.parse().unwrap(), secs.parse().unwrap())
}

/// A request for a 16 MiB answer, and then nothing read. The kernel's buffers take some
/// megabytes of the answer, then nothing moves. The answer has 10 s, then 1 MiB/s: the
/// bytes the buffers took earn their time, and nothing else does, however the writes are
/// cut (a write time limit that started again with each partial write held the server 30 s).
#[test]
fn client_that_never_reads_its_16_mib_answer_is_closed_on_the_answer_s_clock() {
    let mut server = server();
    let mut greedy = connect(server.port);
    let mut body = b"echo ".to_vec();
    body.resize(16 * 1024 * 1024 - 16, b'x');
    let header = i32::try_from(body.len()).unwrap().to_le_bytes();
    greedy.write_all(&header).unwrap();
    greedy.write_all(&body).unwrap();
    let line = server.line_containing("too slow");
    let (moved, took) = moved_and_took(&line, "the answer");
    let allowed = 10.0 + moved as f64 / (1024.0 * 1024.0);
    assert!(
        took < allowed + 1.0 && line.ends_with("; next client"),
        "{line}: {took} s for {moved} bytes, {allowed} s allowed"
    );
    next_client_is_served(server.port);
    drop(greedy);
}

/// A header, then one byte every 200 ms: no gap is long, but the request as a whole is
/// slow. It has 10 s from its first byte (then 64 KiB/s): cut there, with one line.
#[test]
fn client_that_drips_its_request_is_closed_on_the_request_s_clock() {
    let mut server = server();
    let mut dripper = connect(server.port);
    dripper.write_all(b"\x64\x00\x00\x00").unwrap();
    let drip = std::thread::spawn(move || {
        for _ in 0..200 {
            if dripper.write_all(b"x").is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    });
    let line = server.line_containing("too slow");
    let (moved, took) = moved_and_took(&line, "the request");
    assert!(moved < 100, "{line}");
    assert!(took < 12.0, "{line}");
    next_client_is_served(server.port);
    assert!(drip.join().unwrap(), "the drip was never cut off");
}

/// 500 connections in a burst, each sending a bad header (a negative length) and closing,
/// or resetting at once (review 29: 1,000 such connections cost the log two lines each,
/// 176 KB for 4 KB sent). The accept line and the line when a client leaves each go
/// through a gate: at most 10 of each in any 10 s, plus a count line per window.
#[test]
fn client_connecting_in_a_loop_costs_the_log_a_few_lines_every_10_s() {
    let server = server();
    let before = server.seen().len();
    let started = std::time::Instant::now();
    for i in 0..500 {
        let mut conn = connect(server.port);
        if i % 2 == 0 {
            conn.write_all(b"\xff\xff\xff\xff").unwrap();
            // The server's close awaited, so that none waits for a place in the backlog.
            let _ = conn.read_to_end(&mut Vec::new());
        } else {
            socket2::SockRef::from(&conn)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
        }
    }
    // The server is still serving.
    next_client_is_served(server.port);
    let windows = (started.elapsed().as_secs() / 10 + 1) as usize;
    let printed = server.stop().len() - before;
    let allowed = windows * 2 * (10 + 1) + 2;
    assert!(printed <= allowed, "{printed} lines, {allowed} allowed");
}
