//! Lesson 03's notes.rs against notes A §8, notes B 加上链接循环的CS and notes C 第三版.

use super::*;
use std::io::{Read, Write};

/// What a program printed on stdout, whole.
fn printed_exactly(out: &Outcome, want: &str) {
    assert_eq!(out.stdout, want, "--- stderr:\n{}", out.stderr);
}

#[test]
fn notes_rs_clients_of_lesson_03_talk_to_a8_server_one_after_another() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("a8_server");
    // The notes' server does not echo: its operator types each answer.
    server.type_line("hi from the notes");
    server.type_line("hi again");
    for (said, answer) in [("hello", "hi from the notes"), ("你好", "hi again")] {
        let stdin = format!("{said}\n\nq\n");
        let out = n.lesson_client("03_conn_loop", &["notes-client"], server.port, &stdin);
        assert!(out.success, "{}", out.stderr);
        printed_exactly(&out, &format!("from the server: {answer}\n"));
        server.line_containing("客户端地址：('127.0.0.1', ");
        server.line_containing(&format!("data_from_client :>>>> {said}"));
    }
}

#[test]
fn notes_rs_client_of_lesson_03_leaves_when_a8_server_answers_q() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("a8_server");
    server.type_line("q");
    let out = n.lesson_client(
        "03_conn_loop",
        &["notes-client"],
        server.port,
        "hello\nnever sent\n",
    );
    assert!(out.success, "{}", out.stderr);
    printed_exactly(&out, "");
    let lines = server.stop().join("\n");
    assert!(lines.contains("data_from_client :>>>> hello"), "{lines}");
    assert!(!lines.contains("never sent"), "{lines}");
}

#[test]
fn a_second_client_waits_in_the_backlog_while_notes_rs_server_of_lesson_03_talks_with_a8_client() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("03_conn_loop", &["notes-server"]);
    let program = n.program("a8_client");
    let port = server.port.to_string();
    let mut a = Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &port)],
    );
    a.type_line("a1");
    assert!(server.next_line().starts_with("client address: 127.0.0.1:"));
    assert_eq!(server.next_line(), "from the client: a1");
    server.type_line("answer a1");
    a.line_containing("data_from_server :>>>> answer a1");

    // B: connect returns once the kernel has finished the handshake, with nobody accepting;
    // its line waits, unread.
    let mut b = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    b.write_all(b"b1").unwrap();
    a.type_line("a2");
    assert_eq!(server.next_line(), "from the client: a2");
    server.type_line("answer a2");
    a.line_containing("data_from_server :>>>> answer a2");

    // A says q and leaves: only now is B accepted, and its line read.
    a.type_line("q");
    assert!(a.wait_success(), "notes A §8's client ends after q");
    let b_addr = b.local_addr().unwrap();
    assert_eq!(server.next_line(), format!("client address: {b_addr}"));
    assert_eq!(server.next_line(), "from the client: b1");
    server.type_line("answer b1");
    let mut buf = [0u8; 64];
    let got = b.read(&mut buf).unwrap();
    assert_eq!(&buf[..got], b"answer b1");
}

#[test]
fn c3_clients_talk_to_notes_rs_server_of_lesson_03_one_after_another() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("03_conn_loop", &["notes-server"]);
    server.type_line("HI 1");
    server.type_line("HI 2");
    for (said, answer) in [("hello", "HI 1"), ("world", "HI 2")] {
        n.client("c3_client", server.port, &format!("{said}\nq\n"))
            .succeeds()
            .says(&format!(">>> {answer}\n>>> "));
        assert!(server.next_line().starts_with("client address: 127.0.0.1:"));
        assert_eq!(server.next_line(), format!("from the client: {said}"));
    }
}

#[test]
fn notes_rs_clients_of_lesson_03_are_served_one_after_another_by_b_connloop_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_connloop_server");
    for said in ["one", "two"] {
        let stdin = format!("{said}\nq\n");
        let out = n.lesson_client("03_conn_loop", &["notes-client"], server.port, &stdin);
        assert!(out.success, "{}", out.stderr);
        printed_exactly(&out, &format!("from the server: {said}ziawang\n"));
    }
    let lines = server.stop();
    assert!(lines.contains(&"b'two'".to_owned()), "{lines:?}");
}

#[test]
fn notes_rs_client_of_lesson_03_talks_to_c3_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c3_server");
    let out = n.lesson_client(
        "03_conn_loop",
        &["notes-client"],
        server.port,
        "hello\n你好\nq\n",
    );
    assert!(out.success, "{}", out.stderr);
    printed_exactly(&out, "from the server: HELLO\nfrom the server: 你好\n");
    drop(server);
}

#[test]
fn notes_rs_server_of_lesson_03_rebinds_its_port_at_once_after_closing_first() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("03_conn_loop", &["notes-server"]);
    let port = server.port.to_string();
    // No answers to type: at the end of its input the server closes the connection first,
    // so its end of it stays in TIME_WAIT, holding the port.
    server.close_stdin();
    n.client("a8_client", server.port, "hello\n")
        .says("data_from_server :>>>> \n")
        .ends_with_error("EOFError");
    assert_eq!(
        server.line_containing("from the client"),
        "from the client: hello"
    );
    server.stop();
    // SO_REUSEADDR, set by both the old listener and the new one, lets the restart bind.
    let again = Running::server_in(
        &n.scratch,
        example("03_conn_loop"),
        &["notes-server", "--port", &port],
        &[],
    );
    assert_eq!(again.port.to_string(), port);
}
