//! Lessons 07 and 08 against clients that do not play fair: a command line longer than one
//! read, a command that leaves a detached process holding the output pipes, a client that
//! sits idle, and one that never reads its answer.
#![cfg(unix)]

mod common;

use common::{example, Running};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::PathBuf;

/// Sends `command` bare (the notes' wire) and reads one `struct.pack('i')` framed answer.
fn ask_07(conn: &mut TcpStream, command: &[u8]) -> Vec<u8> {
    conn.write_all(command).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; i32::from_le_bytes(len) as usize];
    conn.read_exact(&mut body).unwrap();
    body
}

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(common::WAIT)).unwrap();
    conn
}

/// `false && echo AAAA… touch FILE`, cut so that its first 8192 bytes fill the server's
/// read and the rest, ` touch FILE`, would arrive as a command of its own.
fn split_command(file: &std::path::Path) -> Vec<u8> {
    let head = b"false && echo ";
    let mut line = head.to_vec();
    line.resize(8192, b'A');
    line.extend_from_slice(format!(" touch {}", file.display()).as_bytes());
    line
}

fn scratch_file(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("socket-lessons-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn lesson_07_refuses_a_command_that_fills_its_read_and_runs_nothing_of_it() {
    let file = scratch_file("07-split");
    let mut server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    let answer = ask_07(&mut conn, &split_command(&file));
    assert_eq!(
        String::from_utf8(answer).unwrap(),
        "error: the command filled the whole 8192-byte read, so it may go on past it; \
         nothing of it was run, and this connection is closed\n"
    );
    // The connection ends: the tail is never read as a command.
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    server.line_containing("refused, nothing run, closing the connection");
    drop(conn);
    // The next client is served, and the tail never ran.
    let mut next = connect(server.port);
    assert_eq!(ask_07(&mut next, b"echo next"), b"next\n");
    assert!(!file.exists(), "the tail of the line ran as a command");
}

#[test]
fn lesson_08_refuses_a_command_that_fills_its_read_and_runs_nothing_of_it() {
    let file = scratch_file("08-split");
    let mut server = Running::server(example("08_json_header"), &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    conn.write_all(&split_command(&file)).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.contains("nothing of it was run, and this connection is closed"),
        "{text}"
    );
    server.line_containing("refused, nothing run, closing the connection");
    assert!(!file.exists(), "the tail of the line ran as a command");
}

/// Threads and open descriptors of a process, from /proc.
fn threads_and_fds(pid: u32) -> (usize, usize) {
    let count = |what: &str| {
        std::fs::read_dir(format!("/proc/{pid}/{what}"))
            .unwrap()
            .count()
    };
    (count("task"), count("fd"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_detached_background_job_leaks_no_thread_and_no_descriptor() {
    let server = Running::server(
        example("07_remote_cmd"),
        &["server", "--port", "0", "--time-limit", "1"],
    );
    let mut conn = connect(server.port);
    let mut counts = Vec::new();
    for _ in 0..6 {
        // The sleep leaves the process group (setsid) with the output pipes open.
        let answer = ask_07(&mut conn, b"setsid sleep 20 & echo x");
        assert!(
            answer.starts_with(b"x\n"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
        counts.push(threads_and_fds(server.pid()));
    }
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "threads and descriptors grew: {counts:?}"
    );
}

#[test]
fn an_idle_client_is_dropped_at_the_idle_limit_and_the_next_is_served() {
    for lesson in ["07_remote_cmd", "08_json_header"] {
        let mut server = Running::server(
            example(lesson),
            &["server", "--port", "0", "--idle-limit", "2"],
        );
        let _idle = connect(server.port);
        let mut next = connect(server.port);
        next.write_all(b"echo served").unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("served") {
            let n = next.read(&mut buf).unwrap();
            assert!(n > 0, "{lesson}: closed without an answer");
            answer.extend_from_slice(&buf[..n]);
        }
        let line = server.line_containing("waiting for a command");
        assert!(
            line.ends_with("waiting for a command: nothing within 2 s; closing"),
            "{lesson}: {line}"
        );
    }
}

#[test]
fn a_client_that_never_reads_its_answer_holds_the_server_only_for_the_write_limit() {
    let mut server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    // 16 MiB of answer (the output limit), more than the two sockets' buffers hold, and
    // this client reads none of it.
    let mut greedy = connect(server.port);
    greedy.write_all(b"seq 3000000").unwrap();
    greedy.shutdown(Shutdown::Write).unwrap();
    let mut next = connect(server.port);
    assert_eq!(ask_07(&mut next, b"echo next"), b"next\n");
    let line = server.line_containing("took no more of its answer");
    assert!(
        line.ends_with("took no more of its answer within 10 s; closing"),
        "{line}"
    );
    drop(greedy);
}
