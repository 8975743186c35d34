//! Lesson 13's notes.rs: the notes' header-then-body sends in a request/response loop.
//!
//! No program of the notes speaks this wire as a peer: their framed servers (notes A §9.1
//! and §9.2, notes C 方案一 and 方案二, notes D, notes E §8) read a bare command and frame only
//! the answer, their clients send bare commands, and notes C's FTP upload sends one frame,
//! then raw file bytes, and waits for no answer. So notes-server and notes-client are
//! paired with each other and with the course's own server and client; the last two tests
//! show, exactly, what happens with notes C 方案一 instead. No test asserts a time.

use super::*;

const LESSON: &str = "13_nagle_stall";

/// A scratch directory for a test that needs no notes.
fn scratch(test: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("notes_programs")
        .join(test);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// A lesson 13 server (`args`) on a port the OS picks.
fn server_in(dir: &Path, args: &[&str]) -> Running {
    let mut all = args.to_vec();
    all.extend(["--port", "0"]);
    Running::server_in(dir, example(LESSON), &all, &[])
}

/// Runs a lesson 13 client (`args`) against `port` to its end.
fn client_in(dir: &Path, args: &[&str], port: u16) -> Outcome {
    let port = port.to_string();
    let mut all = args.to_vec();
    all.extend(["--port", &port]);
    run(example(LESSON), &all, dir, &[], "")
}

/// Whether `stdout` is exactly the notes-client's ten lines, with `answer(i)` coming back
/// for request i, whatever each took.
fn ten_timed_exchanges(stdout: &str, answer: impl Fn(usize) -> String) -> bool {
    let lines: Vec<&str> = stdout.lines().collect();
    lines.len() == 10
        && lines.iter().enumerate().all(|(at, line)| {
            let i = at + 1;
            let pattern = format!(
                r#"^{i}: sent "echo request {i}", got "{}" back in [0-9]+\.[0-9]{{3}} ms$"#,
                regex::escape(&answer(i))
            );
            regex::Regex::new(&pattern).unwrap().is_match(line)
        })
}

/// The notes-server's two lines for one client: its address, then how it ended.
fn served(server: &mut Running, ending: &str) {
    let first = server.next_line();
    let addr = first
        .strip_prefix("client_addr: ")
        .unwrap_or_else(|| panic!("{first:?}"));
    assert!(addr.starts_with("127.0.0.1:"), "{first:?}");
    assert_eq!(server.next_line(), format!("{addr}{ending}"));
}

#[test]
fn notes_rs_client_of_lesson_13_gets_each_frame_back_from_notes_rs_server() {
    let dir = scratch(here!());
    let mut server = server_in(&dir, &["notes-server"]);
    let out = client_in(&dir, &["notes-client"], server.port);
    out.succeeds();
    assert!(
        ten_timed_exchanges(&out.stdout, |i| format!("echo request {i}")),
        "{}",
        out.stdout
    );
    served(&mut server, " closed after 10 frames");
}

#[test]
fn notes_rs_client_of_lesson_13_gets_answers_from_the_course_server() {
    let dir = scratch(here!());
    let mut server = server_in(&dir, &["server"]);
    let out = client_in(&dir, &["notes-client"], server.port);
    out.succeeds();
    // The course's server answers `echo TEXT` with TEXT.
    assert!(
        ten_timed_exchanges(&out.stdout, |i| format!("request {i}")),
        "{}",
        out.stdout
    );
    let accepted = server.line_containing("accept -> a connection from ");
    let addr = accepted.rsplit(' ').next().unwrap();
    assert_eq!(
        server.next_line(),
        format!("[server] 10 requests answered; {addr} closed the connection")
    );
}

/// Every way of the course's client: its `--writes`, its label, and the kernel's count of
/// the data segments it sent per request, as the client prints it (Linux).
#[cfg(target_os = "linux")]
const WAYS: [(&str, &str, &str); 7] = [
    (
        "two",
        "two writes, Nagle on",
        "[client] TCP_INFO: 2 data segments sent per request\n",
    ),
    (
        "one",
        "one write, Nagle on",
        "[client] TCP_INFO: 1 data segment sent per request\n",
    ),
    (
        "two-nodelay",
        "two writes, TCP_NODELAY",
        "[client] TCP_INFO: 2 data segments sent per request\n",
    ),
    (
        "cork",
        "two writes inside TCP_CORK",
        "[client] TCP_INFO: 1 data segment sent per request\n",
    ),
    (
        "msg-more",
        "header with MSG_MORE, then body",
        "[client] TCP_INFO: 1 data segment sent per request\n",
    ),
    (
        "full-first",
        "two writes, the first a full segment",
        "[client] TCP_INFO: 2 data segments sent per request\n",
    ),
    (
        "short-first",
        "two writes, the first one byte short of a segment",
        "[client] TCP_INFO: 2 data segments sent per request\n",
    ),
];

/// Elsewhere: the three ways every OS has, and no segment count.
#[cfg(not(target_os = "linux"))]
const WAYS: [(&str, &str, &str); 3] = [
    ("two", "two writes, Nagle on", ""),
    ("one", "one write, Nagle on", ""),
    ("two-nodelay", "two writes, TCP_NODELAY", ""),
];

#[test]
fn course_clients_of_lesson_13_get_answers_from_notes_rs_server_every_way() {
    let dir = scratch(here!());
    let mut server = server_in(&dir, &["notes-server"]);
    for (writes, label, segments) in WAYS {
        if !cfg!(target_os = "linux") && segments.starts_with("TCP_INFO") {
            continue;
        }
        let out = client_in(
            &dir,
            &["client", "--writes", writes, "--exchanges", "3"],
            server.port,
        );
        out.succeeds();
        let want = regex::Regex::new(&format!(
            r"^\[client\] {}: [^\n]+\n\[client\] 3 exchanges in [0-9]+\.[0-9]{{3}} ms: [0-9]+\.[0-9]{{3}} ms per exchange \(the first: [0-9]+\.[0-9]{{3}} ms\)\n{}$",
            regex::escape(label),
            regex::escape(segments),
        ))
        .unwrap();
        assert!(want.is_match(&out.stdout), "{}", out.stdout);
        served(&mut server, " closed after 3 frames");
    }
}

// ---- what notes C 方案一 makes of this wire --------------------------------------------

#[test]
fn c_plan1_client_bare_command_is_refused_by_notes_rs_server_of_lesson_13() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server(LESSON, &["notes-server"]);
    // The notes' client sends `echo hello` bare: its first 4 bytes, b"echo", are read as
    // a length, which is refused; the connection closes with 6 bytes unread (a reset).
    n.client("c_plan1_client", server.port, "echo hello\n")
        .ends_with_error("ConnectionResetError");
    served(
        &mut server,
        ": bad frame header 65 63 68 6f: length 1869112165 is over the limit of \
         16777216 bytes, after 0 frames",
    );
}

#[test]
fn c_plan1_server_dies_on_the_header_of_notes_rs_client_of_lesson_13() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_plan1_server");
    // Its recv(1024) takes the 4-byte header, b"\x0e\x00\x00\x00" (with the body or
    // without), for a command: Popen refuses its NUL bytes and the server dies. The
    // client's read fails, whether the end arrives as a close or a reset.
    let out = n.lesson_client(LESSON, &["notes-client"], server.port, "");
    assert!(!out.success && out.stdout.is_empty(), "{}", out.stdout);
    let (ok, lines) = server.finish();
    // Its stdout (the address it printed) and its stderr (the traceback) are two pipes:
    // which of their lines comes last here is the scheduler's choice (seen under load).
    assert!(
        !ok && lines
            .iter()
            .any(|l| l == "stderr: ValueError: embedded null byte"),
        "{lines:?}"
    );
}
