//! `--idle-limit`: a client that connects and then says nothing no longer holds a
//! one-at-a-time server for everyone. Lessons 06 and 10 here (07, 08 and 09 have theirs in
//! hostile_commands.rs and hostile_files.rs).

mod common;

use common::{example, Running, WAIT};
use socket_lessons::auth::{Digest, CHALLENGE_LEN, LEGITIMATE};
use std::io::{Read, Write};
use std::net::TcpStream;

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(WAIT)).unwrap();
    conn
}

#[test]
fn lesson_06_serves_a_second_client_while_the_first_sits_idle() {
    let mut server = Running::server(
        example("06_length_prefix"),
        &["server", "--port", "0", "--idle-limit", "2"],
    );
    let _idle = connect(server.port);
    let mut next = connect(server.port);
    next.write_all(b"\x07\x00\x00\x00echo hi").unwrap();
    let mut answer = [0u8; 7];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"\x03\x00\x00\x00hi\n");
    let line = server.line_containing("waiting for a frame");
    assert!(
        line.ends_with("waiting for a frame: nothing within 2 s; closing"),
        "{line}"
    );
}

#[test]
fn lesson_06_drops_a_client_that_stops_in_the_middle_of_a_frame() {
    let mut server = Running::server(example("06_length_prefix"), &["server", "--port", "0"]);
    // A header for 100 bytes, 5 of them, and then nothing: not idle, stalled mid-message.
    let mut stalled = connect(server.port);
    stalled.write_all(b"\x64\x00\x00\x00hello").unwrap();
    let line = server.line_containing("the rest of a frame");
    assert!(
        line.ends_with(
            "the rest of a frame: nothing within 10 s; the message is incomplete, closing"
        ),
        "{line}"
    );
}

#[test]
fn lesson_10_closes_a_checked_client_that_goes_quiet_and_serves_the_next() {
    let secret = "idle test secret";
    let mut server = Running::server_with_env(
        example("10_hmac_auth"),
        &["server", "--port", "0", "--idle-limit", "2"],
        &[("SOCKET_LESSONS_SECRET", secret)],
    );
    let pass = |conn: &mut TcpStream| {
        let mut challenge = [0u8; CHALLENGE_LEN];
        conn.read_exact(&mut challenge).unwrap();
        conn.write_all(&Digest::Md5.answer(secret.as_bytes(), &challenge))
            .unwrap();
        let mut verdict = [0u8; 1];
        conn.read_exact(&mut verdict).unwrap();
        assert_eq!(verdict[0], LEGITIMATE);
    };
    // Checked, then silent.
    let mut quiet = connect(server.port);
    pass(&mut quiet);
    let mut next = connect(server.port);
    pass(&mut next);
    next.write_all(b"hello").unwrap();
    let mut answer = [0u8; 5];
    next.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HELLO");
    let line = server.line_containing("sent nothing within");
    assert!(
        line.ends_with("sent nothing within 2 s: closing this connection"),
        "{line}"
    );
}
