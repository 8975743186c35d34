//! Hostile peers against the first four lessons' servers (00 to 03): each a few lines of its
//! own, named for what it does, asserting the server's line, that the next client is served,
//! and, for every peer that floods, the log bytes the server wrote per byte the peer sent
//! (at most 1).
//!
//! The servers run as the real example binaries with their output in a file, so that the
//! log is measured in bytes, as a disk would see it.

mod common;

use common::{example, WAIT};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A lesson's server in the background, its stdout and stderr in a file.
struct Logged {
    child: Child,
    log: PathBuf,
    port: u16,
}

impl Logged {
    /// Starts `lesson` with `args` (`server --port 0` and options) and waits for its
    /// `listening on` line.
    fn start(lesson: &str, args: &[&str]) -> Logged {
        Logged::start_with(Command::new(example(lesson)).args(args), lesson)
    }

    fn start_with(command: &mut Command, lesson: &str) -> Logged {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log = std::env::temp_dir().join(format!(
            "socket-lessons-hostile-{lesson}-{}-{n}.log",
            std::process::id()
        ));
        let file = std::fs::File::create(&log).unwrap();
        let child = command
            .env("LANG", "C")
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut logged = Logged {
            child,
            log,
            port: 0,
        };
        let first = logged.wait_for("listening on");
        logged.port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        logged
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.log).unwrap_or_default()).into_owned()
    }

    fn bytes(&self) -> u64 {
        std::fs::metadata(&self.log).map_or(0, |m| m.len())
    }

    /// The first line containing `needle`, waiting for it (bounded by [`WAIT`]).
    fn wait_for(&mut self, needle: &str) -> String {
        self.wait_for_nth(needle, 1)
    }

    /// The `nth` line containing `needle` (1 for the first), waiting for it.
    fn wait_for_nth(&mut self, needle: &str, nth: usize) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if let Some(line) = text.lines().filter(|l| l.contains(needle)).nth(nth - 1) {
                return line.to_owned();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server ended ({status}) before saying {needle:?}:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "no line with {needle:?} within {WAIT:?}:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn connect(&self) -> TcpStream {
        let conn = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        conn.set_read_timeout(Some(WAIT)).unwrap();
        conn.set_write_timeout(Some(WAIT)).unwrap();
        conn
    }
}

impl Drop for Logged {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// Log bytes written per byte a peer sent, asserted at most 1.
fn at_most_one_log_byte_per_peer_byte(what: &str, logged: u64, sent: u64) {
    assert!(
        logged <= sent,
        "{what}: {logged} bytes of log for {sent} bytes sent ({:.2} per byte)",
        logged as f64 / sent as f64
    );
}

/// Sends `total` bytes in writes of `chunk`, then closes the sending half.
fn flood(conn: &mut TcpStream, total: usize, chunk: usize) -> u64 {
    let block = vec![0xffu8; chunk]; // escaped, each byte would take four in a log
    let mut sent = 0;
    while sent < total {
        match conn.write(&block[..chunk.min(total - sent)]) {
            Ok(n) => sent += n,
            Err(_) => break, // the server may stop reading (lesson 01): what went counts
        }
    }
    let _ = conn.shutdown(Shutdown::Write);
    sent as u64
}

// ---- lesson 00 ----------------------------------------------------------------------

#[test]
fn lesson_00_client_flooding_a_megabyte_costs_the_log_a_few_lines() {
    let mut server = Logged::start("00_tcp_states", &["server", "--port", "0"]);
    let before = server.bytes();
    let mut conn = server.connect();
    let sent = flood(&mut conn, 1 << 20, 1024);
    server.wait_for("closed; my end");
    let logged = server.bytes() - before;
    at_most_one_log_byte_per_peer_byte("00, a 1 MiB flood", logged, sent);
    let text = server.text();
    assert!(
        text.lines().filter(|l| l.contains("recv(1024) ->")).count() <= 20,
        "{text}"
    );
    server.wait_for("more than 20 recvs; the rest are counted, not shown");
    server.wait_for("more recvs were not shown");
}

// ---- lesson 01 ----------------------------------------------------------------------

#[test]
fn lesson_01_client_that_says_nothing_is_closed_after_the_idle_limit() {
    let mut server = Logged::start(
        "01_tcp_once",
        &["server", "--port", "0", "--idle-limit", "1"],
    );
    let mut silent = server.connect();
    let line = server.wait_for("5. recv");
    assert!(
        line.ends_with("waiting for the client's message: nothing within 1 s; closing"),
        "{line}"
    );
    assert_eq!(silent.read(&mut [0u8; 16]).unwrap(), 0, "closed with a FIN");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
}

#[test]
fn lesson_01_client_flooding_64_kib_is_logged_by_a_short_preview() {
    let mut server = Logged::start("01_tcp_once", &["server", "--port", "0"]);
    let before = server.bytes();
    let mut conn = server.connect();
    let sent = flood(&mut conn, 64 << 10, 64 << 10);
    let line = server.wait_for("5. recv");
    assert!(line.contains("…"), "a preview, not every byte: {line}");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "{status}");
    at_most_one_log_byte_per_peer_byte("01, a 64 KiB flood", server.bytes() - before, sent);
}
