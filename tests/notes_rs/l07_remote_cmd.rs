//! Lesson 07's notes.rs (notes A §9.1) against notes A §9.1, notes C 方案一 and notes E §8:
//! a bare command one way, `struct.pack('i', n)` + output the other.
// Every test here runs the notes' shell-command programs (`subprocess` with a shell).
#![cfg(unix)]

use super::*;

#[test]
fn notes_rs_client_of_lesson_07_runs_commands_on_a91_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a91_server");
    // An output that differs from its command line, so an echo of the request cannot pass;
    // and one longer than any recv(1024).
    n.lesson_client(
        "07_remote_cmd",
        &["notes-client"],
        server.port,
        "printf 'a%sb\\n' 12\nseq 3000\nq\n",
    )
    .succeeds()
    .says("answer: 5 bytes\nfrom the server:\na12b\n")
    .says("answer: 13893 bytes\nfrom the server:\n1\n2\n3\n")
    .says("2999\n3000\n");
    let lines = server.stop().join("\n");
    assert!(
        lines.contains("data_from_client :>>>> seq 3000\n13893"),
        "{lines}"
    );
}

#[test]
fn a91_client_runs_commands_on_notes_rs_server_of_lesson_07() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("07_remote_cmd", &["notes-server"]);
    // Stdout is the answer when there is any: stderr's "err" is not sent. A command that
    // prints only on stderr is answered with that.
    let out = n.client(
        "a91_client",
        server.port,
        "echo out; echo err >&2\nno-such-command-07\nseq 3000\nq\n",
    );
    out.succeeds()
        .says("4\ndata_from_server :>>>>\n out\n")
        .says("no-such-command-07: ")
        .says("not found\n")
        .says("13893\n");
    assert!(!out.stdout.contains("err"), "{}", out.stdout);
    let lines = server.stop();
    let want = [
        "command: echo out; echo err >&2",
        "answer: 4 bytes",
        "command: no-such-command-07",
    ];
    let at = lines
        .iter()
        .position(|l| l == want[0])
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(lines[at..at + 3], want, "{lines:?}");
    assert!(
        lines.iter().any(|l| l == "command: seq 3000")
            && lines.iter().any(|l| l == "answer: 13893 bytes"),
        "{lines:?}"
    );
}

#[test]
fn notes_rs_client_of_lesson_07_reads_c_plan1_server_answers() {
    let Some(n) = notes(here!()) else { return };
    // Notes C 方案一's server: the same frame, sent as three sends (header, stdout, stderr).
    let server = n.server("c_plan1_server");
    n.lesson_client(
        "07_remote_cmd",
        &["notes-client"],
        server.port,
        "printf 'c%sd\\n' 34\nseq 3000\n",
    )
    .succeeds()
    .says("answer: 5 bytes\nfrom the server:\nc34d\n")
    .says("answer: 13893 bytes\n")
    .says("2999\n3000\n");
    drop(server);
}

#[test]
fn c_plan1_client_runs_commands_on_notes_rs_server_of_lesson_07() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("07_remote_cmd", &["notes-server"]);
    // As written, the notes' client cannot quit: end of input is an EOFError.
    n.client(
        "c_plan1_client",
        server.port,
        "printf 'e%sf\\n' 56\nseq 3000\n",
    )
    .says(">>>e56f\n\n>>>1\n2\n")
    .says("2999\n3000\n")
    .ends_with_error("EOFError");
    server.line_containing("command: printf 'e%sf\\n' 56");
    assert_eq!(server.next_line(), "answer: 5 bytes");
    server.line_containing("answer: 13893 bytes");
}

#[test]
fn notes_rs_client_of_lesson_07_reads_e8_struct_server_answers() {
    let Some(n) = notes(here!()) else { return };
    // Notes E §8's server answers stdout or else stderr too, header and output in one
    // sendall.
    let server = n.server("e8_struct_server");
    n.lesson_client(
        "07_remote_cmd",
        &["notes-client"],
        server.port,
        "no-such-command-07\nseq 3000\n",
    )
    .succeeds()
    .says("no-such-command-07: ")
    .says("not found\n")
    .says("answer: 13893 bytes\n")
    .says("2999\n3000\n");
    drop(server);
}

#[test]
fn e8_struct_client_runs_commands_on_notes_rs_server_of_lesson_07() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("07_remote_cmd", &["notes-server"]);
    n.client("e8_struct_client", server.port, "printf 'g%sh\\n' 78\n")
        .says(">>>g78h\n\n>>>")
        .ends_with_error("EOFError");
    server.line_containing("command: printf 'g%sh\\n' 78");
    assert_eq!(server.next_line(), "answer: 5 bytes");
}
