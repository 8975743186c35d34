//! Lesson 08's notes.rs (notes D 完整版) against notes D and notes C 方案二: a bare command
//! one way, `struct.pack('i', len(header))` + JSON header + body the other.
// Every test here runs the notes' shell-command programs (`subprocess` with a shell).
#![cfg(unix)]

use super::*;

#[test]
fn notes_rs_client_of_lesson_08_reads_d_server_answers() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("d_server");
    // Outputs that differ from their command lines, so an echo of the request cannot pass;
    // notes D's header carries its placeholders and its spare key.
    n.lesson_client(
        "08_json_header",
        &["notes-client"],
        server.port,
        "printf 'a%sb\\n' 12\nseq 3000\n",
    )
    .succeeds()
    .says(concat!(
        r#"header: {"filename":"xxxxx","md5":"xxxxxxxxxxxxxxxxxxx","total_size":5,"#,
        r#""xxxxx":"123123"}"#,
        "\na12b\n"
    ))
    .says(r#""total_size":13893,"xxxxx":"123123"}"#)
    .says("\n2999\n3000\n");
    drop(server);
}

#[test]
fn d_client_reads_real_md5_headers_from_notes_rs_server_of_lesson_08() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("08_json_header", &["notes-server"]);
    // The body is stdout then stderr, as notes D sends them; the md5 is that of the body:
    // md5(b"out\nerr\n"), md5(b"1\n2\n…3000\n").
    n.client(
        "d_client",
        server.port,
        "echo out; echo err >&2\nseq 3000\n",
    )
    .says(concat!(
        "{'filename': 'xxxxx', 'md5': '8eff5c3508f20736ad5f78e862bb9816', ",
        "'total_size': 8}\nout\nerr\n"
    ))
    .says("'md5': 'ee9762749fc5338b6c9b0948d14219c7', 'total_size': 13893}\n1\n2\n")
    .says("2999\n3000\n")
    .ends_with_error("EOFError");
    server.line_containing("command: echo out; echo err >&2");
    assert_eq!(
        server.next_line(),
        r#"header: {"filename":"xxxxx","md5":"8eff5c3508f20736ad5f78e862bb9816","total_size":8}"#
    );
}

#[test]
fn notes_rs_client_of_lesson_08_reads_c_plan2_server_answers() {
    let Some(n) = notes(here!()) else { return };
    // Notes C 方案二's server: the same wire, its own keys and placeholders, four sends.
    let server = n.server("c_plan2_server");
    n.lesson_client(
        "08_json_header",
        &["notes-client"],
        server.port,
        "printf 'c%sd\\n' 34\nseq 3000\n",
    )
    .succeeds()
    .says("header: {\"file_name\":\"f1.txt\",\"md5\":\"fdsaf2143254f\",\"total_size\":5}\nc34d\n")
    .says("\"total_size\":13893}\n1\n2\n")
    .says("\n2999\n3000\n");
    drop(server);
}

#[test]
fn c_plan2_client_runs_commands_on_notes_rs_server_of_lesson_08() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("08_json_header", &["notes-server"]);
    // As written, the notes' client cannot quit: end of input is an EOFError.
    n.client(
        "c_plan2_client",
        server.port,
        "printf 'e%sf\\n' 56\nseq 3000\n",
    )
    .says(">>>e56f\n\n>>>1\n2\n")
    .says("2999\n3000\n")
    .ends_with_error("EOFError");
    server.line_containing("command: printf 'e%sf\\n' 56");
    assert_eq!(
        server.next_line(),
        r#"header: {"filename":"xxxxx","md5":"7251511f44e7f97cf6c5ddfad21b3e03","total_size":5}"#
    );
    server.line_containing(r#""total_size":13893}"#);
}
