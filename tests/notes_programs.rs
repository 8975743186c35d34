//! The notes' own programs, as the notes wrote them, against the lessons.
//!
//! Nothing of the notes' code is in this repository: each test extracts its program from
//! the notes at run time (`tests/notes_programs/extract.py`, by the recipe of the same id in
//! `recipes.json`: which set of notes, which section, which code block, and the declared
//! substitutions, each with its reason) and runs it with python3 against the lesson. The
//! notes are looked for in `../shared/notes/` beside the repository, or where
//! `SOCKET_LESSONS_NOTES` points. Without the notes or python3 each test says it was skipped
//! and passes; under `CI=true` it fails.
//!
//! The table of pairings, with what each shows, is in docs/README.md ("The notes' own
//! programs against the lessons").

mod common;

use common::{example, Running, WAIT};
use std::fs;
use std::io::Write;
use std::net::{TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the notes are, or `None` (after saying the test was skipped) when they are not.
fn notes_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("SOCKET_LESSONS_NOTES")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("../shared/notes"));
    if dir.is_dir() {
        return Some(dir);
    }
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the notes are needed for {test}: not found at {} (set SOCKET_LESSONS_NOTES)",
        dir.display()
    );
    let _ = writeln!(
        std::io::stderr(),
        "skipped: the notes were not found at {} ({test})",
        dir.display()
    );
    None
}

/// A scratch directory for one test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "socket-lessons-notes-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// What a notes program needs: python3, the notes, a scratch directory, and the program
/// extracted into it. `None` when the test is skipped.
struct Notes {
    python: &'static str,
    dir: PathBuf,
    scratch: Scratch,
}

impl Notes {
    fn new(test: &str) -> Option<Notes> {
        let python = common::python3()?;
        let dir = notes_dir()?;
        Some(Notes {
            python,
            dir,
            scratch: Scratch::new(test),
        })
    }

    /// Extracts the program of recipe `id` into the scratch directory.
    fn extract(&self, id: &str) -> PathBuf {
        let out = self.scratch.0.join(format!("{id}.py"));
        let run = Command::new(self.python)
            .arg(common::root().join("tests/notes_programs/extract.py"))
            .arg(&self.dir)
            .arg(common::root().join("tests/notes_programs/recipes.json"))
            .arg(id)
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "extracting {id} from the notes failed: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        out
    }

    /// Runs the notes program `id` as a client to `port`, with `stdin`, bounded.
    fn client(&self, id: &str, port: u16, stdin: &str) -> (Option<i32>, String, String) {
        let program = self.extract(id);
        let out = snapbox::cmd::Command::new(self.python)
            .arg(&program)
            .current_dir(&self.scratch.0)
            .env("NOTES_PORT", port.to_string())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(stdin.to_owned())
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Starts the notes program `id` as a server on a free port, its stdin from `stdin`,
    /// its output into a file; returns once it is bound.
    fn server(&self, id: &str, udp: bool, stdin: &str) -> NotesServer {
        let program = self.extract(id);
        let port = free_port(udp);
        let log = self.scratch.0.join(format!("{id}.log"));
        let mut child = Command::new(self.python)
            .arg(&program)
            .current_dir(&self.scratch.0)
            .env("NOTES_PORT", port.to_string())
            .env("PYTHONUNBUFFERED", "1")
            .stdin(Stdio::piped())
            .stdout(fs::File::create(&log).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let deadline = Instant::now() + WAIT;
        while !bound(port, udp) {
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the notes' {id} did not bind port {port}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        NotesServer { child, port, log }
    }
}

/// A port nobody uses now (the OS picks it; it is free again when this returns).
fn free_port(udp: bool) -> u16 {
    if udp {
        UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    } else {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }
}

/// Whether something is bound to `port`: binding it ourselves fails. (Not a connect: the
/// notes' one-client servers would take the probe for their client.)
fn bound(port: u16, udp: bool) -> bool {
    if udp {
        UdpSocket::bind(("127.0.0.1", port)).is_err()
    } else {
        TcpListener::bind(("127.0.0.1", port)).is_err()
    }
}

struct NotesServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl NotesServer {
    /// What it printed so far.
    fn output(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits (bounded) until its output contains `needle`.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let out = self.output();
            if out.contains(needle) {
                return out;
            }
            assert!(
                Instant::now() < deadline,
                "{needle:?} never printed:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for NotesServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a lesson's side against a port, with stdin; bounded.
fn lesson(name: &str, args: &[&str], port: u16, stdin: &str) -> (bool, String) {
    let out = snapbox::cmd::Command::new(example(name))
        .args(args.iter().copied())
        .args(["--port", &port.to_string()])
        .stdin(stdin.to_owned())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The notes' loop clients read `input()` until it fails: at the end of a test's input they
/// stop with EOFError (their own missing end-of-input handling), after printing every
/// answer. That exit is expected; anything else is not.
fn ended_at_end_of_input(code: Option<i32>, stderr: &str) -> bool {
    code == Some(0) || (code == Some(1) && stderr.contains("EOFError"))
}

// ---------------------------------------------------------------------------------------
// Notes A
// ---------------------------------------------------------------------------------------

#[test]
fn notes_a2_server_answers_lesson_01s_client() {
    let Some(notes) = Notes::new("a2s") else {
        return;
    };
    let server = notes.server("A2-server", false, "");
    let (ok, out) = lesson("01_tcp_once", &["client"], server.port, "hello\n");
    assert!(ok, "{out}");
    assert!(
        out.contains("UTF-8 text \"你好!我是服务端!('127.0.0.1', "),
        "{out}"
    );
    server.wait_for("data_from_client :>>>> hello");
}

#[test]
fn notes_a2_client_gets_its_answer_from_lesson_01s_server() {
    let Some(notes) = Notes::new("a2c") else {
        return;
    };
    let server = Running::server(example("01_tcp_once"), &["server", "--port", "0"]);
    let (code, out, err) = notes.client("A2-client", server.port, "");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("data_from_server :>>>> 你好!我是服务端!127.0.0.1:"),
        "{out}"
    );
}

/// Notes A §3 and §4's echo servers against lesson 02's client. Both upper-case; neither
/// checks for `recv` returning `b''`, so after the client leaves they spin (the notes' own
/// bug, lesson 02's page): the test ends them.
fn notes_a_echo_server_answers_lesson_02s_client(id: &str) {
    let Some(notes) = Notes::new(id) else { return };
    let server = notes.server(id, false, "");
    let (ok, out) = lesson("02_tcp_loop", &["client"], server.port, "hello\nworld\nq\n");
    assert!(ok, "{out}");
    assert!(out.contains(r#"recv(1024) -> 5 bytes b"HELLO""#), "{out}");
    assert!(out.contains(r#"recv(1024) -> 5 bytes b"WORLD""#), "{out}");
}

#[test]
fn notes_a3_server_answers_lesson_02s_client() {
    notes_a_echo_server_answers_lesson_02s_client("A3-server");
}

#[test]
fn notes_a4_server_answers_lesson_02s_client() {
    notes_a_echo_server_answers_lesson_02s_client("A4-server");
}

fn notes_a_echo_client_is_answered_by_lesson_02s_server(id: &str, stdin: &str) {
    let Some(notes) = Notes::new(id) else { return };
    let mut server = Running::server(example("02_tcp_loop"), &["server", "--port", "0"]);
    let (code, out, err) = notes.client(id, server.port, stdin);
    assert!(ended_at_end_of_input(code, &err), "{code:?} {out}{err}");
    assert!(out.contains("data_from_server :>>>> HELLO"), "{out}");
    assert!(out.contains("data_from_server :>>>> WORLD"), "{out}");
    server.line_containing("closed the connection");
}

#[test]
fn notes_a3_client_is_answered_by_lesson_02s_server() {
    notes_a_echo_client_is_answered_by_lesson_02s_server("A3-client", "hello\nworld\n");
}

#[test]
fn notes_a4_client_is_answered_by_lesson_02s_server() {
    // §4's client skips the empty line that would hang §3's.
    notes_a_echo_client_is_answered_by_lesson_02s_server("A4-client", "hello\n\nworld\n");
}

#[test]
fn notes_a6_and_a7_udp_servers_answer_lesson_05s_client() {
    for (id, lines, answers) in [
        ("A6-server", "hello\nq\n", 1),
        ("A7-server", "hello\nworld\nq\n", 2),
    ] {
        let Some(notes) = Notes::new(id) else { return };
        let server = notes.server(id, true, "");
        let (ok, out) = lesson("05_udp", &["client"], server.port, lines);
        assert!(ok, "{id}: {out}");
        assert!(out.contains(r#": 5 bytes b"HELLO""#), "{id}: {out}");
        if answers == 2 {
            assert!(out.contains(r#": 5 bytes b"WORLD""#), "{id}: {out}");
        }
    }
}

#[test]
fn notes_a6_and_a7_udp_clients_are_answered_by_lesson_05s_server() {
    for (id, lines) in [("A6-client", "hello\n"), ("A7-client", "hello\nworld\n")] {
        let Some(notes) = Notes::new(id) else { return };
        let server = Running::server(example("05_udp"), &["server", "--port", "0"]);
        let (code, out, err) = notes.client(id, server.port, lines);
        assert!(
            ended_at_end_of_input(code, &err),
            "{id}: {code:?} {out}{err}"
        );
        assert!(out.contains("HELLO"), "{id}: {out}");
    }
}

#[test]
fn notes_a8_server_types_its_answers_to_lesson_03s_client() {
    let Some(notes) = Notes::new("a8s") else {
        return;
    };
    // Notes A §8's server answers with whatever its user types: here, its stdin.
    let server = notes.server("A8-server", false, "first answer\nsecond answer\n");
    let (ok, out) = lesson(
        "03_conn_loop",
        &["client"],
        server.port,
        "hello\nworld\nq\n",
    );
    assert!(ok, "{out}");
    assert!(out.contains(r#"b"first answer""#), "{out}");
    assert!(out.contains(r#"b"second answer""#), "{out}");
    server.wait_for("data_from_client :>>>> world");
}

#[test]
fn notes_a8_client_is_answered_by_lesson_03s_server_and_quits_with_q() {
    let Some(notes) = Notes::new("a8c") else {
        return;
    };
    let mut server = Running::server(example("03_conn_loop"), &["server", "--port", "0"]);
    let (code, out, err) = notes.client("A8-client", server.port, "hello\n\nq\n");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("data_from_server :>>>> HELLO"), "{out}");
    server.line_containing("said q");
}

#[cfg(unix)]
#[test]
fn notes_a91_command_server_answers_lesson_07s_client() {
    let Some(notes) = Notes::new("a91s") else {
        return;
    };
    let server = notes.server("A91-server", false, "");
    let (ok, out) = lesson("07_remote_cmd", &["client"], server.port, "echo hi\nq\n");
    assert!(ok, "{out}");
    assert!(out.contains("hi\n"), "{out}");
    server.wait_for("data_from_client :>>>> echo hi");
}

#[cfg(unix)]
#[test]
fn notes_a91_client_is_answered_by_lesson_07s_server() {
    let Some(notes) = Notes::new("a91c") else {
        return;
    };
    let _server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    let port = _server.port;
    let (code, out, err) = notes.client("A91-client", port, "echo hi\nq\n");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("data_from_server :>>>>\n hi\n"), "{out}");
}

#[test]
fn notes_a92_download_client_types_girl_and_gets_girl_png_from_lesson_09() {
    let Some(notes) = Notes::new("a92c") else {
        return;
    };
    let served = notes.scratch.0.join("served");
    fs::create_dir(&served).unwrap();
    // Under 1024 bytes: the notes' client counts 1024 per recv whatever arrived, so a
    // larger file can end its loop early (its own bug, lesson 09's page).
    let png: Vec<u8> = (0..600u32).map(|i| (i * 7) as u8).collect();
    fs::write(served.join("girl.png"), &png).unwrap();
    let server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", served.to_str().unwrap()],
    );
    let (code, out, err) = notes.client("A92-client", server.port, "girl\nq\n");
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(!out.contains("文件已损坏"), "{out}");
    assert_eq!(fs::read(notes.scratch.0.join("nb_girl.png")).unwrap(), png);
}

#[test]
fn notes_a92_download_server_serves_lesson_09s_client() {
    let Some(notes) = Notes::new("a92s") else {
        return;
    };
    let png: Vec<u8> = (0..5000u32).map(|i| (i * 13) as u8).collect();
    // The notes' server reads NAME + '.png' beside itself.
    fs::write(notes.scratch.0.join("girl.png"), &png).unwrap();
    let server = notes.server("A92-server", false, "");
    let saved = notes.scratch.0.join("saved");
    fs::create_dir(&saved).unwrap();
    let (ok, out) = lesson(
        "09_file_header",
        &["download", "--dir", saved.to_str().unwrap(), "girl"],
        server.port,
        "",
    );
    assert!(ok, "{out}");
    assert_eq!(fs::read(saved.join("girl.png")).unwrap(), png);
}
