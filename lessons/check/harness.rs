//! What every exercise's check shares: steps that pass or fail with the lesson's words,
//! and code under test run on its own thread under a time limit, so that an exercise that
//! hangs (the empty send, the read that never ends) is a failure with a message, never a
//! stuck check.

use std::sync::mpsc;
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
    socket_lessons::transcript::describe(bytes)
}
