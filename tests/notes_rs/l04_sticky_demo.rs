//! Lesson 04's notes.rs against the notes' command servers and clients without a header
//! (notes C 两种情况下会发生粘包, notes E §7), and against notes A §9.1's own pair, which
//! already sends §9.2's 4-byte header: a different wire, and what each side makes of it.
// Every test here runs the notes' shell-command programs (`subprocess` with a shell).
#![cfg(unix)]

use super::*;

/// `seq 1000` writes 3893 bytes; recv(1024) takes `1\n` … `283\n`, and the next command's
/// recv(1024) takes the next 1024 bytes of the same output.
const SEQ_THEN_ECHO: &str = "seq 1000\necho hi\n";

#[test]
fn notes_rs_client_of_lesson_04_gets_seq_output_in_answer_to_echo_from_c_sticky_cmd_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_sticky_cmd_server");
    n.lesson_client(
        "04_sticky_demo",
        &["notes-client"],
        server.port,
        SEQ_THEN_ECHO,
    )
    .succeeds()
    .says("answer (1024 bytes):\n1\n2\n3\n")
    .says("282\n283\n\ncommand> answer (1024 bytes):\n284\n285\n");
    drop(server);
}

#[test]
fn c_sticky_cmd_client_gets_seq_output_in_answer_to_echo_from_notes_rs_server_of_lesson_04() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("04_sticky_demo", &["notes-server"]);
    n.client("c_sticky_cmd_client", server.port, SEQ_THEN_ECHO)
        .says(">>>1\n2\n")
        .says("283\n\n>>>284\n285\n")
        .ends_with_error("EOFError");
    assert_eq!(server.line_containing("command: seq"), "command: seq 1000");
    assert_eq!(server.next_line(), "answer: 3893 bytes");
    assert_eq!(server.line_containing("command: echo"), "command: echo hi");
    assert_eq!(server.next_line(), "answer: 3 bytes");
}

#[test]
fn notes_rs_client_of_lesson_04_gets_seq_output_in_answer_to_echo_from_e7_cmd_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e7_cmd_server");
    n.lesson_client(
        "04_sticky_demo",
        &["notes-client"],
        server.port,
        SEQ_THEN_ECHO,
    )
    .succeeds()
    .says("283\n\ncommand> answer (1024 bytes):\n284\n285\n");
    drop(server);
}

#[test]
fn e7_cmd_client_asks_notes_rs_server_of_lesson_04_for_pwd_again_and_again() {
    // The notes' client sends 'pwd' in a loop with no input and no end; the test stops it.
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("04_sticky_demo", &["notes-server"]);
    let program = n.program("e7_cmd_client");
    let client = Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &server.port.to_string())],
    );
    let first = server.next_line();
    assert!(first.starts_with("client address: 127.0.0.1:"), "{first:?}");
    // Line by line (the server never stops printing): each command, then its answer's size.
    for _ in 0..3 {
        assert_eq!(server.next_line(), "command: pwd");
        let answer = server.next_line();
        assert!(answer.starts_with("answer: "), "{answer:?}");
    }
    drop(client);
}

#[test]
fn a91_client_reads_the_first_four_bytes_of_a_bare_answer_from_notes_rs_server_of_lesson_04_as_a_length(
) {
    // Notes A §9.1's client expects §9.2's header: the first four bytes of "hello\n" are
    // b'hell', which struct.unpack('i') reads as 1819043176, and the client then waits for
    // that many bytes. The test stops it.
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("04_sticky_demo", &["notes-server"]);
    let program = n.program("a91_client");
    let mut client = Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &server.port.to_string())],
    );
    client.type_line("echo hello");
    let line = client.line_containing("1819043176");
    assert!(line.ends_with(":>>>> 1819043176"), "{line:?}");
}

#[test]
fn notes_rs_client_of_lesson_04_shows_the_header_of_a91_server_as_four_bytes_of_its_answer() {
    // Notes A §9.1's server sends struct.pack('i', 6) = b'\x06\x00\x00\x00' before "hello\n";
    // a client that knows no header prints them as the start of the answer.
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a91_server");
    n.lesson_client(
        "04_sticky_demo",
        &["notes-client"],
        server.port,
        "echo hello\n",
    )
    .succeeds()
    .says("bytes):\n\u{6}\u{0}\u{0}\u{0}");
    drop(server);
}
