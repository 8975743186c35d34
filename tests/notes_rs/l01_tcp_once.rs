//! Lesson 01's notes.rs against notes A §2 and notes C 第一版.

use super::*;

#[test]
fn notes_rs_client_of_lesson_01_talks_to_a2_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a2_server");
    n.lesson_client("01_tcp_once", &["notes-client"], server.port, "")
        .succeeds()
        .says("from the server: 你好!我是服务端!('127.0.0.1', ");
    let lines = server.stop().join("\n");
    assert!(
        lines.contains("data_from_client :>>>> 你好!我是客户端!"),
        "{lines}"
    );
}

#[test]
fn a2_client_talks_to_notes_rs_server_of_lesson_01() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("01_tcp_once", &["notes-server"]);
    n.client("a2_client", server.port, "")
        .succeeds()
        .says("data_from_server :>>>> 你好!我是服务端!('127.0.0.1', ");
    let (ok, lines) = server.finish();
    assert!(ok, "the notes-server failed: {lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l == "from the client: 你好!我是客户端!"),
        "{lines:?}"
    );
}

#[test]
fn c1_client_talks_to_notes_rs_server_of_lesson_01() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("01_tcp_once", &["notes-server"]);
    n.client("c1_client", server.port, "hello\n").succeeds();
    let (ok, lines) = server.finish();
    assert!(ok, "the notes-server failed: {lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("client_addr: 127.0.0.1:")),
        "{lines:?}"
    );
}
