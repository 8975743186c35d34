//! Lesson 11's three servers against clients that push more than they read, close their
//! sending half right after their message, or arrive when the server has no file
//! descriptor left. Every wait is bounded: a stall is a failure with a message.

mod common;

use common::{example, Running, WAIT};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

const WAYS: [&str; 3] = ["busy", "threads", "poll"];

fn server(way: &str) -> Running {
    Running::server(
        example("11_concurrent_server"),
        &["server", "--port", "0", "--way", way],
    )
}

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn.set_write_timeout(Some(WAIT)).unwrap();
    conn
}

/// Reads until the peer closes; a read that waits longer than WAIT fails the test, saying
/// how much had come.
fn read_to_end(conn: &mut TcpStream, what: &str) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(e) => panic!("{what}: after {} bytes: {e}", all.len()),
        }
    }
}

/// The client pushes 9 MB with one blocking `write_all` (Python's `sendall`) and reads
/// only after the whole push is out, then closes its sending half: every byte must come
/// back, upper-cased. The sockets' buffers hold only some megabytes of it; the server
/// must go on reading while its answers wait (its outbox, up to 16 MiB), or the push and
/// the answers wait for each other for ever. The log stays short: a line for each of the
/// first messages, then one saying the rest get none.
#[test]
fn a_client_that_pushes_9_mb_before_reading_gets_every_byte_back() {
    const SIZE: usize = 9_000_000;
    // Lower-case letters a..p (no `q`, which alone would end the session), upper-cased back.
    let sent: Vec<u8> = (0..SIZE).map(|i| b'a' + (i % 16) as u8).collect();
    let expected = sent.to_ascii_uppercase();
    for way in WAYS {
        let mut server = server(way);
        let mut conn = connect(server.port);
        conn.write_all(&sent).unwrap_or_else(|e| {
            panic!("{way}: the push stalled (the server stopped reading): {e}")
        });
        conn.shutdown(Shutdown::Write).unwrap();
        let got = read_to_end(&mut conn, way);
        assert_eq!(
            got.len(),
            SIZE,
            "{way}: {} of {SIZE} bytes came back",
            got.len()
        );
        assert!(got == expected, "{way}: the bytes differ");
        server.line_containing("closed the connection");
        let log = server.stop();
        let bytes: usize = log.iter().map(|l| l.len() + 1).sum();
        assert!(
            log.len() < 40 && bytes < 10_000,
            "{way}: the log of one 9 MB push is {} lines, {bytes} bytes",
            log.len()
        );
        assert!(
            log.iter()
                .any(|l| l.contains("the rest are answered without a line each")),
            "{way}: {log:?}"
        );
    }
}

/// A client that sends and never reads: once its answers fill the sockets' buffers and the
/// 16 MiB the server queues for it, nothing moves; after 10 s without taking a byte it is
/// closed, with a line saying so, in every way. Its sends then fail, and meanwhile another
/// client is served.
#[test]
fn a_client_that_never_reads_is_closed_at_the_write_limit() {
    for way in WAYS {
        let mut server = server(way);
        let mut pusher = connect(server.port);
        let push = std::thread::spawn(move || {
            let chunk = vec![b'a'; 1 << 16];
            // 64 MiB, more than every buffer on the way: the push must stall, then fail.
            for _ in 0..1024 {
                if let Err(e) = pusher.write_all(&chunk) {
                    return Some(e);
                }
            }
            None
        });
        let mut other = connect(server.port);
        other.write_all(b"hi").unwrap();
        let mut answer = [0u8; 2];
        other.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HI", "{way}");
        let line = server.line_containing("took none of its answer within 10 s");
        assert!(line.contains("closing this connection"), "{way}: {line}");
        let ended = push.join().unwrap();
        assert!(ended.is_some(), "{way}: the push of 64 MiB went through");
    }
}

/// With `--idle-limit 1`, a client that connects and sends nothing is closed after a
/// second, with a line naming the limit, whichever the way; a client that talks is
/// answered meanwhile.
#[test]
fn a_silent_client_is_closed_at_the_idle_limit() {
    for way in WAYS {
        let mut server = Running::server(
            example("11_concurrent_server"),
            &["server", "--port", "0", "--way", way, "--idle-limit", "1"],
        );
        let mut silent = connect(server.port);
        let mut talker = connect(server.port);
        talker.write_all(b"hi").unwrap();
        let mut answer = [0u8; 2];
        talker.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HI", "{way}");
        // The server closes the silent one: its read returns 0 (bounded by WAIT).
        assert_eq!(read_to_end(&mut silent, way), b"", "{way}");
        let line = server.line_containing("sent nothing within");
        assert!(line.contains("sent nothing within 1 s"), "{way}: {line}");
    }
}

#[test]
fn twenty_clients_that_close_their_sending_half_at_once_all_get_their_answer() {
    for way in WAYS {
        let mut server = server(way);
        for i in 0..20 {
            let mut conn = connect(server.port);
            conn.write_all(b"half").unwrap();
            conn.shutdown(Shutdown::Write).unwrap();
            assert_eq!(read_to_end(&mut conn, way), b"HALF", "{way}: client {i}");
            // The log says the answer went out before the close.
            let line = server.line_containing("closed the connection");
            assert!(line.contains("closed the connection"), "{line}");
        }
    }
}

/// Runs the server under `ulimit -n 64`, its output into a file, and returns the process,
/// its port and the file.
#[cfg(unix)]
// The child is returned to the caller, which kills and waits for it.
#[allow(clippy::zombie_processes)]
fn server_with_few_descriptors(way: &str, log: &std::path::Path) -> (std::process::Child, u16) {
    let program = example("11_concurrent_server");
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 64 && exec '{}' server --port 0 --way {way} > '{}' 2>&1",
            program.display(),
            log.display()
        ))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(port) = text
            .lines()
            .find(|l| l.contains("listening on"))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|p| p.trim().parse().ok())
        {
            return (child, port);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not start: {text}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(unix)]
#[test]
fn out_of_descriptors_the_server_backs_off_quietly_and_serves_the_next_client() {
    for way in WAYS {
        let log = std::env::temp_dir().join(format!(
            "socket-lessons-emfile-{way}-{}.log",
            std::process::id()
        ));
        let (mut child, port) = server_with_few_descriptors(way, &log);
        // 100 clients: the kernel queues them all (backlog 1024); the server can hold
        // about 60 with 64 descriptors.
        let mut clients: Vec<TcpStream> = (0..100).map(|_| connect(port)).collect();
        let deadline = Instant::now() + WAIT;
        while !std::fs::read_to_string(&log)
            .unwrap()
            .contains("Too many open files")
        {
            assert!(
                Instant::now() < deadline,
                "{way}: never ran out of descriptors"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        // A second of running out: a server that retries in a tight loop logs megabytes.
        std::thread::sleep(Duration::from_secs(1));
        // Free descriptors: the first 50 clients leave.
        clients.drain(..50);
        // Every client still there is answered, the queued ones included.
        for (i, conn) in clients.iter_mut().enumerate() {
            conn.write_all(b"ping").unwrap();
            let mut answer = [0u8; 4];
            conn.read_exact(&mut answer)
                .unwrap_or_else(|e| panic!("{way}: client {i} got no answer: {e}"));
            assert_eq!(&answer, b"PING");
        }
        let mut next = connect(port);
        next.write_all(b"next").unwrap();
        let mut answer = [0u8; 4];
        next.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"NEXT", "{way}");
        let _ = child.kill();
        let _ = child.wait();
        let size = std::fs::metadata(&log).unwrap().len();
        let text = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_file(&log);
        assert!(size < 1 << 20, "{way}: the log grew to {size} bytes");
        let complaints = text.matches("Too many open files").count();
        assert!(
            (1..=5).contains(&complaints),
            "{way}: {complaints} lines about descriptors:\n{text}"
        );
    }
}
