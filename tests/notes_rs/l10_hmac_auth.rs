//! Lesson 10's notes.rs against notes E §6 验证客户端合法性: its server, client and fake
//! client, each paired with the notes' own.

use super::*;

/// What the notes.rs clients print before they send their answer.
const ANSWERING: &str = "answering a 32-byte challenge with 16 bytes of HMAC-MD5";

/// A notes.rs client (`notes-client` or `notes-fake-client`) against the notes' server:
/// the client's line, and the verdict the notes' server prints.
fn notes_rs_client_against_e6_server(n: &Notes, side: &str, verdict: &str) {
    let server = n.server("e6_hmac_server");
    n.lesson_client("10_hmac_auth", &[side], server.port, "")
        .succeeds()
        .says(ANSWERING);
    let (ok, lines) = server.finish();
    assert!(ok, "the notes' server failed: {lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some(verdict), "{lines:?}");
}

#[test]
fn notes_rs_client_of_lesson_10_is_let_in_by_e6_hmac_server() {
    let Some(n) = notes(here!()) else { return };
    notes_rs_client_against_e6_server(&n, "notes-client", "合法连接");
}

#[test]
fn notes_rs_fake_client_of_lesson_10_is_refused_by_e6_hmac_server() {
    let Some(n) = notes(here!()) else { return };
    notes_rs_client_against_e6_server(&n, "notes-fake-client", "连接不合法");
}

/// One of the notes' clients against `notes-server`: the verdict it prints, and then it
/// ends by itself (one client, as in the notes).
fn e6_client_against_notes_rs_server(n: &Notes, recipe: &str, verdict: &str) {
    let server = n.lesson_server("10_hmac_auth", &["notes-server"]);
    n.client(recipe, server.port, "").succeeds();
    let (ok, lines) = server.finish();
    assert!(ok, "the notes-server failed: {lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some(verdict), "{lines:?}");
}

#[test]
fn e6_hmac_client_is_let_in_by_notes_rs_server_of_lesson_10() {
    let Some(n) = notes(here!()) else { return };
    e6_client_against_notes_rs_server(&n, "e6_hmac_client", "legitimate: the client knows the key");
}

#[test]
fn e6_hmac_fake_client_is_refused_by_notes_rs_server_of_lesson_10() {
    let Some(n) = notes(here!()) else { return };
    e6_client_against_notes_rs_server(
        &n,
        "e6_hmac_fake_client",
        "not legitimate: the answer is not HMAC-MD5(key, challenge)",
    );
}
