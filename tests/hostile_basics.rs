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

// ---- lessons 02 and 03: the echo servers ----------------------------------------------

/// The two lessons whose servers echo, client after client.
const ECHO_SERVERS: [&str; 2] = ["02_tcp_loop", "03_conn_loop"];

/// Sends `message` and reads the upper-cased answer: the next client is served.
fn is_served(server: &Logged) {
    let mut conn = server.connect();
    conn.write_all(b"next").unwrap();
    let mut answer = [0u8; 4];
    conn.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"NEXT");
}

/// A reader that drains a connection on its own thread, so that a flooding client's
/// answers never fill its buffers; returns how many bytes came back.
fn drain(conn: &TcpStream) -> std::thread::JoinHandle<u64> {
    let mut reader = conn.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 64 << 10];
        let mut got = 0;
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            got += n as u64;
        }
        got
    })
}

#[test]
fn echo_servers_answer_a_megabyte_flood_with_a_few_kilobytes_of_log() {
    for lesson in ECHO_SERVERS {
        let mut server = Logged::start(lesson, &["server", "--port", "0"]);
        let before = server.bytes();
        let mut conn = server.connect();
        let answers = drain(&conn);
        let sent = flood(&mut conn, 1 << 20, 1024);
        assert_eq!(answers.join().unwrap(), sent, "{lesson}: every byte echoed");
        server.wait_for("closed the connection");
        at_most_one_log_byte_per_peer_byte(lesson, server.bytes() - before, sent);
        server.wait_for("more than 20 messages");
        server.wait_for("more messages were answered without a line");
        is_served(&server);
    }
}

#[test]
fn echo_servers_log_twenty_clients_that_reset_mid_reply_in_less_than_they_sent() {
    for lesson in ECHO_SERVERS {
        let mut server = Logged::start(lesson, &["server", "--port", "0"]);
        let before = server.bytes();
        let mut sent = 0;
        for i in 1..=20 {
            let mut conn = server.connect();
            let block = [0xffu8; 1024];
            for _ in 0..64 {
                conn.write_all(&block).unwrap();
                sent += block.len() as u64;
            }
            // Read a little of the answers, then pull the plug with the rest unread.
            conn.read_exact(&mut [0u8; 100]).unwrap();
            socket_lessons::wire::net::close_with_reset(conn).unwrap();
            server.wait_for_nth("accept -> a connection from", i);
        }
        is_served(&server);
        at_most_one_log_byte_per_peer_byte(lesson, server.bytes() - before, sent);
    }
}

#[test]
fn echo_servers_close_a_client_that_says_nothing_after_the_idle_limit() {
    for lesson in ECHO_SERVERS {
        let mut server = Logged::start(lesson, &["server", "--port", "0", "--idle-limit", "1"]);
        let mut silent = server.connect();
        let line = server.wait_for("waiting for the next message");
        // 02 says it goes back to waiting for the next client, 03 back to accept.
        assert!(
            line.contains(": waiting for the next message: nothing within 1 s; "),
            "{lesson}: {line}"
        );
        assert_eq!(silent.read(&mut [0u8; 16]).unwrap(), 0, "{lesson}: a FIN");
        is_served(&server);
    }
}

/// A client that pushes and never reads: once the buffers between them are full, the
/// server's answer stops moving, and it gives up on that client after the answer's limit
/// (10 s, then 1024 bytes a second: about 11 s for an answer of 1024 bytes).
#[test]
fn echo_servers_drop_a_client_pushing_and_never_reading() {
    for lesson in ECHO_SERVERS {
        let mut server = Logged::start(lesson, &["server", "--port", "0"]);
        let mut pusher = server.connect();
        pusher
            .set_write_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let pushing = std::thread::spawn(move || {
            let block = [b'p'; 64 << 10];
            // Until the server gives up on it: then its close turns the writes into errors.
            while pusher.write_all(&block).is_ok() {}
        });
        let started = Instant::now();
        let line = server.wait_for("the answer too slow");
        assert!(
            line.contains("(10 s, then 1024 B/s allowed)"),
            "{lesson}: {line}"
        );
        assert!(
            started.elapsed() < WAIT,
            "{lesson}: gave up after {:?}",
            started.elapsed()
        );
        pushing.join().unwrap();
        is_served(&server);
    }
}

/// A server out of descriptors (`RLIMIT_NOFILE` 4: stdin, stdout, stderr and the listener)
/// cannot accept: it says so once and tries again every 100 ms, instead of a line per try.
/// Raised again, it serves the clients that waited in the accept queue.
#[cfg(target_os = "linux")]
#[test]
fn echo_servers_out_of_descriptors_say_so_once_and_serve_the_queue_afterwards() {
    use std::os::unix::process::CommandExt;
    for lesson in ECHO_SERVERS {
        let mut command = Command::new(example(lesson));
        command.args(["server", "--port", "0"]);
        // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
        unsafe {
            command.pre_exec(|| {
                let mut limit = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                limit.rlim_cur = 4;
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut server = Logged::start_with(&mut command, lesson);
        let before = server.bytes();
        // Five clients, each with 1 KiB sent, wait in the accept queue.
        let mut clients: Vec<TcpStream> = (0..5).map(|_| server.connect()).collect();
        let mut sent = 0;
        for conn in &mut clients {
            conn.write_all(&[b'a'; 1024]).unwrap();
            sent += 1024;
        }
        server.wait_for("Too many open files");
        // Two seconds of it: a server that retried in a tight loop would log megabytes.
        std::thread::sleep(Duration::from_secs(2));
        let starved = server.bytes() - before;
        at_most_one_log_byte_per_peer_byte(lesson, starved, sent);
        assert_eq!(
            server.text().matches("Too many open files").count(),
            1,
            "{lesson}: {}",
            server.text()
        );
        // Descriptors again: the queued clients are served in order.
        let raised = libc::rlimit {
            rlim_cur: 64,
            rlim_max: libc::RLIM_INFINITY,
        };
        let mut hard = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: prlimit reads and writes the structs given; pid is our own child.
        unsafe {
            assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut hard), 0);
            let raised = libc::rlimit {
                rlim_max: hard.rlim_max,
                ..raised
            };
            let rc = libc::prlimit(
                server.child.id() as libc::pid_t,
                libc::RLIMIT_NOFILE,
                &raised,
                std::ptr::null_mut(),
            );
            assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
        }
        server.wait_for("accepting again");
        for (i, mut conn) in clients.into_iter().enumerate() {
            let mut answer = [0u8; 1024];
            conn.read_exact(&mut answer)
                .unwrap_or_else(|e| panic!("{lesson}: client {i} got no answer: {e}"));
            assert_eq!(answer, [b'A'; 1024], "{lesson}: client {i}");
        }
    }
}

/// A storm of clients that connect and reset at once (a client killed in a loop, a
/// scanner): each costs its accept line, but the reset lines go through a gate, five in
/// any 10 s, so the log grows by less than the packets each client sends (a SYN, an ACK
/// and a RST: over 150 bytes on loopback).
#[test]
fn echo_servers_log_a_reset_storm_in_five_lines_per_ten_seconds() {
    reset_storm(b"");
}

/// The same storm, each client sending a byte before its reset: the server reads it and
/// its answer's send fails (`send failed: … is gone`), or its recv does. Both kinds of
/// line go through the same gate (review 29, attack 9: the send's were not gated, 135
/// lines for 300 clients in 3 s).
#[test]
fn echo_servers_log_a_storm_of_one_byte_then_reset_in_five_lines_per_ten_seconds() {
    reset_storm(b"x");
}

fn reset_storm(each_sends: &[u8]) {
    for lesson in ECHO_SERVERS {
        let mut server = Logged::start(lesson, &["server", "--port", "0"]);
        let before = server.bytes();
        let started = Instant::now();
        for _ in 0..100 {
            let mut conn = server.connect();
            conn.write_all(each_sends).unwrap();
            socket_lessons::wire::net::close_with_reset(conn).unwrap();
        }
        server.wait_for_nth("accept -> a connection from", 100);
        is_served(&server);
        let windows = started.elapsed().as_secs() / 10 + 1;
        let text = server.text();
        // The lines of resets, not the counts of those held back between them.
        let resets = text
            .lines()
            .filter(|l| l.contains("failed") && !l.contains("not logged"))
            .count() as u64;
        assert!(
            resets <= 5 * windows,
            "{lesson}: {resets} reset lines:\n{text}"
        );
        let per_client = (server.bytes() - before) / 100;
        assert!(
            per_client < 150,
            "{lesson}: {per_client} bytes of log per client"
        );
    }
}

/// Clients one after another, each with 20 one-byte messages (each a recv of its own, the
/// answer read before the next): a client's own 20 lines are no bound here, so message
/// lines go through a gate for all clients together, 40 in any 10 s.
#[test]
fn echo_servers_cap_message_lines_across_clients_that_come_one_after_another() {
    for lesson in ECHO_SERVERS {
        let mut server = Logged::start(lesson, &["server", "--port", "0"]);
        let started = Instant::now();
        for _ in 0..30 {
            let mut conn = server.connect();
            for _ in 0..20 {
                conn.write_all(b"x").unwrap();
                let mut answer = [0u8; 1];
                conn.read_exact(&mut answer).unwrap();
            }
        }
        server.wait_for_nth("closed the connection", 30);
        let windows = started.elapsed().as_secs() / 10 + 1;
        let text = server.text();
        // 02's departure line reads `recv(1024) -> 0 bytes: … closed`: not a message.
        let shown = text
            .lines()
            .filter(|l| l.contains("recv(1024) ->") && !l.contains("-> 0 bytes:"))
            .count() as u64;
        assert!(
            shown <= 40 * windows,
            "{lesson}: {shown} message lines in {windows} windows of 10 s"
        );
        is_served(&server);
    }
}
