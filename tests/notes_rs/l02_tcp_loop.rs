//! Lesson 02's notes.rs against notes A §3–4, notes B 带有通信循环的CS and notes C 第二版.

use super::*;

/// What a program printed on stdout, whole.
fn printed_exactly(out: &Outcome, want: &str) {
    assert_eq!(out.stdout, want, "--- stderr:\n{}", out.stderr);
}

#[test]
fn notes_rs_client_of_lesson_02_skips_empty_lines_with_a4_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a4_server");
    // An empty line sent would put nothing on the wire, and the notes' server would never
    // answer: the client would hang until the test's time limit.
    let out = n.lesson_client(
        "02_tcp_loop",
        &["notes-client"],
        server.port,
        "hello\n\n   \n你好 rust\n",
    );
    assert!(out.success, "{}", out.stderr);
    printed_exactly(&out, "from the server: HELLO\nfrom the server: 你好 RUST\n");
    // The notes' server has no `if not data: break`: it spins on b'' once the client has
    // gone (if it got that far before being stopped here).
    let lines = server.stop();
    assert_eq!(
        lines[1..3], // after `listening on …`
        [
            "data_from_client :>>>> hello",
            "data_from_client :>>>> 你好 rust"
        ],
        "{lines:?}"
    );
}

#[test]
fn a4_client_talks_to_notes_rs_server_of_lesson_02_which_then_takes_a3_client() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["notes-server"]);
    n.client("a4_client", server.port, "hello\n\n你好\n")
        .says(":>>>> data_from_server :>>>> HELLO\n")
        .says(":>>>> data_from_server :>>>> 你好\n")
        .ends_with_error("EOFError");
    assert_eq!(server.next_line(), "from the client: hello");
    assert_eq!(server.next_line(), "from the client: 你好");
    assert_eq!(
        server.next_line(),
        "the client closed; waiting for the next one"
    );
    // recv's b'' ended that client only: the connection loop takes the next one.
    n.client("a3_client", server.port, "again\n")
        .says("data_from_server :>>>> AGAIN\n")
        .ends_with_error("EOFError");
    assert_eq!(server.next_line(), "from the client: again");
    assert_eq!(
        server.next_line(),
        "the client closed; waiting for the next one"
    );
}

#[test]
fn notes_rs_client_of_lesson_02_talks_to_c2_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c2_server");
    let out = n.lesson_client("02_tcp_loop", &["notes-client"], server.port, "hello\n");
    assert!(out.success, "{}", out.stderr);
    printed_exactly(&out, "from the server: HELLO\n");
    let lines = server.stop();
    assert!(lines.iter().any(|l| l == "hello"), "{lines:?}");
}

#[test]
fn c2_client_talks_to_notes_rs_server_of_lesson_02() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["notes-server"]);
    n.client("c2_client", server.port, "hello\n你好\n")
        .says(">>> HELLO\n>>> 你好\n")
        .ends_with_error("EOFError");
    assert_eq!(server.next_line(), "from the client: hello");
    assert_eq!(server.next_line(), "from the client: 你好");
}

#[test]
fn notes_rs_client_of_lesson_02_talks_to_b_loop_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_loop_server");
    let out = n.lesson_client("02_tcp_loop", &["notes-client"], server.port, "hello\n");
    assert!(out.success, "{}", out.stderr);
    printed_exactly(&out, "from the server: helloziawang\n");
    let (ok, lines) = server.finish();
    assert!(ok && lines.contains(&"b'hello'".to_owned()), "{lines:?}");
}

#[test]
fn b_loop_client_quits_notes_rs_server_of_lesson_02_with_quit() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["notes-server"]);
    n.client("b_loop_client", server.port, "hello\n\nquit\n")
        .succeeds()
        .says(">>>b'HELLO'\n>>>>>>");
    assert_eq!(server.next_line(), "from the client: hello");
    assert_eq!(
        server.next_line(),
        "the client closed; waiting for the next one"
    );
}

#[test]
fn notes_rs_client_of_lesson_02_stops_when_b_simple_server_has_closed() {
    let Some(n) = notes(here!()) else { return };
    // Notes B's first server answers once and closes: the second line's recv returns b''.
    let server = n.server("b_simple_server");
    let out = n.lesson_client(
        "02_tcp_loop",
        &["notes-client"],
        server.port,
        "hello\nworld\nagain\n",
    );
    // Whether the second line meets the server's FIN or its RST is a race on the wire:
    // sent before the server closed, the line is unread there and the close is a reset
    // (recv fails); sent after, the FIN is already here (recv returns 0) and the RST that
    // answers the line comes too late to matter. Both are the notes' client meeting a
    // server that has closed.
    if out.success {
        printed_exactly(
            &out,
            "from the server: helloziawang\nthe server closed the connection\n",
        );
    } else {
        printed_exactly(&out, "from the server: helloziawang\n");
        assert!(
            out.stderr.contains("Connection reset by peer"),
            "{}",
            out.stderr
        );
    }
    assert!(server.finish().0);
}

/// A client that says hello, reads the answer, then resets the connection (SO_LINGER 0,
/// then close: an RST instead of a FIN).
fn client_that_resets(port: u16) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(b"hello").unwrap();
    let mut buf = [0u8; 16];
    let n = stream.read(&mut buf).unwrap();
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[test]
fn a_client_that_resets_ends_notes_rs_server_of_lesson_02_as_it_ends_the_notes() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("02_tcp_loop", &["notes-server"]);
    assert_eq!(client_that_resets(server.port), "HELLO");
    // DELIBERATE in notes.rs: no try/except in notes A §4, so a reset ends the server.
    let (ok, lines) = server.finish();
    assert!(!ok, "{lines:?}");
    // After `listening on …`: stdout's line and stderr's, read by two threads, so in either
    // order.
    let mut rest = lines[1..].to_vec();
    rest.sort();
    assert_eq!(
        rest,
        [
            "from the client: hello",
            "stderr: Error: Connection reset by peer (os error 104)"
        ]
    );
}
