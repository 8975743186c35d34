//! The demo harness: both halves of a lesson in one process, in an order that never changes,
//! and never longer than a time limit.
//!
//! Two threads printing "as things happen" race each other: the client's `connect` and the
//! server's `accept` return at the same moment, so who prints first is luck. A lesson fixes
//! the order with a [`cue`]: one side prints its line and gives the cue, the other waits for
//! it before printing. Where the wire itself orders two lines (the server cannot print what
//! it received before the client sent it), no cue is needed, and a lesson uses none.
//!
//! In two-terminal mode the same lesson code gets [`Cue::off`] / [`OnCue::off`], which do
//! nothing: the cues exist only to make the demo transcript reproducible.
//!
//! [`run`] puts the whole demo under a time limit: a demo that hangs (a lesson bug, or a
//! machine where something behaves unexpectedly) ends with a clear error and a non-zero exit
//! instead of a stuck process.

use crate::cli::Report;
use std::io;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long a whole demo may take. Every lesson's demo finishes in well under a second on
/// loopback; the margin is for a machine that is busy with something else.
pub const DEMO_TIME_LIMIT: Duration = Duration::from_secs(30);

/// How long one side waits for the other's cue before calling the demo stuck.
pub const CUE_TIME_LIMIT: Duration = Duration::from_secs(20);

/// Runs `demo` on its own thread and waits at most `limit` for it.
///
/// Returns the demo's own result, or an error saying the demo did not finish (the stuck
/// threads are abandoned; returning from `main` ends the process and them with it).
pub fn run<F>(limit: Duration, demo: F) -> Result<(), Report>
where
    F: FnOnce() -> Result<(), Report> + Send + 'static,
{
    let (done_tx, done_rx) = mpsc::channel();
    thread::Builder::new().name("demo".into()).spawn(move || {
        let _ = done_tx.send(demo());
    })?;
    match done_rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(Report::msg(format!(
            "the demo did not finish within {} s: one side is waiting for something that \
             never comes (this is a bug in the lesson; please report it)",
            limit.as_secs()
        ))),
        Err(RecvTimeoutError::Disconnected) => Err(Report::msg(
            "the demo thread panicked (its message is above); this is a bug in the lesson",
        )),
    }
}

/// Starts one side of a demo (usually the server) on a named thread.
pub fn spawn<T, F>(name: &str, side: F) -> io::Result<Side<T>>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Report> + Send + 'static,
{
    let handle = thread::Builder::new().name(name.to_owned()).spawn(side)?;
    Ok(Side {
        name: name.to_owned(),
        handle,
    })
}

/// A side started with [`spawn`].
pub struct Side<T> {
    name: String,
    handle: JoinHandle<Result<T, Report>>,
}

impl<T> Side<T> {
    /// Waits for the side to finish and returns its result; a panic becomes an error.
    pub fn join(self) -> Result<T, Report> {
        match self.handle.join() {
            Ok(result) => result,
            Err(_) => Err(Report::msg(format!(
                "the {} thread panicked (its message is above)",
                self.name
            ))),
        }
    }
}

/// Gives a cue to the other side: "my line is printed, you may print yours".
#[derive(Clone)]
pub struct Cue(Option<Sender<()>>);

/// Waits for the other side's [`Cue`].
pub struct OnCue(Option<Receiver<()>>);

/// A connected pair: the [`Cue`] for the side that goes first, the [`OnCue`] for the side
/// that waits. Cues given are counted: three `give`s let three `wait`s through.
pub fn cue() -> (Cue, OnCue) {
    let (tx, rx) = mpsc::channel();
    (Cue(Some(tx)), OnCue(Some(rx)))
}

impl Cue {
    /// A cue that goes nowhere, for two-terminal mode.
    pub const fn off() -> Self {
        Cue(None)
    }

    /// Gives the cue. Never blocks.
    pub fn give(&self) {
        if let Some(tx) = &self.0 {
            // The waiting side may have ended already (with an error of its own); a cue
            // nobody waits for any more is harmless.
            let _ = tx.send(());
        }
    }
}

impl OnCue {
    /// Nothing to wait for, for two-terminal mode.
    pub const fn off() -> Self {
        OnCue(None)
    }

    /// Waits for one cue, at most [`CUE_TIME_LIMIT`].
    pub fn wait(&self) -> io::Result<()> {
        let Some(rx) = &self.0 else { return Ok(()) };
        match rx.recv_timeout(CUE_TIME_LIMIT) {
            Ok(()) => Ok(()),
            Err(RecvTimeoutError::Timeout) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "demo: the other side never gave its cue",
            )),
            Err(RecvTimeoutError::Disconnected) => Err(io::Error::other(
                "demo: the other side ended before giving its cue",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_that_hangs_becomes_an_error_not_a_stuck_process() {
        let err = run(Duration::from_millis(50), || {
            thread::sleep(Duration::from_secs(3600));
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("did not finish within"), "{err}");
    }

    #[test]
    fn a_demo_error_is_passed_through() {
        let err = run(DEMO_TIME_LIMIT, || Err(Report::msg("boom"))).unwrap_err();
        assert_eq!(err.to_string(), "boom");
    }

    #[test]
    fn cues_are_counted_and_an_ended_giver_is_an_error() {
        let (cue, on_cue) = cue();
        cue.give();
        cue.give();
        on_cue.wait().unwrap();
        on_cue.wait().unwrap();
        drop(cue);
        assert!(on_cue.wait().is_err());
    }

    #[test]
    fn cues_that_are_off_never_block() {
        Cue::off().give();
        OnCue::off().wait().unwrap();
    }

    #[test]
    fn a_side_that_panics_is_reported_by_name() {
        let side = spawn("server", || -> Result<(), Report> { panic!("on purpose") }).unwrap();
        let err = side.join().unwrap_err();
        assert!(err.to_string().contains("server thread panicked"), "{err}");
    }
}
