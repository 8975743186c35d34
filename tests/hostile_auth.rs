//! Lesson 10 against the ways its door can be left open or held: an empty or short secret
//! at start (on either side), and a client that passes the check, then pushes and never
//! reads.

mod common;

use common::{example, Running, WAIT};
use socket_lessons::wire::auth::{Digest, CHALLENGE_LEN, LEGITIMATE};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// A secret of 32 bytes: long enough for both digests.
const SECRET: &str = "0123456789abcdef0123456789abcdef";

/// Starts lesson 10's `side` (server or client) with `secret` in the environment and
/// `args`; returns its exit code and what it wrote on stderr (it must neither listen nor
/// connect: the client's port has nothing listening, and it must not get that far).
fn side_refusing(side: &str, secret: &str, args: &[&str]) -> (Option<i32>, String) {
    let out = snapbox::cmd::Command::new(example("10_hmac_auth"))
        .args([side, "--port", if side == "server" { "0" } else { "9" }])
        .args(args.iter().copied())
        .env("SOCKET_LESSONS_SECRET", secret)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin("")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.stdout.is_empty(), "{side} went on: {:?}", out.stdout);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The server refuses to start with an empty secret; so does the client (attack 15: it
/// answered a fake server's challenge with an empty secret, and with a 1-byte one).
#[test]
fn server_and_client_with_an_empty_secret_refuse_to_start() {
    for side in ["server", "client"] {
        for args in [&[][..], &["--allow-short-secret"][..]] {
            let (code, err) = side_refusing(side, "", args);
            assert_eq!(code, Some(1), "{side} {args:?}");
            assert_eq!(
                err,
                "Error: the secret is empty: anyone can compute the answer to any challenge, so \
                 the check proves nothing; set a random one of at least 16 bytes, e.g. \
                 SOCKET_LESSONS_SECRET=$(openssl rand -hex 16)\n",
                "{side} {args:?}"
            );
        }
    }
}

/// A short secret is refused by both sides: the client's answer to a challenge a fake
/// server chose is what that server tries guesses against offline.
#[test]
fn server_and_client_with_a_secret_shorter_than_the_digest_refuse_to_start_and_say_why() {
    for side in ["server", "client"] {
        let (code, err) = side_refusing(side, "hi, I'm salt.", &[]);
        assert_eq!(code, Some(1), "{side}");
        assert_eq!(
            err,
            "Error: the secret is 13 bytes; both sides need at least 16 for HMAC-MD5 (RFC 2104: \
             whoever records one challenge and its answer can try short secrets offline): use \
             a random one, e.g. SOCKET_LESSONS_SECRET=$(openssl rand -hex 16), or pass \
             --allow-short-secret to pair with the notes' programs\n",
            "{side}"
        );
        // SHA-256's output is 32 bytes: 16 are not enough there.
        let (code, err) = side_refusing(side, &SECRET[..16], &["--digest", "sha256"]);
        assert_eq!(code, Some(1), "{side}");
        assert!(
            err.contains("the secret is 16 bytes; both sides need at least 32 for HMAC-SHA-256"),
            "{side}: {err}"
        );
    }
}

/// With --allow-short-secret the client goes on, and says first what it risks.
#[test]
fn client_allowed_a_short_secret_warns_before_it_connects() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let out = snapbox::cmd::Command::new(example("10_hmac_auth"))
        .args(["client", "--port", &port, "--allow-short-secret"])
        .env("SOCKET_LESSONS_SECRET", "hi, I'm salt.")
        .env("LANG", "C")
        .stdin("")
        .timeout(Duration::from_secs(60));
    // A fake server that gives up after WAIT (a client that never connects must not hold
    // the test).
    listener.set_nonblocking(true).unwrap();
    let fake = std::thread::spawn(move || {
        let deadline = Instant::now() + WAIT;
        let mut conn = loop {
            match listener.accept() {
                Ok((conn, _)) => break conn,
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                Err(e) => return Err(e),
            }
        };
        conn.set_nonblocking(false)?;
        conn.set_read_timeout(Some(WAIT))?;
        conn.write_all(&[b'A'; CHALLENGE_LEN])?;
        let mut answer = [0u8; 16];
        conn.read_exact(&mut answer)?;
        conn.write_all(b"-")
    });
    let out = out.output().unwrap();
    let _ = fake.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(
            "[client] warning: the secret is 13 bytes, shorter than HMAC-MD5's 16 \
             (--allow-short-secret): whoever records one challenge and its answer can test \
             guesses offline\n[client] recv challenge"
        ),
        "{stdout}"
    );
}

#[test]
fn server_started_with_allow_short_secret_warns_in_one_line() {
    let mut server = Running::server_with_env(
        example("10_hmac_auth"),
        &["server", "--port", "0", "--allow-short-secret"],
        &[("SOCKET_LESSONS_SECRET", "hi, I'm salt."), ("LANG", "C")],
    );
    assert_eq!(
        server.next_line(),
        "[server] warning: the secret is 13 bytes, shorter than HMAC-MD5's 16 \
         (--allow-short-secret): whoever records one challenge and its answer can test \
         guesses offline"
    );
    server.kill();
}

/// A client that knows the secret, then sends message after message and reads no answer.
/// Once the buffers are full, the server's answer cannot leave; each answer has 10 s (then
/// 1 KiB/s) on one clock, however the client takes bytes, and the server closes it with one
/// line, then serves the next client. The log stays smaller than what the client sent.
#[test]
fn checked_client_pushing_and_never_reading_is_closed_and_the_next_is_served() {
    let mut server = Running::server_with_env(
        example("10_hmac_auth"),
        &["server", "--port", "0"],
        &[("SOCKET_LESSONS_SECRET", SECRET), ("LANG", "C")],
    );
    let port = server.port;
    let pass = |conn: &mut TcpStream| {
        let mut challenge = [0u8; CHALLENGE_LEN];
        conn.read_exact(&mut challenge).unwrap();
        conn.write_all(&Digest::Md5.answer(SECRET.as_bytes(), &challenge))
            .unwrap();
        let mut verdict = [0u8; 1];
        conn.read_exact(&mut verdict).unwrap();
        assert_eq!(verdict[0], LEGITIMATE);
    };
    let mut pusher = TcpStream::connect(("127.0.0.1", port)).unwrap();
    pusher.set_read_timeout(Some(WAIT)).unwrap();
    pass(&mut pusher);
    pusher.set_write_timeout(Some(WAIT)).unwrap();
    let started = Instant::now();
    let push = std::thread::spawn(move || {
        let chunk = [b'a'; 1000];
        let mut sent = 0u64;
        // Until the server closes (a reset or a broken pipe), or 64 MB, more than every
        // buffer on the way.
        while sent < 64_000_000 {
            match pusher.write(&chunk) {
                Ok(n) => sent += n as u64,
                Err(_) => break,
            }
        }
        sent
    });
    let line = server.line_containing("did not take its answer in time");
    let took = started.elapsed();
    assert!(
        line.contains("the answer too slow: ") && line.ends_with("closing this connection"),
        "{line}"
    );
    // 10 s and what the bytes the buffers took earned at 1 KiB/s (an answer is at most
    // 1 KiB): well under a minute, however loaded the machine.
    assert!(took < Duration::from_secs(40), "closed after {took:?}");
    let sent = push.join().unwrap();
    let mut next = TcpStream::connect(("127.0.0.1", port)).unwrap();
    next.set_read_timeout(Some(WAIT)).unwrap();
    pass(&mut next);
    next.write_all(b"hello").unwrap();
    let mut answer = [0u8; 5];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HELLO");
    let log = server.stop();
    let log_bytes: u64 = log.iter().map(|l| l.len() as u64 + 1).sum();
    assert!(
        log_bytes <= sent,
        "{log_bytes} bytes of log for {sent} bytes sent: {log:?}"
    );
}

/// A client that connects and closes at once, again and again, sends no byte; each time the
/// server still accepts, challenges and refuses. Its log: the accept line each time, and
/// the check's lines only for the first 5 connections in any 10 s (then a count).
#[test]
fn client_that_connects_and_closes_again_and_again_costs_a_line_each() {
    const CONNECTIONS: usize = 100;
    let mut server = Running::server_with_env(
        example("10_hmac_auth"),
        &["server", "--port", "0"],
        &[("SOCKET_LESSONS_SECRET", SECRET), ("LANG", "C")],
    );
    let started = Instant::now();
    for _ in 0..CONNECTIONS {
        drop(TcpStream::connect(("127.0.0.1", server.port)).unwrap());
    }
    // The server is still there, and serves the next client.
    let mut next = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    next.set_read_timeout(Some(WAIT)).unwrap();
    let mut challenge = [0u8; CHALLENGE_LEN];
    next.read_exact(&mut challenge).unwrap();
    next.write_all(&Digest::Md5.answer(SECRET.as_bytes(), &challenge))
        .unwrap();
    let mut verdict = [0u8; 1];
    next.read_exact(&mut verdict).unwrap();
    assert_eq!(verdict[0], LEGITIMATE);
    drop(next);
    server.line_containing("closed the connection");
    let log = server.stop();
    let windows = started.elapsed().as_secs() / 10 + 1;
    let accepts = log.iter().filter(|l| l.contains("accept ->")).count();
    assert_eq!(accepts, CONNECTIONS + 1, "{log:#?}");
    // Per 10 s: 5 checks of at most 3 lines, a count, and the last client's lines.
    let others = log.len() - accepts;
    assert!(
        others as u64 <= windows * 16 + 4,
        "{others} lines besides {accepts} accepts in {windows} windows of 10 s: {log:#?}"
    );
}
