//! Helpers shared by the integration tests: the lessons' real binaries, port masking, and
//! server processes whose output is read line by line with a time limit on every wait.
#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long any single wait in a test may take before it fails with a message. Generous:
/// it only turns a hang into a failure, it is never the thing under test.
pub const WAIT: Duration = Duration::from_secs(30);

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of a lesson's example binary: the one `cargo test` itself built into
/// `target/<profile>/examples/` (beside this test's own binary in `target/<profile>/deps/`),
/// with no second build into another target folder.
///
/// Once per test binary it runs `cargo build --examples` in the same target folder and
/// profile, which does nothing when `cargo test` has just built them, and builds what is
/// missing or stale when only this test was asked for (`cargo test --test transcripts`
/// builds no example by itself).
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    let dir = BUILT.get_or_init(|| {
        // …/target/debug/deps/transcripts-0123abcd → …/target/debug
        let exe = std::env::current_exe().expect("the test's own path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary sits in target/<profile>/deps")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .current_dir(root())
            .args(["build", "--quiet", "--examples"])
            // The examples that need a feature (lesson 14: `async`) are built when this
            // test was, so that `cargo test --features async --test X` runs them fresh.
            .args(if cfg!(feature = "async") {
                &["--features", "async"][..]
            } else {
                &[][..]
            })
            // The folder above target/<profile>: the target folder cargo test used.
            .env(
                "CARGO_TARGET_DIR",
                profile_dir.parent().expect("target folder"),
            );
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build --examples");
        assert!(
            status.success(),
            "cargo build --examples failed (see above)"
        );
        profile_dir.join("examples")
    });
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "no example named {name} ({})",
        path.display()
    );
    path
}

/// The locale every program a test starts runs in, unless the test says otherwise: the
/// lessons speak the language the locale asks for (`LANG=zh_CN.UTF-8` → Chinese), and a
/// test must not change its outcome with the shell it was started from. A UTF-8 locale, so
/// that Python peers print what they print anyway.
pub const PINNED_LOCALE: &str = "C.UTF-8";

/// A snapbox command for `program`, in the [`PINNED_LOCALE`].
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> snapbox::cmd::Command {
    snapbox::cmd::Command::new(program).env("LC_ALL", PINNED_LOCALE)
}

/// What a finished program printed, its stdout then its stderr, as text: for `contains`
/// checks and for the message of a failing assertion.
pub fn printed(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A std command for `program`, in the [`PINNED_LOCALE`].
pub fn std_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env("LC_ALL", PINNED_LOCALE);
    command
}

/// What the expected files mask, and nothing else:
/// - ports: `127.0.0.1:41234` and `[::1]:41234` become `127.0.0.1:[PORT]` and `[::1]:[PORT]`;
/// - lesson 10's random challenge and the answers computed from it, shown as their first
///   8 bytes in hex: `challenge 3f…` becomes `challenge [NONCE]…`, `answer 9a…`
///   becomes `answer [HMAC]…` (in Chinese `挑战 [NONCE]…`, `应答 [HMAC]…`);
/// - measured durations, which the lessons print with decimals (`197.0 ms`, `0.017 ms`):
///   they become `[MS] ms`. Whole numbers (`300 ms`, a set limit) stay;
/// - measured ratios (`2552.5×`), which become `[RATIO]×`.
pub fn redactions() -> snapbox::Redactions {
    let mut r = snapbox::Redactions::new();
    let mut mask = |placeholder: &'static str, pattern: &str| {
        r.insert(placeholder, regex::Regex::new(pattern).unwrap())
            .unwrap();
    };
    mask(
        "[PORT]",
        r"(?:127\.0\.0\.1|\[::1\]):(?<redacted>[0-9]{1,5})",
    );
    mask("[NONCE]", r"(?:challenge|挑战) (?<redacted>[0-9a-f]{16})…");
    mask("[HMAC]", r"(?:answer|应答) (?<redacted>[0-9a-f]{16})…");
    mask("[MS]", r"\b(?<redacted>[0-9]+\.[0-9]+) ms\b");
    mask("[RATIO]", r"\b(?<redacted>[0-9]+\.[0-9]+)×");
    r
}

/// snapbox assertions with those masks; `SNAPSHOTS=overwrite cargo test` rewrites the
/// expected files.
pub fn assert() -> snapbox::Assert {
    snapbox::Assert::new()
        .redact_with(redactions())
        .action_env("SNAPSHOTS")
        // Transcripts are full of `\xe4` escapes, not Windows paths: keep backslashes.
        .normalize_paths(false)
}

/// A program running in the background (a server, or an interactive client), its stdout
/// read line by line, every wait bounded by [`WAIT`].
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    pub port: u16,
    pub stdin: Option<ChildStdin>,
}

impl Running {
    /// Starts `program args…` as a server: waits for its first line containing
    /// `listening on` (TCP) or `bound to` (UDP) and takes the port from the end of it.
    pub fn server(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Running {
        Running::server_with_env(program, args, &[])
    }

    /// [`Running::server`] with extra environment variables.
    pub fn server_with_env(
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Running {
        let server = Running::spawn_with_env(program, args, env);
        server.until_listening()
    }

    /// A server started from `command` as it is set up (a `pre_exec`, limits), with piped
    /// stdin and stdout: [`Running::server`] for what the other constructors cannot say.
    #[allow(dead_code)]
    pub fn server_command(mut command: Command) -> Running {
        command
            .env("LC_ALL", PINNED_LOCALE)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {:?}: {e}", command.get_program()));
        Running::reading(child).until_listening()
    }

    fn until_listening(self) -> Running {
        let mut server = self;
        let first = loop {
            let line = server.next_line();
            if line.contains("listening on") || line.contains("bound to") {
                break line;
            }
        };
        let port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        server.port = port;
        server
    }

    /// Starts `program args…` with piped stdin and stdout.
    pub fn spawn(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Running {
        Running::spawn_with_env(program, args, &[])
    }

    /// [`Running::spawn`] with extra environment variables.
    pub fn spawn_with_env(
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Running {
        let child = Command::new(&program)
            .args(args)
            .env("LC_ALL", PINNED_LOCALE)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .env("PYTHONUNBUFFERED", "1")
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}",
                    Path::new(program.as_ref()).display()
                )
            });
        Running::reading(child)
    }

    fn reading(mut child: Child) -> Running {
        let stdout = child.stdout.take().unwrap();
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            port: 0,
            stdin,
        }
    }

    /// Writes to the program's stdin.
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("stdin is open");
        writeln!(stdin, "{line}").expect("write to stdin");
        stdin.flush().unwrap();
    }

    /// Closes the program's stdin (end of input, like Ctrl-D).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next line of output, or a failure naming what was seen so far.
    pub fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(WAIT) {
            Ok(line) => {
                self.seen.push(line.clone());
                line
            }
            Err(RecvTimeoutError::Timeout) => panic!(
                "the program printed nothing new within {WAIT:?}; so far:\n{}",
                self.seen.join("\n")
            ),
            Err(RecvTimeoutError::Disconnected) => panic!(
                "the program's output ended; so far:\n{}",
                self.seen.join("\n")
            ),
        }
    }

    /// Skips lines up to and including the first that contains `needle`.
    pub fn line_containing(&mut self, needle: &str) -> String {
        loop {
            let line = self.next_line();
            if line.contains(needle) {
                return line;
            }
        }
    }

    /// A line containing `needle` among those printed so far and those waiting to be
    /// read, without waiting for more: for watching two programs at once.
    pub fn has_printed(&mut self, needle: &str) -> Option<String> {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.iter().find(|l| l.contains(needle)).cloned()
    }

    /// Everything printed so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// The process id (to send it a signal).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kills the process at once (SIGKILL on Unix: nothing of it runs any more) and waits
    /// for it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to exit by itself (bounded) and returns its exit code
    /// (`None` when a signal ended it).
    pub fn wait_code(mut self) -> Option<i32> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit within {WAIT:?}; output:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the process to exit by itself (bounded) and returns whether it succeeded,
    /// collecting the rest of its output.
    pub fn wait_success(mut self) -> bool {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.seen.push(line);
                }
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit within {WAIT:?}; output:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `python3`, for the tests that put a Python program on one side. Python is optional for
/// a learner's `cargo test`: without it, each such test prints one line, `skipped: python3
/// not found (TEST)`, and passes. In CI (`CI=true`) a missing python3 fails the test: the
/// interop is part of what CI checks.
pub fn python3() -> Option<&'static str> {
    let test = std::thread::current()
        .name()
        .unwrap_or("this test")
        .to_owned();
    python_or_skip(&test)
}

/// A Python peer under tests/peers/.
pub fn peer(file: &str) -> String {
    root()
        .join("tests/peers")
        .join(file)
        .to_string_lossy()
        .into_owned()
}

/// Whether this run must not skip anything: CI sets `CI=true`.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Says on one line that `test` is skipped and why, so `cargo test` shows what it did not
/// check; under `CI=true` a skip is a failure instead.
pub fn skip(test: &str, why: &str) {
    assert!(
        !in_ci(),
        "{test}: {why}, and CI=true does not allow skipping"
    );
    // Straight to stderr, not eprintln!: the test harness captures what the macros print
    // for a test that passes, and this line is meant to be seen.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why} ({test})");
}

/// `python3` if it runs, else `None` after saying the test is skipped (a failure under
/// `CI=true`). Every interop test starts with this, so that a machine without Python still
/// runs the rest of `cargo test`.
pub fn python_or_skip(test: &str) -> Option<&'static str> {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        Command::new("python3")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found {
        Some("python3")
    } else {
        skip(test, "python3 not found");
        None
    }
}

/// The notes' directory: `$SOCKET_LESSONS_NOTES`, else `../shared/notes` beside the
/// repository; `None` after saying the test is skipped if it is not there (a failure under
/// `CI=true`).
pub fn notes_or_skip(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("SOCKET_LESSONS_NOTES") {
        Some(dir) => PathBuf::from(dir),
        None => root().join("../shared/notes"),
    };
    if dir.join("000_1c2fa779c13fd268.txt").is_file() {
        Some(dir)
    } else {
        skip(
            test,
            &format!(
                "the notes not found at {} (set SOCKET_LESSONS_NOTES)",
                dir.display()
            ),
        );
        None
    }
}

impl Running {
    /// [`Running::server_with_env`] started in directory `dir`.
    pub fn server_in(
        dir: &Path,
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Running {
        let mut server = Running::spawn_in(dir, program, args, env);
        let first = server.line_containing_either("listening on", "bound to");
        server.port = first
            .rsplit(':')
            .next()
            .and_then(|p| p.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        server
    }

    /// [`Running::spawn_with_env`] started in directory `dir`, its stderr kept with its
    /// stdout (so a Python traceback can be asserted).
    pub fn spawn_in(
        dir: &Path,
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Running {
        let mut child = Command::new(&program)
            .args(args)
            .current_dir(dir)
            .env("LC_ALL", PINNED_LOCALE)
            .envs(env.iter().copied())
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONIOENCODING", "utf-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {}: {e}",
                    Path::new(program.as_ref()).display()
                )
            });
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let tx2 = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx2.send(format!("stderr: {line}")).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Running {
            child,
            lines,
            seen: Vec::new(),
            port: 0,
            stdin,
        }
    }

    /// Skips lines up to and including the first that contains `a` or `b`.
    pub fn line_containing_either(&mut self, a: &str, b: &str) -> String {
        loop {
            let line = self.next_line();
            if line.contains(a) || line.contains(b) {
                return line;
            }
        }
    }

    /// Connects to this server until the accept line of the connection says it is the
    /// only one connected (`(1 connected)`, lessons 11 and 14): every connection before it
    /// has been dealt with. One that finds others still there is closed, and the next try
    /// comes 10 ms later (500 tries at most). Returns the connection and the local
    /// addresses of every try, so that a count of log bytes can leave their lines out.
    pub fn connect_alone(&mut self) -> (std::net::TcpStream, Vec<String>) {
        let mut tries = Vec::new();
        loop {
            assert!(tries.len() < 500, "never the only client connected");
            let conn = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
            conn.set_read_timeout(Some(WAIT)).unwrap();
            conn.set_write_timeout(Some(WAIT)).unwrap();
            let local = conn.local_addr().unwrap();
            tries.push(local.to_string());
            if self
                .line_containing(&format!("from {local} ("))
                .contains("(1 connected)")
            {
                return (conn, tries);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Ends the program (a notes server in `while True` never ends by itself) and returns
    /// everything it printed.
    pub fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        std::mem::take(&mut self.seen)
    }
}

impl Running {
    /// Waits (bounded by [`WAIT`]) for the program to end by itself; returns whether it
    /// succeeded and everything it printed.
    pub fn finish(mut self) -> (bool, Vec<String>) {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the program did not exit within {WAIT:?}; output:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(line);
        }
        (status.success(), std::mem::take(&mut self.seen))
    }
}

/// Which build of a lesson plays a part: this machine's own (`cargo build --examples`), or
/// the Windows one that `.ci/windows` builds and runs under Wine. The Windows build is
/// found through two variables that `.ci/windows` sets:
/// - `SOCKET_LESSONS_WINDOWS_EXES`: the directory of the lessons' `.exe` files;
/// - `SOCKET_LESSONS_WINDOWS_RUNNER`: the program that runs them (Wine's `wine64` loader);
///   unset or empty, an `.exe` runs by itself (on Windows).
///
/// The tests that use the Windows build are `#[ignore]`d, so that a plain `cargo test`
/// never needs Wine; `.ci/windows` runs them with `--ignored`. Without the variables they
/// fail, saying what to set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    Native,
    Windows,
}

impl Build {
    /// The program to start and the arguments that come before the lesson's own: the
    /// example binary alone, or `wine64 NN_name.exe`.
    pub fn program(self, lesson: &str) -> (std::ffi::OsString, Vec<std::ffi::OsString>) {
        match self {
            Build::Native => (example(lesson).into_os_string(), Vec::new()),
            Build::Windows => {
                let exes = std::env::var_os("SOCKET_LESSONS_WINDOWS_EXES").unwrap_or_else(|| {
                    panic!(
                        "SOCKET_LESSONS_WINDOWS_EXES is not set: this test runs the lessons' \
                         Windows build, which .ci/windows builds (run `bash .ci/windows`)"
                    )
                });
                let exe = PathBuf::from(exes).join(format!("{lesson}.exe"));
                assert!(
                    exe.is_file(),
                    "no Windows build of {lesson}: {}",
                    exe.display()
                );
                match std::env::var_os("SOCKET_LESSONS_WINDOWS_RUNNER").filter(|r| !r.is_empty()) {
                    Some(runner) => (runner, vec![exe.into_os_string()]),
                    None => (exe.into_os_string(), Vec::new()),
                }
            }
        }
    }

    /// A snapbox command running the lesson with `args`.
    pub fn command(self, lesson: &str, args: &[&str]) -> snapbox::cmd::Command {
        let (program, before) = self.program(lesson);
        snapbox::cmd::Command::new(program)
            .env("LC_ALL", PINNED_LOCALE)
            .args(before)
            .args(args.iter().copied())
    }

    /// The lesson with `args` as a server in the background (see [`Running::server`]).
    pub fn server(self, lesson: &str, args: &[&str]) -> Running {
        let (program, before) = self.program(lesson);
        let before = utf8(before);
        Running::server(program, &with_args(&before, args))
    }

    /// [`Build::server`] started in directory `dir`.
    pub fn server_in(self, dir: &Path, lesson: &str, args: &[&str]) -> Running {
        let (program, before) = self.program(lesson);
        let before = utf8(before);
        Running::server_in(dir, program, &with_args(&before, args), &[])
    }
}

fn utf8(args: Vec<std::ffi::OsString>) -> Vec<String> {
    args.into_iter()
        .map(|a| a.into_string().expect("a UTF-8 path"))
        .collect()
}

fn with_args<'a>(before: &'a [String], args: &[&'a str]) -> Vec<&'a str> {
    before
        .iter()
        .map(String::as_str)
        .chain(args.iter().copied())
        .collect()
}

/// Runs `body` on a thread of its own in a new network namespace with its loopback up,
/// where a raw socket may forge any source address without reaching the machine's own
/// network. Where that cannot be done (not root, no namespaces), says the test is skipped
/// (a failure under `CI=true`).
#[cfg(target_os = "linux")]
#[allow(dead_code)]
pub fn in_a_private_network(test: &str, body: impl FnOnce() + Send + 'static) {
    in_a_private_network_with_mtu(test, None, body)
}

/// [`in_a_private_network`], with the namespace's loopback MTU set to `mtu` when given (a
/// small one makes TCP's segments small, as a path MTU lowered by an ICMP message does).
#[cfg(target_os = "linux")]
#[allow(dead_code)]
pub fn in_a_private_network_with_mtu(
    test: &str,
    mtu: Option<i32>,
    body: impl FnOnce() + Send + 'static,
) {
    let test = test.to_owned();
    let done = std::thread::spawn(move || {
        // SAFETY: unshare(2) moves this thread, and what it starts, to a new network
        // namespace; no memory is involved.
        if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
            let e = std::io::Error::last_os_error();
            skip(
                &test,
                &format!("no private network namespace ({e}): forging a source address needs root"),
            );
            return;
        }
        loopback_up(mtu);
        body();
    });
    if let Err(panic) = done.join() {
        std::panic::resume_unwind(panic);
    }
}

/// `ip link set lo up [mtu N]`, as ioctls on a socket of this thread's namespace.
#[cfg(target_os = "linux")]
fn loopback_up(mtu: Option<i32>) {
    // SAFETY: a socket made and closed here; ifreq is plain data, zeroed, with its name set,
    // and the two ioctls read and write only it.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
        let mut ifr: libc::ifreq = std::mem::zeroed();
        for (to, from) in ifr.ifr_name.iter_mut().zip(b"lo\0") {
            *to = *from as libc::c_char;
        }
        assert_eq!(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut ifr), 0);
        ifr.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        assert_eq!(
            libc::ioctl(fd, libc::SIOCSIFFLAGS, &ifr),
            0,
            "lo up: {}",
            std::io::Error::last_os_error()
        );
        if let Some(mtu) = mtu {
            ifr.ifr_ifru.ifru_mtu = mtu;
            assert_eq!(
                libc::ioctl(fd, libc::SIOCSIFMTU, &ifr),
                0,
                "lo mtu {mtu}: {}",
                std::io::Error::last_os_error()
            );
        }
        libc::close(fd);
    }
}

/// A UDP socket on loopback standing in for a server (reads wait at most [`WAIT`]), and
/// `lesson`'s client started against it in English.
#[allow(dead_code)]
pub fn udp_client_and_fake_server(lesson: &str) -> (std::net::UdpSocket, Running) {
    let fake = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    fake.set_read_timeout(Some(WAIT)).unwrap();
    let port = fake.local_addr().unwrap().port();
    let client = Running::spawn_with_env(
        example(lesson),
        &["client", "--port", &port.to_string()],
        &[("LANG", "C")],
    );
    (fake, client)
}
