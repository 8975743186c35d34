//! Lesson 11's three servers against clients that push more than they read (one, and fifty
//! at once, the server's peak memory measured), close their sending half right after their
//! message, flood from one address, or arrive when the server has no file descriptor
//! left. Every wait is bounded: a stall is a failure with a message.

mod common;

use common::{example, Running, WAIT};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
#[cfg(unix)]
use std::time::Duration;
use std::time::Instant;

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

/// The client pushes 9 MB from one thread while another reads, then closes its sending
/// half: every byte must come back, upper-cased. The server reads only while a client's
/// queue has room (64 KiB; way 2 answers each message before it reads the next), so this
/// works because the client reads while it sends. The log stays short: a line for each of
/// the first messages, then one saying the rest get none.
#[test]
fn a_client_that_pushes_9_mb_while_reading_gets_every_byte_back() {
    const SIZE: usize = 9_000_000;
    // Lower-case letters a..p (no `q`, which alone would end the session), upper-cased back.
    let sent: Vec<u8> = (0..SIZE).map(|i| b'a' + (i % 16) as u8).collect();
    let expected = sent.to_ascii_uppercase();
    for way in WAYS {
        let mut server = server(way);
        let mut conn = connect(server.port);
        let mut writer = conn.try_clone().unwrap();
        let to_send = sent.clone();
        let push = std::thread::spawn(move || {
            writer.write_all(&to_send)?;
            writer.shutdown(Shutdown::Write)
        });
        let got = read_to_end(&mut conn, way);
        push.join()
            .unwrap()
            .unwrap_or_else(|e| panic!("{way}: the push failed: {e}"));
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

/// A client that sends and never reads: once its answers fill the sockets' buffers and
/// its queue, the server stops reading from it (back-pressure) and its sends stall; its
/// answers have 10 s, then 1 MiB/s, on one clock, and it is closed with a line saying so,
/// in every way. Its sends then fail, and meanwhile another client is served.
#[test]
fn client_pushing_and_never_reading_is_closed_on_the_answers_clock() {
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
        let line = server.line_containing("did not take its answers in time");
        assert!(line.contains("closing this connection"), "{way}: {line}");
        let ended = push.join().unwrap();
        assert!(ended.is_some(), "{way}: the push of 64 MiB went through");
    }
}

/// The peak memory of a process, from the kernel's accounting (Linux: VmHWM in
/// /proc/PID/status), in KiB.
#[cfg(target_os = "linux")]
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no VmHWM in {status}"))
}

/// The server's memory is bounded for the whole server, not per client: 50 clients each
/// push up to 24 MiB, more than the kernel's buffers on the way hold, and never read. Each
/// queue holds at most 64 KiB (way 2 queues nothing), the server's total at most 16 MiB,
/// so its peak memory stays under 48 MiB however many clients do this (each could queue
/// 16 MiB before, and a review's 50 such clients took a server to 736 MiB). The pushes
/// stall, the clients are closed on the answers' clock, and the log stays smaller than
/// what they sent.
#[cfg(target_os = "linux")]
#[test]
fn fifty_clients_pushing_and_never_reading_leave_the_server_s_memory_bounded() {
    const CLIENTS: usize = 50;
    const PUSH: usize = 24 << 20;
    const BOUND_KIB: u64 = 48 << 10;
    for way in WAYS {
        let mut server = server(way);
        let port = server.port;
        let pushers: Vec<_> = (0..CLIENTS)
            .map(|_| {
                std::thread::spawn(move || {
                    let mut conn = connect(port);
                    // A write that moves nothing for 2 s: the push has stalled.
                    conn.set_write_timeout(Some(Duration::from_secs(2)))
                        .unwrap();
                    let chunk = vec![b'a'; 1 << 16];
                    let mut sent = 0;
                    while sent < PUSH {
                        match conn.write(&chunk) {
                            Ok(n) => sent += n,
                            Err(_) => break,
                        }
                    }
                    (conn, sent)
                })
            })
            .collect();
        let pushed: Vec<(TcpStream, usize)> =
            pushers.into_iter().map(|p| p.join().unwrap()).collect();
        let sent: usize = pushed.iter().map(|(_, n)| n).sum();
        let peak = peak_rss_kib(server.pid());
        eprintln!("{way}: {sent} bytes pushed by {CLIENTS} clients; the server's peak {peak} KiB");
        assert!(
            peak < BOUND_KIB,
            "{way}: the server's peak memory was {peak} KiB after {CLIENTS} clients pushed {sent} bytes"
        );
        for _ in 0..CLIENTS {
            server.line_containing("did not take its answers in time");
        }
        drop(pushed);
        let log = server.stop();
        let log_bytes: usize = log.iter().map(|l| l.len() + 1).sum();
        assert!(
            log_bytes <= sent,
            "{way}: {log_bytes} bytes of log for {sent} sent"
        );
    }
}

/// Connecting from another address: 127.0.0.0/8 is all loopback on Linux.
#[cfg(target_os = "linux")]
fn connect_from(ip: [u8; 4], port: u16) -> std::io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.bind(&std::net::SocketAddr::from((ip, 0)).into())?;
    socket.connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())?;
    let conn: TcpStream = socket.into();
    conn.set_read_timeout(Some(WAIT))?;
    conn.set_write_timeout(Some(WAIT))?;
    Ok(conn)
}

/// Raises this process's descriptor limit (its children inherit it) to what the flood
/// needs, if the hard limit allows; returns whether it does.
#[cfg(unix)]
fn enough_descriptors(needed: u64) -> bool {
    // SAFETY: getrlimit and setrlimit read and write one plain struct.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return false;
        }
        if limit.rlim_cur >= needed as libc::rlim_t {
            return true;
        }
        if limit.rlim_max < needed as libc::rlim_t {
            return false;
        }
        limit.rlim_cur = needed as libc::rlim_t;
        libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0
    }
}

/// 1,100 connections from 127.0.0.1, each left open and silent (a dripping client would
/// send a byte before each idle limit): the server takes 100 from that address (nginx's
/// `limit_conn`) and closes the rest at once, with a few lines, so a client from another
/// address (127.0.0.2) is still served. Without the cap, the first 1,000 filled the server
/// and locked every other address out.
#[cfg(target_os = "linux")]
#[test]
fn a_flood_from_one_address_leaves_room_for_another() {
    if !enough_descriptors(4096) {
        common::skip(
            "a_flood_from_one_address_leaves_room_for_another",
            "the hard limit on descriptors is under 4096",
        );
        return;
    }
    for way in WAYS {
        let mut server = server(way);
        let port = server.port;
        let flood: Vec<TcpStream> = (0..1100)
            .map(|_| connect_from([127, 0, 0, 1], port).unwrap())
            .collect();
        // The server's count reaches 100 from the flood, and refuses the rest.
        server.line_containing("(100 connected)");
        server.line_containing("already 100 connections from 127.0.0.1");
        let mut other = connect_from([127, 0, 0, 2], port).unwrap();
        other.write_all(b"hello").unwrap();
        let mut answer = [0u8; 5];
        other.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HELLO", "{way}");
        // Of the flood, the refused were closed: a read ends at once.
        let mut closed = 0;
        for mut conn in flood.into_iter().skip(100) {
            conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            if matches!(conn.read(&mut [0u8; 1]), Ok(0) | Err(_)) {
                closed += 1;
            }
        }
        assert_eq!(closed, 1000, "{way}");
        let log = server.stop();
        let refusals = log.iter().filter(|l| l.contains("refused")).count();
        assert!(
            refusals <= 6,
            "{way}: {refusals} lines of refusals: {log:#?}"
        );
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

/// A peer that connects and resets in a loop (a scanner, a client killed again and again):
/// each connection costs its accept line, but the lines of broken connections go through
/// a gate, five in any 10 s, as does the line about what idling cost, so the log grows by
/// less than the packets each connection takes (a SYN, an ACK and a RST: over 150 bytes on
/// loopback).
#[test]
fn peer_that_connects_and_resets_in_a_loop_costs_less_log_than_its_packets() {
    const RESETS: usize = 100;
    for way in WAYS {
        // Every connection comes from 127.0.0.1: room for all of them and the retries below
        // (a server slower than the loop may hold a hundred resets not yet read).
        let mut server = Running::server(
            example("11_concurrent_server"),
            &[
                "server",
                "--port",
                "0",
                "--way",
                way,
                "--max-per-address",
                "1000",
            ],
        );
        let started = Instant::now();
        for _ in 0..RESETS {
            socket_lessons::wire::net::close_with_reset(connect(server.port)).unwrap();
        }
        // A client whose accept line says it is the only one connected: every reset before
        // it has been read. (One that comes while some are still unread closes and tries
        // again.)
        let (mut last, ours) = server.connect_alone();
        last.write_all(b"hello").unwrap();
        let mut answer = [0u8; 5];
        last.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HELLO", "{way}");
        let windows = started.elapsed().as_secs() as usize / 10 + 1;
        let log = server.stop();
        let count = |needle: &str| log.iter().filter(|l| l.contains(needle)).count();
        let broken = count("broke the connection");
        let idle = count("no client connected");
        assert!(
            broken <= 5 * windows && idle <= 5 * windows,
            "{way}: {broken} lines of resets, {idle} of idling: {log:#?}"
        );
        // The resets' lines, not those of the clients that checked the count.
        let bytes: usize = log
            .iter()
            .filter(|l| !ours.iter().any(|a| l.contains(a.as_str())))
            .map(|l| l.len() + 1)
            .sum();
        assert!(
            bytes / RESETS < 150,
            "{way}: {} bytes of log per connection: {log:#?}",
            bytes / RESETS
        );
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
