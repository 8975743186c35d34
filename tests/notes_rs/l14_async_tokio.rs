//! Lesson 14 against the notes' own programs, both ways: notes C 粘包的解决方案 方案一 and
//! notes E §8 进阶思路 (a bare command in, `struct.pack('i', n)` and n bytes out), paired
//! with the lesson's notes.rs on tokio (`notes-server` / `notes-client`) and with the
//! course's server and client (`server` / `client`: the codec, a task per connection).
//!
//! Built only with `--features async` (tokio), which lesson 14 requires.
// Every test here runs the notes' shell-command programs (`subprocess` with a shell).
#![cfg(unix)]

use super::*;

/// Commands whose outputs differ from the command lines (so an echo of the request cannot
/// pass), the second 13893 bytes long: far more than one recv(1024).
const TWO_COMMANDS: &str = "printf 'a%sb\\n' 12\nseq 3000\n";

// ---- notes.rs on tokio ------------------------------------------------------------------

#[test]
fn notes_rs_client_of_lesson_14_reads_whole_answers_from_c_plan1_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_plan1_server");
    n.lesson_client(
        "14_async_tokio",
        &["notes-client"],
        server.port,
        TWO_COMMANDS,
    )
    .succeeds()
    .says("command> answer (5 bytes):\na12b\n\n")
    .says("command> answer (13893 bytes):\n1\n2\n3\n")
    .says("2999\n3000\n\ncommand> ");
    drop(server);
}

#[test]
fn c_plan1_client_reads_whole_answers_from_notes_rs_server_of_lesson_14() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("14_async_tokio", &["notes-server"]);
    n.client("c_plan1_client", server.port, "echo hello\nseq 3000\n")
        .says(">>>hello\n\n>>>1\n2\n")
        .says("2999\n3000\n\n>>>")
        .ends_with_error("EOFError");
    assert_eq!(server.line_containing("command:"), "command: echo hello");
    assert_eq!(server.next_line(), "header [06, 00, 00, 00], then 6 bytes");
    assert_eq!(server.next_line(), "command: seq 3000");
    // 13893 = 0x3645: the low byte first.
    assert_eq!(
        server.next_line(),
        "header [45, 36, 00, 00], then 13893 bytes"
    );
}

#[test]
fn notes_rs_client_of_lesson_14_reads_whole_answers_from_e8_struct_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e8_struct_server");
    n.lesson_client(
        "14_async_tokio",
        &["notes-client"],
        server.port,
        TWO_COMMANDS,
    )
    .succeeds()
    .says("command> answer (5 bytes):\na12b\n\n")
    .says("command> answer (13893 bytes):\n1\n2\n3\n")
    .says("2999\n3000\n\ncommand> ");
    drop(server);
}

#[test]
fn e8_struct_client_reads_whole_answers_from_notes_rs_server_of_lesson_14() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("14_async_tokio", &["notes-server"]);
    n.client("e8_struct_client", server.port, "echo hello\nseq 3000\n")
        .says(">>>hello\n\n>>>1\n2\n")
        .says("2999\n3000\n\n>>>")
        .ends_with_error("EOFError");
    assert_eq!(server.line_containing("command:"), "command: echo hello");
    assert_eq!(server.next_line(), "header [06, 00, 00, 00], then 6 bytes");
}

// ---- the course's server and client (the codec) ------------------------------------------

/// The notes' clients send shell commands; the course's server answers its built-in ones
/// (`echo`, `seq`, `bytes`), whose outputs are the same.
#[test]
fn c_plan1_client_runs_commands_on_lesson_14_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("14_async_tokio", &["server"]);
    n.client("c_plan1_client", server.port, "echo hello\nseq 3000\n")
        .says(">>>hello\n\n>>>1\n2\n")
        .says("2999\n3000\n\n>>>")
        .ends_with_error("EOFError");
}

#[test]
fn e8_struct_client_runs_commands_on_lesson_14_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("14_async_tokio", &["server", "--runtime", "current-thread"]);
    n.client("e8_struct_client", server.port, "echo hello\nseq 3000\n")
        .says(">>>hello\n\n>>>1\n2\n")
        .says("2999\n3000\n\n>>>")
        .ends_with_error("EOFError");
}

#[test]
fn c_plan1_server_answers_lesson_14_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_plan1_server");
    n.lesson_client("14_async_tokio", &["client"], server.port, TWO_COMMANDS)
        .succeeds()
        .says(r#"frame -> 5 bytes b"a12b\n""#)
        .says(r#"frame -> 13893 bytes b"1\n2\n3\n4\n5\n6\n7\n8\n"…"#)
        .says(r#"2999\n3000\n""#);
    drop(server);
}

#[test]
fn e8_struct_server_answers_lesson_14_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e8_struct_server");
    n.lesson_client("14_async_tokio", &["client"], server.port, TWO_COMMANDS)
        .succeeds()
        .says(r#"frame -> 5 bytes b"a12b\n""#)
        .says(r#"frame -> 13893 bytes b"1\n2\n3\n4\n5\n6\n7\n8\n"…"#)
        .says(r#"2999\n3000\n""#);
    drop(server);
}
