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
// Lesson 05: the UDP server
// ---------------------------------------------------------------------------------------

/// 500 datagrams of 1000 bytes that are not text, each answered before the next is sent:
/// the server answers every one, shows five, counts the rest, and says the count when the
/// next datagram comes after its 10 s window. Its log is a small fraction of what it got.
#[test]
fn udp_server_flooded_with_garbage_answers_all_and_logs_a_few() {
    let mut server = Logged::start("05_udp", &["server", "--port", "0"]);
    let peer = udp_socket();
    let garbage = [0xffu8; 1000];
    let mut reply = [0u8; 2048];
    for _ in 0..500 {
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
