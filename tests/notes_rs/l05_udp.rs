//! Lesson 05's notes.rs against notes A §6 and §7 (UDP), both ways, and notes C
//! UDP协议下的socket's client.

use super::*;

#[test]
fn notes_rs_client_of_lesson_05_talks_to_a7_server_in_a_loop() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a7_server");
    let out = n.lesson_client(
        "05_udp",
        &["notes-client"],
        server.port,
        "hello\n\n你好 udp\n",
    );
    out.succeeds()
        .says(&format!("answer from 127.0.0.1:{}: HELLO\n", server.port))
        .says(&format!(
            "answer from 127.0.0.1:{}: 你好 UDP\n",
            server.port
        ));
    let lines = server.stop().join("\n");
    // The empty line was skipped, as the notes skip it: two datagrams, not three.
    assert!(
        lines.ends_with("data_from_client :>>>> hello\ndata_from_client :>>>> 你好 udp"),
        "{lines}"
    );
}

#[test]
fn a7_client_talks_to_notes_rs_server_of_lesson_05_until_its_input_ends() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("05_udp", &["notes-server"]);
    n.client("a7_client", server.port, "hello\n\nworld\n")
        .says("data_from_server :>>>> HELLO\n")
        .says("data_from_server :>>>> WORLD\n")
        .ends_with_error("EOFError");
    let first = server.line_containing("from ");
    assert!(
        first.starts_with("from 127.0.0.1:") && first.ends_with(": hello"),
        "{first:?}"
    );
    assert!(
        server.next_line().ends_with(": world"),
        "{:?}",
        server.seen()
    );
}

#[test]
fn notes_rs_client_of_lesson_05_gets_one_answer_from_a6_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a6_server");
    n.lesson_client("05_udp", &["notes-client"], server.port, "hello\n")
        .succeeds()
        .says(&format!("answer from 127.0.0.1:{}: HELLO\n", server.port));
    let (ok, lines) = server.finish();
    assert!(ok, "the notes' server answers once and ends: {lines:?}");
    assert!(
        lines.contains(&"data_from_client :>>>> hello".to_owned()),
        "{lines:?}"
    );
}

#[test]
fn a6_client_gets_its_answer_and_the_address_from_notes_rs_server_of_lesson_05() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["notes-server"]);
    n.client("a6_client", server.port, "hello\n")
        .succeeds()
        .says(&format!(
            "data_from_server :>>>> (b'HELLO', ('127.0.0.1', {}))",
            server.port
        ));
    drop(server);
}

#[test]
fn c_udp_client_gets_hello_upper_cased_from_notes_rs_server_of_lesson_05() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["notes-server"]);
    n.client("c_udp_client", server.port, "")
        .succeeds()
        .says(&format!("HELLO ('127.0.0.1', {})", server.port));
    drop(server);
}
