//! The notes' own programs, as the notes wrote them, against the lessons: the interop
//! matrix of docs/README.md, one test per pairing.
//!
//! The repository holds no copy of the notes' code. Each program is extracted from the
//! notes at test time by a recipe in tests/notes_programs/ (notes file, section, code block,
//! and the few substitutions it needs, each with its reason: mostly the port, so that the
//! test can use one the OS gave). tests/notes_programs/extract.py reads the recipe and
//! writes the program into a scratch directory; a substitution whose target is missing
//! fails the test, so a changed notes file is noticed.
//!
//! The notes are read from `../shared/notes` beside the repository, or from where
//! `SOCKET_LESSONS_NOTES` points. Without them, or without `python3`, each test says it is
//! skipped (`skipped: …`) and passes; under `CI=true` it fails instead.
//!
//! Where a notes program cannot pair with a lesson because of its own bug, the test asserts
//! that failure, exactly, and the table in docs/README.md names the bug.

mod common;

use common::{example, notes_or_skip, python_or_skip, Running};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a test needs to run the notes' programs: the interpreter, the notes, and a scratch
/// directory of its own.
struct Notes {
    python: &'static str,
    dir: PathBuf,
    scratch: PathBuf,
}

/// `None` (after a `skipped:` line) when python3 or the notes are missing.
fn notes(test: &str) -> Option<Notes> {
    let python = python_or_skip(test)?;
    let dir = notes_or_skip(test)?;
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("notes_programs")
        .join(test);
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch directory");
    Some(Notes {
        python,
        dir,
        scratch,
    })
}

/// A finished program: what it printed (stderr after stdout) and how it ended.
struct Outcome {
    stdout: String,
    stderr: String,
    success: bool,
}

impl Outcome {
    fn says(&self, text: &str) -> &Self {
        assert!(
            self.stdout.contains(text),
            "expected {text:?} in the output:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    fn ends_with_error(&self, error: &str) -> &Self {
        assert!(
            !self.success
                && self
                    .stderr
                    .trim_end()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .starts_with(error),
            "expected the program to end with {error}; stdout:\n{}\n--- stderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    fn succeeds(&self) -> &Self {
        assert!(
            self.success,
            "the program failed; stdout:\n{}\n--- stderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Runs a program to its end, stdin given, within a time limit that only turns a hang into
/// a failure.
fn run(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    dir: &Path,
    env: &[(&str, &str)],
    stdin: &str,
) -> Outcome {
    let output = snapbox::cmd::Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONUNBUFFERED", "1")
        .stdin(stdin.to_owned())
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run the program");
    Outcome {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        success: output.status.success(),
    }
}

impl Notes {
    /// Extracts the program a recipe names into the scratch directory.
    fn program(&self, recipe: &str) -> PathBuf {
        let out = self.scratch.join(format!("{recipe}.py"));
        let recipes = common::root().join("tests/notes_programs");
        let status = std::process::Command::new(self.python)
            .arg(recipes.join("extract.py"))
            .arg(recipes.join(format!("{recipe}.json")))
            .arg(&self.dir)
            .arg(&out)
            .status()
            .expect("run extract.py");
        assert!(status.success(), "extracting {recipe} failed (see above)");
        out
    }

    /// Starts a notes server on a port the OS picks (its `listening on` / `bound to` line
    /// comes from the extractor's prelude).
    fn server(&self, recipe: &str) -> Running {
        let program = self.program(recipe);
        Running::server_in(
            &self.scratch,
            self.python,
            &[program.to_str().unwrap()],
            &[("NOTES_PORT", "0")],
        )
    }

    /// Runs a notes client against `port` with `stdin` as what the learner types.
    fn client(&self, recipe: &str, port: u16, stdin: &str) -> Outcome {
        let program = self.program(recipe);
        run(
            self.python,
            &[program.to_str().unwrap()],
            &self.scratch,
            &[("NOTES_PORT", &port.to_string())],
            stdin,
        )
    }

    /// Runs a lesson's client against `port`.
    fn lesson_client(&self, lesson: &str, args: &[&str], port: u16, stdin: &str) -> Outcome {
        let port = port.to_string();
        let mut all = args.to_vec();
        all.extend(["--port", &port]);
        run(example(lesson), &all, &self.scratch, &[], stdin)
    }

    /// Starts a lesson's server on a port the OS picks.
    fn lesson_server(&self, lesson: &str, args: &[&str]) -> Running {
        let mut all = args.to_vec();
        all.extend(["--port", "0"]);
        Running::server_in(&self.scratch, example(lesson), &all, &[])
    }
}

/// The test's own name, for the skip line and the scratch directory.
macro_rules! here {
    () => {{
        fn f() {}
        let name = std::any::type_name_of_val(&f);
        name.strip_suffix("::f")
            .unwrap()
            .rsplit("::")
            .next()
            .unwrap()
    }};
}

// ---- notes A ------------------------------------------------------------------------

#[test]
fn a2_server_answers_lesson_01_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a2_server");
    n.lesson_client("01_tcp_once", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"recv(1024) -> "#)
        .says("你好!我是服务端!('127.0.0.1', ");
    let lines = server.stop().join("\n");
    assert!(lines.contains("data_from_client :>>>> hello"), "{lines}");
}

#[test]
fn a2_client_talks_to_lesson_01_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("01_tcp_once", &["server"]);
    n.client("a2_client", server.port, "")
        .succeeds()
        .says("data_from_server :>>>> 你好!我是服务端!127.0.0.1:");
    assert!(server
        .line_containing("5. recv")
        .ends_with(r#"UTF-8 text "你好!我是客户端!""#));
}

/// Whether a notes server ended with the traceback of writing to, or reading from, a
/// connection its client had already closed (which of the two depends on when the
/// client's FIN and the server's next call cross; both are the same missing
/// `if not data: break`).
fn died_of_a_closed_peer(lines: &str) -> bool {
    lines.contains("stderr: BrokenPipeError") || lines.contains("stderr: ConnectionResetError")
}

#[test]
fn a3_server_echoes_lesson_02_client_then_dies_when_it_leaves() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a3_server");
    n.lesson_client("02_tcp_loop", &["client"], server.port, "hello\nq\n")
        .succeeds()
        .says(r#"recv(1024) -> 5 bytes b"HELLO""#);
    // The notes' own bug: no `if not data: break`, so after the client leaves, recv's b''
    // is echoed back to a closed socket and the server ends with a traceback.
    let (ok, lines) = server.finish();
    let lines = lines.join("\n");
    assert!(
        !ok && lines.contains("data_from_client :>>>> hello"),
        "{lines}"
    );
    assert!(died_of_a_closed_peer(&lines), "{lines}");
}

#[test]
fn a3_client_talks_to_lesson_02_server_until_its_input_ends() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["server"]);
    // As written, the client has no way to quit: end of input is an EOFError.
    n.client("a3_client", server.port, "hello\n你好\n")
        .says("data_from_server :>>>> HELLO")
        .says("data_from_server :>>>> 你好")
        .ends_with_error("EOFError");
    server.line_containing("closed");
}

#[test]
fn a4_server_echoes_lesson_02_client_then_dies_when_it_leaves() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a4_server");
    n.lesson_client("02_tcp_loop", &["client"], server.port, "hello\nq\n")
        .succeeds()
        .says(r#"recv(1024) -> 5 bytes b"HELLO""#);
    let (ok, lines) = server.finish();
    let lines = lines.join("\n");
    assert!(!ok && died_of_a_closed_peer(&lines), "{lines}");
}

#[test]
fn a4_client_skips_empty_lines_with_lesson_02_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("a4_client", server.port, "hello\n\nworld\n")
        .says("data_from_server :>>>> HELLO")
        .says("data_from_server :>>>> WORLD")
        .ends_with_error("EOFError");
    server.line_containing("closed");
}

#[test]
fn a6_udp_server_answers_lesson_05_client_once() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a6_server");
    n.lesson_client("05_udp", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"5 bytes b"HELLO""#);
    assert!(
        server.wait_success(),
        "the notes' server answers once and ends"
    );
}

#[test]
fn a6_udp_client_talks_to_lesson_05_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["server"]);
    n.client("a6_client", server.port, "hello\n")
        .succeeds()
        .says("data_from_server :>>>> (b'HELLO', ('127.0.0.1', ");
}

#[test]
fn a7_udp_server_answers_lesson_05_client_in_a_loop() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a7_server");
    n.lesson_client("05_udp", &["client"], server.port, "hello\n你好 udp\n")
        .succeeds()
        .says(r#"5 bytes b"HELLO""#)
        .says(r#"UTF-8 text "你好 UDP""#);
    let lines = server.stop().join("\n");
    assert!(lines.contains("data_from_client :>>>> 你好 udp"), "{lines}");
}

#[test]
fn a7_udp_client_talks_to_lesson_05_server_until_its_input_ends() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["server"]);
    n.client("a7_client", server.port, "hello\n\nworld\n")
        .says("data_from_server :>>>> HELLO")
        .says("data_from_server :>>>> WORLD")
        .ends_with_error("EOFError");
    drop(server);
}

#[test]
fn a8_server_answers_lesson_03_client_with_what_its_operator_types() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("a8_server");
    // The notes' server does not echo: its operator types each answer.
    server.type_line("hi from the notes");
    n.lesson_client("03_conn_loop", &["client"], server.port, "hello\nq\n")
        .succeeds()
        .says(r#"b"hi from the notes""#);
    server.line_containing("data_from_client :>>>> hello");
}

#[test]
fn a8_client_talks_to_lesson_03_server_and_quits_with_q() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("03_conn_loop", &["server"]);
    n.client("a8_client", server.port, "hello\n\n你好\nq\n")
        .succeeds()
        .says("data_from_server :>>>> HELLO")
        .says("data_from_server :>>>> 你好");
    server.line_containing("said q");
}

#[cfg(unix)]
#[test]
fn a91_client_runs_commands_on_lesson_07_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("07_remote_cmd", &["server"]);
    n.client("a91_client", server.port, "echo hello\nseq 3000\nq\n")
        .succeeds()
        .says("6\ndata_from_server :>>>>\n hello\n")
        .says("13893\n");
}

#[cfg(unix)]
#[test]
fn a91_server_answers_lesson_07_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a91_server");
    n.lesson_client(
        "07_remote_cmd",
        &["client"],
        server.port,
        "echo hello\nseq 3000\n",
    )
    .succeeds()
    .says("hello")
    .says("2999\n3000");
    drop(server);
}

#[cfg(unix)]
#[test]
fn a91_client_runs_commands_on_lesson_06_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("06_length_prefix", &["server"]);
    n.client("a91_client", server.port, "echo hello\nq\n")
        .succeeds()
        .says("6\ndata_from_server :>>>>\n hello\n");
}

#[cfg(unix)]
#[test]
fn a91_server_answers_lesson_06_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("a91_server");
    // Outputs that differ from the command lines, so an echo of the request cannot pass.
    n.lesson_client(
        "06_length_prefix",
        &["client"],
        server.port,
        "printf 'a%sb\\n' 12\nprintf 'c%sd\\n' 34\n",
    )
    .succeeds()
    .says("a12b")
    .says("c34d");
    drop(server);
}

/// A file of `len` bytes in a repeating pattern, for the download tests.
fn picture(dir: &Path, name: &str, len: usize) -> Vec<u8> {
    let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join(name), &bytes).unwrap();
    bytes
}

#[test]
fn a92_client_downloads_girl_from_lesson_09_server() {
    let Some(n) = notes(here!()) else { return };
    let served = n.scratch.join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bytes = picture(&served, "girl.png", 5000);
    let server = n.lesson_server(
        "09_file_header",
        &["server", "--dir", served.to_str().unwrap()],
    );
    // 5000 bytes: a size where the notes' `count_data += buffer_size` still ends in time.
    n.client("a92_client", server.port, "girl\nq\n")
        .succeeds()
        .says("data_length_all :>>>> 5000");
    assert_eq!(std::fs::read(n.scratch.join("nb_girl.png")).unwrap(), bytes);
}

#[test]
fn a92_server_serves_lesson_09_download() {
    let Some(n) = notes(here!()) else { return };
    let bytes = picture(&n.scratch, "girl.png", 5000);
    let server = n.server("a92_server");
    let saved = n.scratch.join("saved");
    std::fs::create_dir_all(&saved).unwrap();
    n.lesson_client(
        "09_file_header",
        &["download", "girl", "--dir", saved.to_str().unwrap()],
        server.port,
        "",
    )
    .succeeds();
    assert_eq!(std::fs::read(saved.join("girl.png")).unwrap(), bytes);
}

// ---- notes B ------------------------------------------------------------------------

#[test]
fn b_simple_server_answers_lesson_01_client_with_ziawang() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_simple_server");
    n.lesson_client("01_tcp_once", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"b"helloziawang""#);
    let (ok, lines) = server.finish();
    assert!(ok && lines.contains(&"b'hello'".to_owned()), "{lines:?}");
}

#[test]
fn b_simple_server_with_statement_echoes_lesson_01_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_simple_server_with");
    n.lesson_client("01_tcp_once", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"b"HELLO""#);
    let (ok, lines) = server.finish();
    assert!(
        ok && lines.iter().any(|l| l.starts_with("recv from 127.0.0.1: ")),
        "{lines:?}"
    );
}

#[test]
fn b_simple_client_talks_to_lesson_01_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("01_tcp_once", &["server"]);
    n.client("b_simple_client", server.port, "")
        .succeeds()
        .says("b'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd!");
    assert!(server.line_containing("5. recv").ends_with(r#"b"hello""#));
}

#[test]
fn b_simple_client_loop_talks_to_lesson_02_server_until_its_input_ends() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("b_simple_client_loop", server.port, "hello\n\nworld\n")
        .says(">>>HELLO\n")
        .says(">>>WORLD\n")
        .ends_with_error("EOFError");
}

#[test]
fn b_simple_client_on_port_8081_talks_to_lesson_02_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("b_simple_client_8081", server.port, "hello\n")
        .says(">>>HELLO\n")
        .ends_with_error("EOFError");
}

#[test]
fn b_loop_server_answers_lesson_02_client_with_ziawang() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_loop_server");
    n.lesson_client("02_tcp_loop", &["client"], server.port, "hello\nq\n")
        .succeeds()
        .says(r#"b"helloziawang""#);
    let (ok, lines) = server.finish();
    assert!(ok, "the try/except ends the server quietly: {lines:?}");
}

#[test]
fn b_loop_client_talks_to_lesson_02_server_and_quits_with_quit() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("b_loop_client", server.port, "hello\n\nquit\n")
        .succeeds()
        .says(">>>b'HELLO'\n");
    server.line_containing("closed");
}

#[test]
fn b_connloop_server_serves_lesson_03_clients_one_after_another() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_connloop_server");
    for text in ["one", "two"] {
        n.lesson_client(
            "03_conn_loop",
            &["client"],
            server.port,
            &format!("{text}\nq\n"),
        )
        .succeeds()
        .says(&format!(r#"b"{text}ziawang""#));
    }
    let lines = server.stop().join("\n");
    assert!(lines.contains("b'two'"), "{lines}");
}

#[test]
fn b_connloop_client_talks_to_lesson_03_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("03_conn_loop", &["server"]);
    for _ in 0..2 {
        n.client("b_connloop_client", server.port, "hello\nquit\n")
            .succeeds()
            .says(">>>b'HELLO'\n");
    }
}

#[cfg(unix)]
#[test]
fn b_ssh_server_sends_no_header_so_lesson_07_client_misreads_it() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_ssh_server");
    // The notes' "ssh" sends the raw output: its first 4 bytes, "hell", read as a length.
    let out = n.lesson_client("07_remote_cmd", &["client"], server.port, "echo hello\n");
    assert!(
        !out.success
            && out.stderr.contains(
                "bad frame header 68 65 6c 6c: length 1819043176 is over the limit of 16777216 bytes"
            ),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    drop(server);
}

#[cfg(unix)]
#[test]
fn b_ssh_client_prints_lesson_07_header_as_text() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("07_remote_cmd", &["server"]);
    n.client("b_ssh_client", server.port, "echo hello\n")
        .says(">>\u{6}\0\0\0hello\n")
        .ends_with_error("EOFError");
}

#[test]
fn b_udp_server_answers_lesson_05_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_udp_server");
    n.lesson_client("05_udp", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"5 bytes b"HELLO""#);
    let lines = server.stop().join("\n");
    assert!(lines.contains("b'hello' from ('127.0.0.1', "), "{lines}");
}

#[test]
fn b_udp_client_talks_to_lesson_05_server_empty_lines_too() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["server"]);
    n.client("b_udp_client", server.port, "hello\n\nworld\n")
        .says(">>>HELLO\n>>>\n>>>WORLD\n")
        .ends_with_error("EOFError");
    drop(server);
}

#[test]
fn b_setblocking_server_serves_a_second_lesson_11_client_only_when_the_first_speaks() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_setblocking_server");
    let port = server.port.to_string();
    let client = || {
        Running::spawn_in(
            &n.scratch,
            example("11_concurrent_server"),
            &["client", "--port", &port],
            &[],
        )
    };
    let mut first = client();
    first.type_line("one");
    first.line_containing(r#"b"ONE""#);
    let mut second = client();
    second.type_line("two");
    second.line_containing(r#"send 3 bytes b"two""#);
    // The notes' own bug: on Linux the sockets accept() returns are blocking, whatever the
    // listener is, so the loop sits in the first client's recv. The first client's next
    // line lets the loop reach accept() (the second client joins the list), and only the
    // one after that lets it reach the second client's "two".
    first.type_line("three");
    first.line_containing(r#"b"THREE""#);
    first.type_line("four");
    first.line_containing(r#"b"FOUR""#);
    second.line_containing(r#"b"TWO""#);
}

// ---- notes C ------------------------------------------------------------------------

/// Whether a notes server spins on a connection its client has closed: without `if not
/// data: break`, recv returns b'' at once, for ever, and each turn prints an empty line.
/// 200 empty lines in a row, and it is still going.
fn spins_on_a_closed_connection(server: &mut Running) -> bool {
    let mut empty = 0;
    while empty < 200 {
        if server.next_line().is_empty() {
            empty += 1;
        } else {
            empty = 0;
        }
    }
    true
}

#[test]
fn c1_server_answers_lesson_01_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c1_server");
    n.lesson_client("01_tcp_once", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"5 bytes b"HELLO""#);
    let (ok, lines) = server.finish();
    assert!(ok && lines.contains(&"hello".to_owned()), "{lines:?}");
}

#[test]
fn c1_client_talks_to_lesson_01_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("01_tcp_once", &["server"]);
    n.client("c1_client", server.port, "")
        .succeeds()
        .says("b'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd!");
    assert!(server.line_containing("5. recv").ends_with(r#"b"hello""#));
}

#[test]
fn c2_server_echoes_lesson_02_client_then_spins_when_it_leaves() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("c2_server");
    // End of input: the lesson's client closes without sending q.
    n.lesson_client("02_tcp_loop", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"5 bytes b"HELLO""#);
    server.line_containing("hello");
    assert!(spins_on_a_closed_connection(&mut server));
}

#[test]
fn c2_client_talks_to_lesson_02_server_until_its_input_ends() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("c2_client", server.port, "hello\n你好\n")
        .says(">>> HELLO\n>>> 你好\n")
        .ends_with_error("EOFError");
    server.line_containing("closed");
}

#[test]
fn c3_server_serves_lesson_03_client_then_spins_when_it_leaves() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("c3_server");
    n.lesson_client("03_conn_loop", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"5 bytes b"HELLO""#);
    server.line_containing("hello");
    assert!(spins_on_a_closed_connection(&mut server));
}

#[test]
fn c3_client_talks_to_lesson_03_server_and_quits_with_q() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("03_conn_loop", &["server"]);
    for _ in 0..2 {
        n.client("c3_client", server.port, "hello\nq\n")
            .succeeds()
            .says(">>> HELLO\n>>> ");
        server.line_containing("said q");
    }
}

#[cfg(unix)]
#[test]
fn c_cmd_server_sends_no_header_so_lesson_07_client_misreads_it() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_cmd_server");
    let out = n.lesson_client("07_remote_cmd", &["client"], server.port, "echo hello\n");
    assert!(
        !out.success && out.stderr.contains("bad frame header 68 65 6c 6c"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
}

#[cfg(unix)]
#[test]
fn c_cmd_client_prints_lesson_07_header_as_text() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("07_remote_cmd", &["server"]);
    n.client("c_cmd_client", server.port, "echo hello\n")
        .says(">>>\u{6}\0\0\0hello\n")
        .ends_with_error("EOFError");
    drop(server);
}

#[test]
fn c_udp_server_answers_lesson_05_client_with_hi() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_udp_server");
    n.lesson_client("05_udp", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"2 bytes b"hi""#);
    let (ok, lines) = server.finish();
    assert!(ok && lines.contains(&"b'hello'".to_owned()), "{lines:?}");
}

#[test]
fn c_udp_client_talks_to_lesson_05_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["server"]);
    n.client("c_udp_client", server.port, "")
        .succeeds()
        .says("HELLO ('127.0.0.1', ");
    drop(server);
}

#[test]
fn c_time_server_answers_lesson_12_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_time_server");
    let out = n.lesson_client("12_udp_chat", &["client"], server.port, "%Y\n\n");
    out.succeeds().says(r#"[client] send 2 bytes b"%Y""#);
    let year = regex::Regex::new(r#"recv "[0-9]{4}"\n"#).unwrap();
    let full = regex::Regex::new(r#"recv "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8}"\n"#).unwrap();
    assert!(
        year.is_match(&out.stdout) && full.is_match(&out.stdout),
        "{}",
        out.stdout
    );
    drop(server);
}

#[test]
fn c_time_client_talks_to_lesson_12_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server(
        "12_udp_chat",
        &["server", "--fixed-time", "2021-07-25T22:07:26+08:00"],
    );
    n.client("c_time_client", server.port, "%Y %m %d\n\n%H点%M分\n")
        .says("当前日期： 2021 07 25\n")
        .says("当前日期： 2021-07-25 22:07:26\n")
        .says("当前日期： 22点07分\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn c_plan1_client_runs_commands_on_lesson_07_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("07_remote_cmd", &["server"]);
    n.client("c_plan1_client", server.port, "echo hello\nseq 3000\n")
        .says(">>>hello\n\n>>>1\n2\n")
        .says("2999\n3000\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn c_plan1_server_answers_lesson_07_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_plan1_server");
    n.lesson_client(
        "07_remote_cmd",
        &["client"],
        server.port,
        "echo hello\nseq 3000\n",
    )
    .succeeds()
    .says("hello")
    .says("2999\n3000");
    drop(server);
}

#[cfg(unix)]
#[test]
fn c_plan1_client_runs_commands_on_lesson_06_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("06_length_prefix", &["server"]);
    n.client("c_plan1_client", server.port, "echo hello\n")
        .says(">>>hello\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn c_plan1_server_answers_lesson_06_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_plan1_server");
    // Outputs that differ from the command lines, so an echo of the request cannot pass.
    n.lesson_client(
        "06_length_prefix",
        &["client"],
        server.port,
        "printf 'a%sb\\n' 12\nprintf 'c%sd\\n' 34\n",
    )
    .succeeds()
    .says("a12b")
    .says("c34d");
    drop(server);
}

#[cfg(unix)]
#[test]
fn c_plan2_client_runs_commands_on_lesson_08_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("08_json_header", &["server"]);
    n.client("c_plan2_client", server.port, "echo hello\nseq 3000\n")
        .says(">>>hello\n\n>>>1\n2\n")
        .says("2999\n3000\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn c_plan2_server_placeholder_md5_is_reported_by_lesson_08_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_plan2_server");
    n.lesson_client("08_json_header", &["client"], server.port, "echo hello\n")
        .says(r#"[client] md5 check failed: the header's md5 "fdsaf2143254f" is not an md5 at all (32 hex digits); the body's is b1946ac92492d2347c6235b4d2611184"#);
    drop(server);
}

#[test]
fn c_ftp_client_uploads_to_lesson_09_server() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    let served = n.scratch.join("served");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::create_dir_all(&served).unwrap();
    let bytes = picture(&files, "config", 3000);
    let mut server = n.lesson_server(
        "09_file_header",
        &["server", "--dir", served.to_str().unwrap()],
    );
    let program = n.program("c_ftp_client");
    run(
        n.python,
        &[program.to_str().unwrap()],
        &n.scratch,
        &[
            ("NOTES_PORT", &server.port.to_string()),
            ("NOTES_FILE_DIR", files.to_str().unwrap()),
        ],
        "",
    )
    .succeeds()
    .says("\"filename\": \"config\", \"filesize\": 3000}");
    // The client may end before the server has renamed the file into place: wait for the
    // server's own word that it is saved (its "upload of" line comes before the body).
    server.line_containing("saved \"config\"");
    assert_eq!(std::fs::read(served.join("config")).unwrap(), bytes);
}

#[test]
fn c_ftp_server_receives_lesson_09_upload() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let bytes = picture(&files, "photo.bin", 3000);
    let server = n.server("c_ftp_server");
    let out = n.lesson_client(
        "09_file_header",
        &[
            "upload",
            "--no-verdict-ok",
            files.join("photo.bin").to_str().unwrap(),
        ],
        server.port,
        "",
    );
    out.succeeds().says(
        "[client] the server closed without a verdict (notes C's server sends none): sent, not confirmed",
    );
    let (ok, lines) = server.finish();
    assert!(ok, "{lines:?}");
    assert_eq!(std::fs::read(n.scratch.join("photo.bin")).unwrap(), bytes);
}

// ---- notes D ------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn d_server_placeholder_md5_is_reported_by_lesson_08_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("d_server");
    n.lesson_client("08_json_header", &["client"], server.port, "echo hello\n")
        .says(r#"md5 "xxxxxxxxxxxxxxxxxxx" is not an md5 at all"#);
    drop(server);
}

#[cfg(unix)]
#[test]
fn d_client_runs_commands_on_lesson_08_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("08_json_header", &["server"]);
    n.client("d_client", server.port, "echo hello\n")
        .says("'total_size': 6")
        .says("}\nhello\n")
        .ends_with_error("EOFError");
}

#[test]
fn d_client_cannot_reach_d_server_port_8089_is_not_8090() {
    let Some(n) = notes(here!()) else { return };
    // The notes' own pair, each with its own port shifted by the same amount: the server
    // listens on X (its 8090), the client dials X - 1 (its 8089). The test holds X - 1
    // bound but not listening, so the refusal cannot come from someone else's server.
    let (server, _held) = loop {
        let server = n.server("d_server");
        let below =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{}", server.port - 1).parse().unwrap();
        if below.bind(&addr.into()).is_ok() {
            break (server, below);
        }
    };
    n.client("d_client", server.port - 1, "echo hello\n")
        .ends_with_error("ConnectionRefusedError");
}

// ---- notes E ------------------------------------------------------------------------

#[test]
fn e5_tcp_server_answers_lesson_01_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e5_tcp_server");
    n.lesson_client("01_tcp_once", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"UTF-8 text "嘿嘿嘿""#);
    let (ok, lines) = server.finish();
    assert!(ok && lines.contains(&"hello".to_owned()), "{lines:?}");
}

#[test]
fn e5_reuse_server_answers_lesson_01_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e5_reuse_server");
    n.lesson_client("01_tcp_once", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"UTF-8 text "嘿嘿嘿""#);
    assert!(server.finish().0);
}

#[test]
fn e5_tcp_client_recv_9_cuts_lesson_01_answer_inside_a_character() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("01_tcp_once", &["server"]);
    // The notes' recv(9) fits their own 嘿嘿嘿 exactly; the lesson's longer answer is cut
    // after "你好!" and two bytes of 我, which do not decode.
    n.client("e5_tcp_client", server.port, "")
        .ends_with_error("UnicodeDecodeError: 'utf-8' codec can't decode bytes in position 7-8");
    assert!(server.line_containing("5. recv").contains("嗨!大家好!"));
}

#[test]
fn e5_udp_server_answers_lesson_05_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e5_udp_server");
    n.lesson_client("05_udp", &["client"], server.port, "hello\n")
        .succeeds()
        .says(r#"UTF-8 text "嘿嘿嘿""#);
    assert!(server.finish().0);
}

#[test]
fn e5_udp_client_talks_to_lesson_05_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("05_udp", &["server"]);
    n.client("e5_udp_client", server.port, "")
        .succeeds()
        .says("嗨!大家好! ('127.0.0.1', ");
    drop(server);
}

const NOTES_SALT: &str = "hi, I'm salt.";

#[test]
fn e6_hmac_server_accepts_lesson_10_client_with_the_notes_salt() {
    let Some(n) = notes(here!()) else { return };
    for (secret, verdict) in [(NOTES_SALT, "合法连接"), ("大家好,我是假盐", "连接不合法")]
    {
        let server = n.server("e6_hmac_server");
        let port = server.port.to_string();
        run(
            example("10_hmac_auth"),
            &["client", "--port", &port, "--allow-short-secret"],
            &n.scratch,
            &[("SOCKET_LESSONS_SECRET", secret)],
            "",
        )
        .succeeds()
        .says("(HMAC-MD5, 16 bytes)");
        let (ok, lines) = server.finish();
        assert!(ok && lines.contains(&verdict.to_owned()), "{lines:?}");
    }
}

#[test]
fn e6_hmac_client_is_let_in_by_lesson_10_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server(
        "10_hmac_auth",
        &["server", "--secret", NOTES_SALT, "--allow-short-secret"],
    );
    n.client("e6_hmac_client", server.port, "").succeeds();
    assert!(server
        .line_containing("legitimate")
        .contains("knows the secret"));
}

#[test]
fn e6_hmac_fake_client_is_refused_by_lesson_10_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server(
        "10_hmac_auth",
        &["server", "--secret", NOTES_SALT, "--allow-short-secret"],
    );
    n.client("e6_hmac_fake_client", server.port, "").succeeds();
    assert_eq!(
        server.line_containing("refused"),
        "[server] refused: the answer is not HMAC-MD5(secret, challenge); closing"
    );
}

#[cfg(unix)]
#[test]
fn e8_struct_client_runs_commands_on_lesson_07_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("07_remote_cmd", &["server"]);
    n.client("e8_struct_client", server.port, "echo hello\n")
        .says(">>>hello\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn e8_struct_server_answers_lesson_07_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e8_struct_server");
    n.lesson_client(
        "07_remote_cmd",
        &["client"],
        server.port,
        "echo hello\nseq 3000\n",
    )
    .succeeds()
    .says("hello")
    .says("2999\n3000");
    drop(server);
}

#[cfg(unix)]
#[test]
fn e8_struct_client_runs_commands_on_lesson_06_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("06_length_prefix", &["server"]);
    n.client("e8_struct_client", server.port, "echo hello\n")
        .says(">>>hello\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn e8_struct_server_answers_lesson_06_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e8_struct_server");
    n.lesson_client(
        "06_length_prefix",
        &["client"],
        server.port,
        "printf 'a%sb\\n' 12\nprintf 'c%sd\\n' 34\n",
    )
    .succeeds()
    .says("a12b")
    .says("c34d");
    drop(server);
}

#[cfg(unix)]
#[test]
fn e8_basic_client_and_server_the_notes_recv_ready_round_trip() {
    // 基本思路's protocol (the length as text, then "recv_ready") is no lesson's wire:
    // lesson 06's page explains it as the slower first idea. The notes' pair, run together.
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e8_basic_server");
    n.client("e8_basic_client", server.port, "echo hello\nseq 300\n")
        .says(">>>hello\n")
        .says("299\n300\n")
        .ends_with_error("EOFError");
    drop(server);
}

// ---- chat: notes C qq聊天 and notes E §6 聊天 against lesson 12's peer -----------------

/// A lesson 12 chat peer named bob, on a port the OS picks, knowing `peers`.
fn chat_peer(n: &Notes, peers: &[&str]) -> Running {
    let mut args = vec!["chat", "--name", "bob", "--port", "0"];
    for peer in peers {
        args.extend(["--peer", peer]);
    }
    Running::server_in(&n.scratch, example("12_udp_chat"), &args, &[])
}

/// A notes chat server answered by what its operator types, and lesson 12's peer writing
/// to it: the peer's tagged message is shown whole, the untagged answer comes back.
fn notes_chat_server_talks_with_lesson_12_peer(recipe: &str) {
    let Some(n) = notes(recipe) else { return };
    let mut server = n.server(recipe);
    let mut bob = chat_peer(&n, &[&format!("notes=127.0.0.1:{}", server.port)]);
    bob.type_line("@notes 你好");
    assert!(server.line_containing("的一条消息").contains("[bob] 你好"));
    server.type_line("hi bob");
    assert!(bob
        .line_containing("says \"hi bob\"")
        .contains("no name, says \"hi bob\""));
}

#[test]
fn c_qq_server_talks_with_lesson_12_chat_peer() {
    notes_chat_server_talks_with_lesson_12_peer("c_qq_server");
}

#[test]
fn e6_chat_server_talks_with_lesson_12_chat_peer() {
    notes_chat_server_talks_with_lesson_12_peer("e6_chat_server");
}

/// A notes chat client picks someone (`choice`), writes, and waits for the answer, which
/// lesson 12's peer sends to whoever wrote last.
fn notes_chat_client_talks_with_lesson_12_peer(recipe: &str, choice: &str, sent: &str) {
    let Some(n) = notes(recipe) else { return };
    let mut bob = chat_peer(&n, &[]);
    let program = n.program(recipe);
    let mut client = Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &bob.port.to_string())],
    );
    client.type_line(choice);
    client.type_line("你好");
    assert!(bob
        .line_containing("no name, says")
        .ends_with(&format!("no name, says \"{sent}\"")));
    bob.type_line("hi back");
    assert!(client.line_containing("的").contains("[bob] hi back"));
}

#[test]
fn c_qq_client_talks_with_lesson_12_chat_peer() {
    notes_chat_client_talks_with_lesson_12_peer("c_qq_client", "taibai", "发给taibai: 你好");
}

#[test]
fn e6_chat_client_talks_with_lesson_12_chat_peer() {
    notes_chat_client_talks_with_lesson_12_peer("e6_chat_client", "1", "你好");
}

// ---- notes E §6 文本文件传输 against lesson 09's receiver and sender --------------------

/// A small text file (the notes' receiver writes text, and decodes each 1500-byte chunk on
/// its own: plain ASCII keeps that from cutting a character).
fn text_file(dir: &Path) -> (PathBuf, String) {
    let text: String = (0..200)
        .map(|i| format!("line {i} of the notes' text\n"))
        .collect();
    let path = dir.join("note.txt");
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

#[test]
fn e6_file_receiver_takes_a_file_from_lesson_09_sender() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (path, text) = text_file(&files);
    let mut receiver = n.server("e6_file_receiver");
    receiver.type_line("y"); // its operator accepts the file
    n.lesson_client(
        "09_file_header",
        &["sender", path.to_str().unwrap()],
        receiver.port,
        "",
    )
    .succeeds();
    let (ok, lines) = receiver.finish();
    assert!(
        ok && lines.iter().any(|l| l.contains("文件接收成功!")),
        "{lines:?}"
    );
    // The notes' receiver saves under 'zyk.' + the name, in its working directory.
    assert_eq!(
        std::fs::read_to_string(n.scratch.join("zyk.note.txt")).unwrap(),
        text
    );
}

#[test]
fn e6_file_sender_sends_a_file_to_lesson_09_receiver() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    let received = n.scratch.join("received");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::create_dir_all(&received).unwrap();
    let (path, text) = text_file(&files);
    let receiver = n.lesson_server(
        "09_file_header",
        &["receiver", "--dir", received.to_str().unwrap()],
    );
    let program = n.program("e6_file_sender");
    run(
        n.python,
        &[program.to_str().unwrap()],
        &n.scratch,
        &[
            ("NOTES_PORT", &receiver.port.to_string()),
            ("NOTES_FILE", path.to_str().unwrap()),
        ],
        "",
    )
    .succeeds()
    .says("文件传送成功!");
    assert_eq!(
        std::fs::read_to_string(received.join("note.txt")).unwrap(),
        text
    );
    drop(receiver);
}

// ---- 粘包: the notes' demonstrations, against lesson 04 and against each other --------

#[cfg(unix)]
#[test]
fn c_sticky_cmd_client_gets_seq_output_in_answer_to_the_next_command_from_lesson_04() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("04_sticky_demo", &["server"]);
    // seq 1000 is 3893 bytes; recv(1024) takes 1..283, and the answer to "echo hi" is the
    // rest of seq's output: 粘包, as the notes show it.
    n.client("c_sticky_cmd_client", server.port, "seq 1000\necho hi\n")
        .says("283\n\n>>>284\n285\n")
        .ends_with_error("EOFError");
}

#[cfg(unix)]
#[test]
fn c_sticky_cmd_server_leaks_seq_output_into_lesson_04_clients_next_answer() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_sticky_cmd_server");
    n.lesson_client(
        "04_sticky_demo",
        &["client"],
        server.port,
        "seq 1000\necho hi\n",
    )
    .says(r#"recv(1024) -> 1024 bytes b"284\n285\n"#);
    drop(server);
}

#[cfg(unix)]
#[test]
fn e7_cmd_server_leaks_seq_output_into_lesson_04_clients_next_answer() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("e7_cmd_server");
    n.lesson_client(
        "04_sticky_demo",
        &["client"],
        server.port,
        "seq 1000\necho hi\n",
    )
    .says(r#"recv(1024) -> 1024 bytes b"284\n285\n"#);
    drop(server);
}

#[test]
fn e7_cmd_client_asks_lesson_04_server_for_pwd_for_ever() {
    // The notes' client sends 'pwd' in a loop with no input and no end; lesson 04's server
    // answers each (pwd is not one of its built-in commands). The test stops it.
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("04_sticky_demo", &["server"]);
    let program = n.program("e7_cmd_client");
    let client = Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &server.port.to_string())],
    );
    for _ in 0..3 {
        server.line_containing(r#"b"pwd""#);
    }
    drop(client);
}

/// Runs a notes server and its own client together; returns what the server printed.
fn notes_pair(n: &Notes, server: &str, client: &str) -> Vec<String> {
    let running = n.server(server);
    n.client(client, running.port, "").succeeds();
    let (ok, lines) = running.finish();
    assert!(ok, "{lines:?}");
    lines
}

#[test]
fn b_sticky_pair_two_sends_reach_one_recv_whole_or_in_part() {
    let Some(n) = notes(here!()) else { return };
    let lines = notes_pair(&n, "b_sticky_server", "b_sticky_client");
    // One recv(1024): b'helloziawang' when the two sends merged (the notes' result), b'hello'
    // when the first arrived alone; which one is up to the timing, not the program.
    assert!(
        lines
            .iter()
            .any(|l| l == "b'helloziawang'" || l == "b'hello'"),
        "{lines:?}"
    );
}

#[test]
fn b_sticky_utf8_pair_one_byte_of_a_character_does_not_decode() {
    let Some(n) = notes(here!()) else { return };
    let running = n.server("b_sticky_utf8_server");
    n.client("b_sticky_utf8_client", running.port, "")
        .succeeds()
        .says("b'\\xe4\\xbd\\xa0'");
    let (ok, lines) = running.finish();
    // Its stdout and stderr are read by two threads: the traceback may come between the two
    // prints, so their order is checked on stdout alone.
    let stdout: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("stderr: "))
        .collect();
    let (stdout, lines) = (stdout.join("\n"), lines.join("\n"));
    assert!(!ok && stdout.contains("b'\\xe4'\nb'\\xbd'"), "{lines}");
    assert!(lines.contains("stderr: UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe4"));
}

#[test]
fn b_sticky_sleep_pair_five_seconds_apart_arrive_apart() {
    let Some(n) = notes(here!()) else { return };
    let lines = notes_pair(&n, "b_sticky_sleep_server", "b_sticky_sleep_client");
    assert!(
        lines.ends_with(&["b'hello'".into(), "b'ziawang'".into()]),
        "{lines:?}"
    );
}

#[test]
fn c_sticky_pair_hello_and_world_in_one_recv_or_two() {
    let Some(n) = notes(here!()) else { return };
    let lines = notes_pair(&n, "c_sticky_server", "c_sticky_client");
    let merged = lines.contains(&"1: helloworld".to_owned());
    let apart = lines.contains(&"1: hello".to_owned()) && lines.contains(&"2: world".to_owned());
    assert!(merged || apart, "{lines:?}");
}

#[test]
fn e7_case1_pair_two_small_sends_in_one_recv_or_two() {
    let Some(n) = notes(here!()) else { return };
    let lines = notes_pair(&n, "e7_case1_server", "e7_case1_client");
    let merged = lines.contains(&"--> hi! Everybody is good!".to_owned());
    let apart = lines.contains(&"--> hi! ".to_owned())
        && lines.contains(&"--> Everybody is good!".to_owned());
    assert!(merged || apart, "{lines:?}");
}

#[test]
fn e7_case2_pair_a_short_recv_leaves_the_rest_for_the_next() {
    let Some(n) = notes(here!()) else { return };
    let lines = notes_pair(&n, "e7_case2_server", "e7_case2_client");
    assert!(
        lines.ends_with(&["--> he".into(), "--> i hei hei".into()]),
        "{lines:?}"
    );
}

// ---- notes B: the intermediate versions of 带有通信循环的CS and 加上链接循环的CS --------

#[test]
fn b_loop_server_first_answers_lesson_02_client_then_dies_when_it_leaves() {
    for recipe in ["b_loop_server_first", "b_loop_server_again"] {
        let Some(n) = notes(recipe) else { return };
        let server = n.server(recipe);
        n.lesson_client("02_tcp_loop", &["client"], server.port, "hello\n")
            .succeeds()
            .says(r#"b"helloziawang""#);
        // No try and no `if not data: break`: b'' + b'ziawang' goes to a closed socket.
        let (ok, lines) = server.finish();
        let lines = lines.join("\n");
        assert!(!ok && died_of_a_closed_peer(&lines), "{recipe}: {lines}");
    }
}

#[test]
fn b_loop_client_first_talks_to_lesson_02_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("b_loop_client_first", server.port, "hello\nworld\n")
        .says(">>>b'HELLO'\n>>>b'WORLD'\n")
        .ends_with_error("EOFError");
}

#[test]
fn b_loop_client_stuck_gets_past_recv_with_lesson_02_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("b_loop_client_stuck", server.port, "hello\n")
        .says(">>>卡在recv方法位置\n无法运行到这一句\nb'HELLO'\n")
        .ends_with_error("EOFError");
}

#[test]
fn b_loop_client_skip_talks_to_lesson_02_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("02_tcp_loop", &["server"]);
    n.client("b_loop_client_skip", server.port, "hello\n\nworld\n")
        .says(">>>b'HELLO'\n>>>>>>b'WORLD'\n")
        .ends_with_error("EOFError");
}

#[test]
fn b_connloop_server_single_answers_lesson_03_client() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_connloop_server_single");
    n.lesson_client("03_conn_loop", &["client"], server.port, "hello\nq\n")
        .succeeds()
        .says(r#"b"helloziawang""#);
    let (ok, lines) = server.finish();
    assert!(ok, "the try/except ends it quietly: {lines:?}");
}

#[test]
fn b_connloop_clients_talk_to_lesson_03_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("03_conn_loop", &["server"]);
    n.client("b_connloop_client_first", server.port, "hello\nquit\n")
        .succeeds()
        .says(">>>b'HELLO'\n>>>");
    n.client("b_connloop_client_stuck", server.port, "hello\nquit\n")
        .succeeds()
        .says(">>>我卡在了这儿\n这里的输出不了\nb'HELLO'\n>>>");
}

#[test]
fn b_connloop_server_windows_serves_lesson_03_clients_one_after_another() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("b_connloop_server_windows");
    // Without `if not data: break`, a client that leaves costs one exception, which the
    // try/except turns into the next accept().
    for text in ["one", "two"] {
        n.lesson_client(
            "03_conn_loop",
            &["client"],
            server.port,
            &format!("{text}\n"),
        )
        .succeeds()
        .says(&format!(r#"b"{text}ziawang""#));
    }
    drop(server);
}

// ---- each lesson's notes.rs (`-- notes-server` / `-- notes-client`) against the notes' own
// programs: the notes' program in plain Rust must speak the notes' wire, both ways. ------

#[path = "notes_rs/l00_tcp_states.rs"]
mod l00_tcp_states;

#[path = "notes_rs/l01_tcp_once.rs"]
mod l01_tcp_once;

#[path = "notes_rs/l02_tcp_loop.rs"]
mod l02_tcp_loop;

#[path = "notes_rs/l03_conn_loop.rs"]
mod l03_conn_loop;

#[path = "notes_rs/l04_sticky_demo.rs"]
mod l04_sticky_demo;

#[path = "notes_rs/l05_udp.rs"]
mod l05_udp;

#[path = "notes_rs/l06_length_prefix.rs"]
mod l06_length_prefix;

#[path = "notes_rs/l07_remote_cmd.rs"]
mod l07_remote_cmd;

#[path = "notes_rs/l08_json_header.rs"]
mod l08_json_header;

#[path = "notes_rs/l09_file_header.rs"]
mod l09_file_header;

#[path = "notes_rs/l10_hmac_auth.rs"]
mod l10_hmac_auth;

#[path = "notes_rs/l11_concurrent_server.rs"]
mod l11_concurrent_server;

#[path = "notes_rs/l12_udp_chat.rs"]
mod l12_udp_chat;

#[path = "notes_rs/l13_nagle_stall.rs"]
mod l13_nagle_stall;

// Lesson 14 needs tokio: built with `cargo test --features async`.
#[cfg(feature = "async")]
#[path = "notes_rs/l14_async_tokio.rs"]
mod l14_async_tokio;
