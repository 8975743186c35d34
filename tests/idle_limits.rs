//! `--idle-limit`: a client that connects and then says nothing no longer holds a
//! one-at-a-time server for everyone. Lessons 06, 10 and 13 here (07, 08 and 09 have theirs
//! in hostile_commands.rs and hostile_files.rs, 11 in hostile_concurrent.rs).

mod common;

use common::{example, Running, WAIT};
use socket_lessons::wire::auth::{Digest, CHALLENGE_LEN, LEGITIMATE};
use std::io::{Read, Write};
use std::net::TcpStream;

/// `lesson`'s client against `port` with `stdin`, its answer limit set when given; what it
/// printed and how it ended (bounded: 60 s).
fn client_against(
    lesson: &str,
    port: u16,
    args: &[&str],
    stdin: &str,
    answer_limit: Option<&str>,
) -> std::process::Output {
    let mut command = snapbox::cmd::Command::new(example(lesson))
        .args(["client", "--port", &port.to_string()])
        .args(args.iter().copied())
        .stdin(stdin.to_owned())
        .timeout(std::time::Duration::from_secs(60));
    if let Some(limit) = answer_limit {
        command = command.env("SOCKET_LESSONS_ANSWER_LIMIT", limit);
    }
    command.output().unwrap()
}

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn
}

#[test]
fn lesson_06_serves_a_second_client_while_the_first_sits_idle() {
    let mut server = Running::server(
        example("06_length_prefix"),
        &["server", "--port", "0", "--idle-limit", "2"],
    );
    let _idle = connect(server.port);
    let mut next = connect(server.port);
    next.write_all(b"\x07\x00\x00\x00echo hi").unwrap();
    let mut answer = [0u8; 7];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"\x03\x00\x00\x00hi\n");
    let line = server.line_containing("waiting for a request");
    assert!(
        line.ends_with("waiting for a request: nothing within 2 s; closing"),
        "{line}"
    );
}

#[test]
fn lesson_13_serves_a_second_client_while_the_first_sits_idle_or_stops_mid_frame() {
    let mut server = Running::server(
        example("13_nagle_stall"),
        &["server", "--port", "0", "--idle-limit", "1"],
    );
    let _idle = connect(server.port);
    let mut half = connect(server.port);
    // A header announcing 5 bytes, and then nothing.
    half.write_all(b"\x05\x00\x00\x00").unwrap();
    let mut next = connect(server.port);
    next.write_all(b"\x07\x00\x00\x00echo hi").unwrap();
    let mut answer = [0u8; 6];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"\x02\x00\x00\x00hi");
    let line = server.line_containing("sent nothing within 1 s");
    assert!(line.ends_with("; next client"), "{line}");
    // A request that has begun is on its own clock: 10 s, then 64 KiB/s.
    let line = server.line_containing("the request too slow: 4 bytes in ");
    assert!(
        line.ends_with("(10 s, then 65536 B/s allowed); next client"),
        "{line}"
    );
}

#[test]
fn lesson_06_drops_a_client_that_stops_in_the_middle_of_a_frame() {
    let mut server = Running::server(example("06_length_prefix"), &["server", "--port", "0"]);
    // A header for 100 bytes, 5 of them, and then nothing: not idle, stalled mid-message.
    let mut stalled = connect(server.port);
    stalled.write_all(b"\x64\x00\x00\x00hello").unwrap();
    let line = server.line_containing("the request too slow");
    assert!(
        line.contains(": the request too slow: 9 bytes in ")
            && line
                .ends_with(" s (10 s, then 65536 B/s allowed); the message is incomplete, closing"),
        "{line}"
    );
}

#[test]
fn lesson_10_closes_a_checked_client_that_goes_quiet_and_serves_the_next() {
    let secret = "idle test secret";
    let mut server = Running::server_with_env(
        example("10_hmac_auth"),
        &["server", "--port", "0", "--idle-limit", "2"],
        &[("SOCKET_LESSONS_SECRET", secret)],
    );
    let pass = |conn: &mut TcpStream| {
        let mut challenge = [0u8; CHALLENGE_LEN];
        conn.read_exact(&mut challenge).unwrap();
        conn.write_all(&Digest::Md5.answer(secret.as_bytes(), &challenge))
            .unwrap();
        let mut verdict = [0u8; 1];
        conn.read_exact(&mut verdict).unwrap();
        assert_eq!(verdict[0], LEGITIMATE);
    };
    // Checked, then silent.
    let mut quiet = connect(server.port);
    pass(&mut quiet);
    let mut next = connect(server.port);
    pass(&mut next);
    next.write_all(b"hello").unwrap();
    let mut answer = [0u8; 5];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HELLO");
    let line = server.line_containing("sent nothing within");
    assert!(
        line.ends_with("sent nothing within 2 s: closing this connection"),
        "{line}"
    );
}

/// A server that accepts, reads whatever comes, and never answers. Each lesson's client
/// gives up after its answer limit (2 s here, through SOCKET_LESSONS_ANSWER_LIMIT) with
/// one line saying so, and a failing exit status.
#[test]
fn every_client_gives_up_on_a_server_that_never_answers() {
    const SAID: &str = "waiting for the server's answer: nothing within 2 s";
    // Lesson 10's first wait is its own: the challenge must come within 10 s.
    const NO_CHALLENGE: &str = "no 32-byte challenge within 10 s (0 bytes came)";
    let cases: [(&str, &[&str], &str, &str); 10] = [
        ("02_tcp_loop", &["client"], "hello\n", SAID),
        // Review 29, attack 13: lesson 03's client had no limit at all.
        ("03_conn_loop", &["client"], "hello\n", SAID),
        ("06_length_prefix", &["client"], "echo hi\n", SAID),
        ("07_remote_cmd", &["client"], "echo hi\n", SAID),
        ("08_json_header", &["client"], "echo hi\n", SAID),
        ("09_file_header", &["download", "--dir", "."], "", SAID),
        ("09_file_header", &["upload", "Cargo.toml"], "", SAID),
        (
            "10_hmac_auth",
            &["client", "--secret", "0123456789abcdef"],
            "",
            NO_CHALLENGE,
        ),
        ("11_concurrent_server", &["client"], "hello\n", SAID),
        // Review 29, attack 11: lesson 13's client had no limit at all.
        ("13_nagle_stall", &["client"], "", SAID),
    ];
    for (lesson, args, stdin, expected) in cases {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(WAIT)).unwrap();
            let mut sink = Vec::new();
            let _ = conn.read_to_end(&mut sink);
        });
        let mut command = snapbox::cmd::Command::new(example(lesson))
            .args(args.iter().copied())
            .args(["--port", &port.to_string()])
            .env("SOCKET_LESSONS_ANSWER_LIMIT", "2")
            .stdin(stdin.to_owned())
            .timeout(std::time::Duration::from_secs(60));
        if lesson == "09_file_header" && args[0] == "download" {
            command = command.arg("no-such-file-here.txt");
        }
        let out = command.output().unwrap();
        let all = common::printed(&out);
        assert!(!out.status.success(), "{lesson}: {all}");
        assert!(all.contains(expected), "{lesson} {args:?}: {all}");
        drop(out);
        // The client is gone: the silent server's read ends.
        silent.join().unwrap();
    }
}

/// Review 29, attack 9: lesson 10's client waited for ever on a server that sent its
/// challenge and then nothing (no verdict), or its verdict and then no echo: the check's
/// timed read cleared the client's answer limit. It now gives up after that limit, with
/// the same line as every other client.
#[test]
fn lesson_10_client_gives_up_on_a_server_silent_after_the_challenge_or_the_verdict() {
    const SAID: &str = "waiting for the server's answer: nothing within 2 s";
    for verdict in [None, Some(socket_lessons::wire::auth::LEGITIMATE)] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(WAIT)).unwrap();
            conn.write_all(&[7u8; socket_lessons::wire::auth::CHALLENGE_LEN])
                .unwrap();
            let mut answer = [0u8; 16];
            conn.read_exact(&mut answer).unwrap();
            if let Some(byte) = verdict {
                conn.write_all(&[byte]).unwrap();
            }
            let mut sink = Vec::new();
            let _ = conn.read_to_end(&mut sink);
        });
        let out = snapbox::cmd::Command::new(example("10_hmac_auth"))
            .args([
                "client",
                "--secret",
                "0123456789abcdef",
                "--port",
                &port.to_string(),
            ])
            .env("SOCKET_LESSONS_ANSWER_LIMIT", "2")
            .stdin("hello\n".to_owned())
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let all = common::printed(&out);
        assert!(!out.status.success(), "verdict {verdict:?}: {all}");
        assert!(all.contains(SAID), "verdict {verdict:?}: {all}");
        silent.join().unwrap();
    }
}

/// A 16 MiB request (the largest frame) of an unknown command: the server logs a preview of
/// it, not all of it, and answers with a short error, not with an error too big to frame.
#[test]
fn lesson_06_answers_a_16_mib_unknown_command_and_logs_only_a_preview() {
    let mut server = Running::server(example("06_length_prefix"), &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    let size = socket_lessons::wire::framing::MAX_FRAME_LEN;
    let mut frame = (size as i32).to_le_bytes().to_vec();
    frame.resize(4 + size, b'z');
    conn.write_all(&frame).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut answer = vec![0u8; i32::from_le_bytes(len) as usize];
    conn.read_exact(&mut answer).unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert!(
        answer.starts_with("error: unknown command \"zzzz") && answer.contains("(16777216 bytes)"),
        "{answer}"
    );
    let line = server.line_containing("read_frame ->");
    assert!(line.len() < 300, "a log line of {} bytes", line.len());
}

/// On the notes' wire a command has no end mark: one that fills lesson 06's whole
/// recv(1024) may go on past it, and its tail would run as a second command. It is refused,
/// nothing of it runs, and the connection is closed.
#[test]
fn lesson_06_refuses_a_bare_command_that_fills_its_read() {
    let mut server = Running::server(example("06_length_prefix"), &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    let mut line = b"echo ".to_vec();
    line.resize(1024, b'a');
    line.extend_from_slice(b" echo tail");
    conn.write_all(&line).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut answer = vec![0u8; i32::from_le_bytes(len) as usize];
    conn.read_exact(&mut answer).unwrap();
    assert!(String::from_utf8(answer)
        .unwrap()
        .contains("filled the whole 1024-byte read"),);
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "the tail was answered: {rest:?}");
    server.line_containing("refused, nothing run, closing the connection");
}

/// An operator's `--idle-limit` as large as the flag takes (u64::MAX seconds) means "for
/// ever": lesson 11's readiness loops computed the deadline as an Instant and panicked
/// (`overflow when adding duration to instant`) at the first client, found by an attack.
#[test]
fn lesson_11_takes_the_largest_idle_limit_as_for_ever() {
    for way in ["poll", "busy", "threads"] {
        let server = Running::server(
            example("11_concurrent_server"),
            &[
                "server",
                "--way",
                way,
                "--port",
                "0",
                "--idle-limit",
                "18446744073709551615",
            ],
        );
        let mut client = connect(server.port);
        client.write_all(b"hi").unwrap();
        let mut answer = [0u8; 2];
        client.read_exact(&mut answer).unwrap();
        assert_eq!(&answer, b"HI", "--way {way}");
        drop(client);
        let log = server.stop();
        assert!(
            !log.iter().any(|l| l.contains("panicked")),
            "--way {way}: {log:#?}"
        );
    }
}

/// Review 29, attack 11: a server that answers each command with two frames (the answer
/// and one nobody asked for, in one write) put the clients of 06, 07 and 08 one answer
/// behind for the rest of the session, silently (`a` printed `first`, `b` printed the
/// extra). Each client now drops what is already waiting before it sends a command, with
/// a line saying so, and shows the right answer.
#[test]
fn clients_06_07_08_drop_an_answer_nobody_asked_for_and_stay_in_step() {
    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as i32).to_le_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }
    // 08's answer: a JSON header (its length in front), then the body.
    fn json_answer(body: &[u8]) -> Vec<u8> {
        let md5 = socket_lessons::wire::checksum::md5_hex(body);
        let header = format!(
            r#"{{"total_size":{},"md5":"{md5}","filename":"stdout"}}"#,
            body.len()
        );
        let mut out = framed(header.as_bytes());
        out.extend_from_slice(body);
        out
    }
    for (lesson, answer) in [
        ("06_length_prefix", framed as fn(&[u8]) -> Vec<u8>),
        ("07_remote_cmd", framed),
        ("08_json_header", json_answer),
    ] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(WAIT)).unwrap();
            let mut buf = [0u8; 1024];
            while matches!(conn.read(&mut buf), Ok(n) if n > 0) {
                let both = [answer(b"first\n"), answer(b"extra\n")].concat();
                if conn.write_all(&both).is_err() {
                    break;
                }
            }
        });
        let out = client_against(lesson, port, &[], "echo a\necho b\nq\n", None);
        let all = common::printed(&out);
        server.join().unwrap();
        assert!(all.contains("nobody asked for"), "{lesson}: {all}");
        assert!(!all.contains("extra"), "{lesson}: {all}");
        assert_eq!(all.matches("first").count(), 2, "{lesson}: {all}");
    }
}

/// Review 29, attack 12: lesson 13's client waited at most the answer limit for each
/// *read*, so a server dripping its answer a byte a second held it as long as it liked; and
/// it took a frame nobody asked for as the next answer. Each answer now has one clock (the
/// answer limit, then 1 MiB a second), and what came before a request is dropped and said.
#[test]
fn lesson_13_client_cuts_a_dripped_answer_and_drops_an_unasked_frame() {
    cuts_a_dripped_answer("13_nagle_stall", &["--exchanges", "1"], "");

    // A server that answers each request with two frames.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let doubler = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(WAIT)).unwrap();
        let mut header = [0u8; 4];
        while conn.read_exact(&mut header).is_ok() {
            let mut body = vec![0u8; i32::from_le_bytes(header) as usize];
            if conn.read_exact(&mut body).is_err() {
                break;
            }
            let mut both = Vec::new();
            for _ in 0..2 {
                both.extend_from_slice(&(body.len() as i32).to_le_bytes());
                both.extend_from_slice(&body);
            }
            if conn.write_all(&both).is_err() {
                break;
            }
        }
    });
    let out = snapbox::cmd::Command::new(example("13_nagle_stall"))
        .args(["client", "--port", &port.to_string(), "--exchanges", "3"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    let all = common::printed(&out);
    doubler.join().unwrap();
    assert!(out.status.success(), "{all}");
    assert!(
        all.contains("nobody asked for between the exchanges"),
        "{all}"
    );
}

/// Review 29, attack 13: lesson 06's client gave the answer limit to each *read*, so a
/// server dripping a frame a byte a second held it as long as it went on. The frame now
/// has one clock once it begins (10 s, then 1 MiB a second), as 07's client does.
#[test]
fn lesson_06_client_cuts_a_dripped_answer() {
    cuts_a_dripped_answer("06_length_prefix", &[], "echo hi\n");
}

/// Runs `lesson`'s client (`args` after its port, `stdin` typed) against a server that
/// answers with a header for 100 bytes, then a byte a second, and an answer limit of 2 s:
/// the client must end within 20 s saying the answer was too slow.
fn cuts_a_dripped_answer(lesson: &str, args: &[&str], stdin: &str) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dripper = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0u8; 1024];
        let _ = conn.read(&mut buf);
        if conn.write_all(&100i32.to_le_bytes()).is_err() {
            return;
        }
        for _ in 0..40 {
            std::thread::sleep(std::time::Duration::from_secs(1));
            if conn.write_all(b"x").is_err() {
                return;
            }
        }
    });
    let started = std::time::Instant::now();
    let out = client_against(lesson, port, args, stdin, Some("2"));
    let all = common::printed(&out);
    assert!(!out.status.success(), "{lesson}: {all}");
    assert!(all.contains("the answer too slow"), "{lesson}: {all}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{lesson}: {:?}: {all}",
        started.elapsed()
    );
    dripper.join().unwrap();
}

/// Review 29, attack 14: the line clients of 02, 03 and 11 printed each answer whole,
/// escaped: 1 KiB of U+202E from a server made a line of about 7 KB. They now show a long
/// answer by a preview, as the servers show what they get.
#[test]
fn line_clients_show_a_long_answer_by_a_preview() {
    for lesson in ["02_tcp_loop", "03_conn_loop", "11_concurrent_server"] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(WAIT)).unwrap();
            let mut buf = [0u8; 1024];
            if matches!(conn.read(&mut buf), Ok(n) if n > 0) {
                let _ = conn.write_all("\u{202e}".repeat(341).as_bytes());
            }
            let _ = conn.read(&mut buf);
        });
        let out = client_against(lesson, port, &[], "hello\nq\n", None);
        let all = common::printed(&out);
        server.join().unwrap();
        let longest = all.lines().map(str::len).max().unwrap_or(0);
        assert!(longest < 1024, "{lesson}: a line of {longest} bytes: {all}");
        assert!(!all.contains('\u{202e}'), "{lesson}: {all}");
    }
}
