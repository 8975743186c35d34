//! Lesson 00's notes.rs (notes A §1's phone model, in notes E §5's code) against notes E §5.

use super::*;

#[test]
fn notes_rs_client_of_lesson_00_calls_e5_tcp_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e5_tcp_server");
    let out = n.lesson_client("00_tcp_states", &["notes-client"], server.port, "");
    assert!(out.success, "{}", out.stderr);
    assert_eq!(out.stdout, "from the server: 嘿嘿嘿\n");
    // The notes' server prints what it heard, hangs up and switches off: it ends by itself.
    let (ok, lines) = server.finish();
    assert!(ok, "{lines:?}");
    assert_eq!(lines[1..], ["嗨!大家好!"]);
}

#[test]
fn e5_tcp_client_calls_notes_rs_server_of_lesson_00() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("00_tcp_states", &["notes-server"]);
    // The notes' recv(9) decodes only if the answer is exactly the 9 bytes of 嘿嘿嘿.
    let out = n.client("e5_tcp_client", server.port, "");
    assert!(out.success, "{}", out.stderr);
    assert_eq!(out.stdout, "嘿嘿嘿\n");
    let (ok, lines) = server.finish();
    assert!(ok, "{lines:?}");
    assert_eq!(lines[1..], ["from the client: 嗨!大家好!"]);
}
