//! What every exercise's check shares: steps that pass or fail with the lesson's words,
//! and code under test run on its own thread under a time limit, so that an exercise that
//! hangs (the empty send, the read that never ends) is a failure with a message, never a
//! stuck check.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// How long a check waits for the code under test before calling it stuck. Generous: a
/// right answer takes milliseconds; the limit only bounds a wrong one.
pub const STUCK: Duration = Duration::from_secs(10);

/// One step that failed, in the learner's terms.
pub struct Failure {
    /// What the step checked.
    pub step: String,
    /// Expected vs got, the bytes on the wire.
    pub details: Vec<String>,
    /// What the lesson says about it.
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(step: impl Into<String>) -> Self {
        Failure {
            step: step.into(),
            details: Vec::new(),
            hint: None,
        }
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// How a whole check ended.
pub enum Outcome {
    Passed(Vec<String>),
    Failed {
        passed: Vec<String>,
        failure: Failure,
    },
}

/// A check's steps, in order: each passes with a line, or the check stops at the first
/// that fails.
#[derive(Default)]
pub struct Steps {
    passed: Vec<String>,
}

impl Steps {
    /// Records a step that passed.
    pub fn ok(&mut self, step: impl Into<String>) {
        self.passed.push(step.into());
    }

    /// Runs a check's steps and gives its outcome.
    pub fn run(check: impl FnOnce(&mut Steps) -> Result<(), Failure>) -> Outcome {
        let mut steps = Steps::default();
        let result = check(&mut steps);
        steps.outcome(result)
    }

    /// The outcome: passed, unless `result` is the failure that stopped the check.
    pub fn outcome(self, result: Result<(), Failure>) -> Outcome {
        match result {
            Ok(()) => Outcome::Passed(self.passed),
            Err(failure) => Outcome::Failed {
                passed: self.passed,
                failure,
            },
        }
    }
}

/// Runs `f` on its own thread and waits at most `limit` for it: `None` when it did not
/// finish (the thread is abandoned; the check ends the process soon after) or panicked.
pub fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("exercise".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .ok()?;
    rx.recv_timeout(limit).ok()
}

/// Runs `f` on its own thread and returns at once with a receiver for its result (for a
/// server under test, which runs while the check's clients talk to it).
pub fn start<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> mpsc::Receiver<T> {
    let (tx, rx) = mpsc::channel();
    let _ = thread::Builder::new()
        .name("exercise".into())
        .spawn(move || {
            let _ = tx.send(f());
        });
    rx
}

/// Bytes as the lessons show them: `b"HELLO"`.
pub fn shown(bytes: &[u8]) -> String {
    socket_lessons::stage::transcript::describe(bytes)
}

/// Adds to `failure` whether the server function under test has already returned: a
/// server that returned stopped serving everyone, which is usually the real trouble.
pub fn server_ended(failure: Failure, server: &Receiver<io::Result<()>>) -> Failure {
    match server.try_recv() {
        Ok(Ok(())) => failure.detail("and your serve() returned Ok(()): the server stopped"),
        Ok(Err(e)) => failure.detail(format!(
            "and your serve() returned an error: {e}: the server stopped"
        )),
        Err(_) => failure,
    }
}

/// Sends `message` and expects exactly `want` back, within [`STUCK`]; a failure says what
/// came back and whether the server function had returned.
pub fn exchange(
    stream: &mut TcpStream,
    message: &[u8],
    want: &[u8],
    who: &str,
    server: &Receiver<io::Result<()>>,
) -> Result<(), Failure> {
    let step = format!("{who}: send {}, expect {}", shown(message), shown(want));
    let fail = |got: String| {
        server_ended(
            Failure::new(step.clone()).detail(format!("got: {got}")),
            server,
        )
    };
    if let Err(e) = stream.write_all(message) {
        return Err(fail(format!("the send failed: {e}")));
    }
    stream
        .set_read_timeout(Some(STUCK))
        .map_err(|e| Failure::new(e.to_string()))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while got.len() < want.len() {
        match stream.read(&mut buf) {
            Ok(0) => {
                return Err(fail(format!(
                    "{} and then the server closed the connection",
                    shown(&got)
                )))
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if socket_lessons::guard::limits::is_timeout(&e) => {
                return Err(fail(format!(
                    "{} and then nothing within {} s: the server is not answering",
                    shown(&got),
                    STUCK.as_secs()
                )))
            }
            Err(e) => return Err(fail(format!("{} and then an error: {e}", shown(&got)))),
        }
    }
    if got != want {
        return Err(fail(shown(&got)));
    }
    Ok(())
}

/// A stream that returns its chunks one `read` at a time (a chunk bigger than the caller's
/// buffer is split), then the end; it notes a read that asks for bytes past `watch`.
pub struct Script {
    pub chunks: Vec<Vec<u8>>,
    pub given: usize,
    pub read_past: Arc<Mutex<bool>>,
    pub watch: usize,
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.given >= self.watch && !buf.is_empty() {
            *self.read_past.lock().unwrap() = true;
        }
        let Some(chunk) = self.chunks.first_mut() else {
            return Ok(0);
        };
        let n = chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&chunk[..n]);
        chunk.drain(..n);
        if chunk.is_empty() {
            self.chunks.remove(0);
        }
        self.given += n;
        Ok(n)
    }
}

/// A server under test: `serve` on a listener on 127.0.0.1 with a port from the OS, on its
/// own thread. Returns the address and a receiver for what `serve` returned, if it ever does.
pub fn start_server(
    serve: fn(std::net::TcpListener) -> io::Result<()>,
) -> Result<(std::net::SocketAddr, Receiver<io::Result<()>>), Failure> {
    use socket_lessons::wire::net::{self, ListenOptions};
    let listener = net::listen(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ListenOptions::new(),
    )
    .map_err(|e| Failure::new(format!("set up a listener: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(e.to_string()))?;
    Ok((addr, start(move || serve(listener))))
}
