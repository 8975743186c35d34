//! Lesson 00 in two terminals: the server and the client each print their own socket's TCP
//! state as the kernel reports it (Linux only: elsewhere the states are not observable).
#![cfg(target_os = "linux")]

mod common;

use common::{example, Running};
use std::io::Read;
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn server_and_client_print_each_step_of_the_handshake_and_the_teardown() {
    let mut server = Running::server(example("00_tcp_states"), &["server", "--port", "0"]);
    assert_eq!(server.next_line(), "[server] my listening socket: LISTEN");

    // The client types only once the server has printed its end's state after accept, as
    // a person in the other terminal would: otherwise, on a busy machine, the client may
    // send and close before the server looks, and the server would rightly see CLOSE_WAIT.
    let mut client = Running::spawn(
        example("00_tcp_states"),
        &["client", "--port", &server.port.to_string()],
    );
    let connected = client.next_line();
    assert!(
        connected.starts_with("[client] connected 127.0.0.1:")
            && connected.ends_with(": my end is ESTABLISHED"),
        "{connected}"
    );
    server.line_containing("accept -> a connection from");
    assert_eq!(server.next_line(), "[server] my end of it: ESTABLISHED");
    for line in ["hello", "", "world", "q"] {
        client.type_line(line);
    }
    client.close_stdin();
    let (ok, lines) = client.finish();
    assert!(ok, "{lines:?}");
    assert_eq!(lines[1], r#"[client] send 5 bytes b"hello""#, "{lines:?}");
    assert_eq!(lines[2], r#"[client] send 5 bytes b"world""#, "{lines:?}");
    // Our server reads 0 and closes at once, so by the time the client looks, its end has
    // passed FIN_WAIT2 (or is just leaving it) for TIME_WAIT, the state of the side that
    // closed first.
    assert!(
        lines.last().unwrap().ends_with("my end: TIME_WAIT"),
        "{lines:?}"
    );
    assert!(server
        .line_containing("closed; my end is")
        .ends_with("CLOSE_WAIT"));
    assert_eq!(
        server.next_line(),
        "[server] closed; my end: gone (no longer in the kernel's table)"
    );
}

/// A server that never closes its end (a program that never reads 0): the client, which
/// closed first, stays in FIN_WAIT2 and says why.
#[test]
fn a_client_whose_server_never_closes_stays_in_fin_wait2_and_says_why() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        // Read what comes, never close: the connection is dropped only when the client's
        // test is over and this thread ends.
        let mut all = Vec::new();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let _ = conn.read_to_end(&mut all);
        (conn, all)
    });
    snapbox::cmd::Command::new(example("00_tcp_states"))
        .args(["client", "--port", &port.to_string()])
        .stdin("hi\n")
        .timeout(Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .success()
        .stdout_eq(
            r#"[client] connected 127.0.0.1:[PORT] -> 127.0.0.1:[PORT]: my end is ESTABLISHED
[client] send 2 bytes b"hi"
[client] closed; my end: FIN_WAIT2
[client] still FIN_WAIT2: the server has not closed its end (its program has not read 0 and closed)
"#,
        );
    let (_conn, got) = holder.join().unwrap();
    assert_eq!(got, b"hi");
}

/// The ACK of a FIN is a delayed ACK on Linux, as the kernel itself measures it: the demo's
/// scene 9 reads the FIN's round-trip sample from TCP_INFO (the kernel's clock, from the
/// FIN's transmission to the ACK that covered it), so a busy machine can only make it
/// longer, never shorter. An ACK sent at once takes microseconds on loopback.
#[test]
fn the_ack_of_a_fin_comes_at_least_20_ms_later_by_the_kernel_s_own_clock() {
    let output = std::process::Command::new(example("00_tcp_states"))
        .env("LANG", "C")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let line = stdout
        .lines()
        .find(|l| l.contains("the kernel's own round-trip sample for my FIN: "))
        .unwrap_or_else(|| panic!("no FIN round-trip line in:\n{stdout}"));
    let sample: f64 = line
        .split("the kernel's own round-trip sample for my FIN: ")
        .nth(1)
        .and_then(|rest| rest.split(" ms").next())
        .and_then(|ms| ms.parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"));
    assert!(
        sample >= 20.0,
        "the FIN was ACKed after {sample} ms: {line}"
    );
    assert!(
        stdout.contains("the server's kernel held back the ACK of my FIN"),
        "{stdout}"
    );
}
