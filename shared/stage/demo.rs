//! The demo harness: both halves of a lesson in one process, in an order that never changes,
//! and never longer than a time limit.
//!
//! Two threads printing "as things happen" race each other: the client's `connect` and the
//! server's `accept` return at the same moment, so who prints first is luck. A lesson fixes
//! the order with a [`cue`]: one side prints its line and gives the cue, the other waits for
//! it before printing. Where the wire itself orders two lines (the server cannot print what
//! it received before the client sent it), no cue is needed, and a lesson uses none.
//!
//! A server never sees a cue. It takes [`Hooks`]: it calls [`Hooks::accepted`] after its
//! accept line and [`Hooks::finished`] when a client is done, and asks [`Hooks::more`]
//! before it accepts again. In two-terminal mode it gets [`Hooks::none`], which do nothing
//! and serve for ever, so the server a learner reads is the one both modes run. [`stage`]
//! sets a demo's scene up in one call: the listener, the hooks, the server on its own thread,
//! and the cues the clients wait on.
//!
//! [`play`] puts the whole demo under a time limit: a demo that hangs (a lesson bug, or a
//! machine where something behaves unexpectedly) ends with a clear error and a non-zero exit
//! instead of a stuck process.

use crate::stage::report::Report;
use crate::wire::net::{self, ListenOptions};
use crate::{say, Transcript};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long a whole demo may take. Every lesson's demo finishes in well under a second on
/// loopback; the margin is for a machine that is busy with something else.
pub const DEMO_TIME_LIMIT: Duration = Duration::from_secs(30);

/// How long one side waits for the other's cue before calling the demo stuck.
pub const CUE_TIME_LIMIT: Duration = Duration::from_secs(20);

/// Runs `demo` on its own thread and waits at most [`DEMO_TIME_LIMIT`] for it: what a
/// lesson's `main` does when it has no subcommand.
pub fn play<F>(demo: F) -> Result<(), Report>
where
    F: FnOnce() -> Result<(), Report> + Send + 'static,
{
    play_within(DEMO_TIME_LIMIT, demo)
}

/// Runs `demo` on its own thread and waits at most `limit` for it.
///
/// Returns the demo's own result, or an error saying the demo did not finish (the stuck
/// threads are abandoned; returning from `main` ends the process and them with it).
pub fn play_within<F>(limit: Duration, demo: F) -> Result<(), Report>
where
    F: FnOnce() -> Result<(), Report> + Send + 'static,
{
    let (done_tx, done_rx) = mpsc::channel();
    thread::Builder::new().name("demo".into()).spawn(move || {
        let _ = done_tx.send(demo());
    })?;
    match done_rx.recv_timeout(limit) {
        Ok(result) => result,
        Err(RecvTimeoutError::Timeout) => Err(Report::msg(crate::tr!(
            "the demo did not finish within {} s: one side is waiting for something that \
             never comes (this is a bug in the lesson; please report it)"
                | "演示没有在 {} 秒内结束：有一方在等一件永远不会发生的事（这是本课程序的 bug，请报告它）",
            limit.as_secs()
        ))),
        Err(RecvTimeoutError::Disconnected) => Err(Report::msg(crate::tr!(
            "the demo thread panicked (its message is above); this is a bug in the lesson"
                | "演示线程 panic 了（它的信息在上面）；这是本课程序的 bug"
        ))),
    }
}

/// Starts one side of a demo (usually the server) on a named thread.
pub fn spawn<T, F>(name: &str, side: F) -> io::Result<Spawned<T>>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, Report> + Send + 'static,
{
    let handle = thread::Builder::new().name(name.to_owned()).spawn(side)?;
    Ok(Spawned {
        name: name.to_owned(),
        handle,
    })
}

/// A side started with [`spawn`].
pub struct Spawned<T> {
    name: String,
    handle: JoinHandle<Result<T, Report>>,
}

impl<T> Spawned<T> {
    /// Waits for the side to finish and returns its result; a panic becomes an error.
    pub fn join(self) -> Result<T, Report> {
        match self.handle.join() {
            Ok(result) => result,
            Err(_) => Err(Report::msg(crate::tr!(
                "the {} thread panicked (its message is above)"
                    | "{} 线程 panic 了（它的信息在上面）",
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
                crate::tr!(
                    "demo: the other side never gave its cue" | "演示：另一方一直没有发出信号"
                ),
            )),
            Err(RecvTimeoutError::Disconnected) => Err(io::Error::other(crate::tr!(
                "demo: the other side ended before giving its cue"
                    | "演示：另一方还没发出信号就结束了"
            ))),
        }
    }
}

/// What a server tells a demo, at the moments the demo orders its lines around, and how many
/// clients the demo brings. [`Hooks::none`] (two-terminal mode) tells nobody and serves for
/// ever.
#[derive(Clone)]
pub struct Hooks {
    clients: Option<usize>,
    accepted: Cue,
    finished: Cue,
}

impl Hooks {
    /// No demo: nothing to tell, no end to the clients.
    pub const fn none() -> Self {
        Hooks {
            clients: None,
            accepted: Cue::off(),
            finished: Cue::off(),
        }
    }

    /// Whether these are a demo's hooks (a server in two-terminal mode has [`Hooks::none`]).
    pub fn in_a_demo(&self) -> bool {
        self.clients.is_some()
    }

    /// Whether to accept another client after `served` of them: always, unless a demo
    /// brings a known number.
    pub fn more(&self, served: usize) -> bool {
        self.clients.is_none_or(|max| served < max)
    }

    /// The server has printed its accept line.
    pub fn accepted(&self) {
        self.accepted.give();
    }

    /// The server is done with a client (its last line is printed).
    pub fn finished(&self) {
        self.finished.give();
    }
}

/// A demo's scene, set up by [`stage`]: the server's address, its thread, and the cues the
/// clients wait on.
pub struct Stage<T = ()> {
    /// Where the server listens (127.0.0.1, a port from the OS).
    pub addr: SocketAddr,
    accepted: OnCue,
    finished: OnCue,
    server: Spawned<T>,
}

/// Sets a demo's scene: a listener on 127.0.0.1 with a port from the OS and `options`,
/// `[server] listening on ADDR`, and `server` started on its own thread with hooks that end
/// it after `clients` clients.
pub fn stage<T, F>(options: ListenOptions, clients: usize, server: F) -> Result<Stage<T>, Report>
where
    T: Send + 'static,
    F: FnOnce(TcpListener, Hooks) -> Result<T, Report> + Send + 'static,
{
    stage_saying(
        |addr| crate::tr!("listening on {addr}" | "在 {addr} 上监听"),
        options,
        clients,
        server,
    )
}

/// [`stage`], with the server's first line written by the lesson (`listening` gets the
/// address).
pub fn stage_saying<T, F>(
    listening: impl FnOnce(SocketAddr) -> String,
    options: ListenOptions,
    clients: usize,
    server: F,
) -> Result<Stage<T>, Report>
where
    T: Send + 'static,
    F: FnOnce(TcpListener, Hooks) -> Result<T, Report> + Send + 'static,
{
    set_up(Some(listening), options, clients, server)
}

/// [`stage`] without the `listening on` line, for a scene inside a demo that has said it
/// already.
pub fn stage_quietly<T, F>(
    options: ListenOptions,
    clients: usize,
    server: F,
) -> Result<Stage<T>, Report>
where
    T: Send + 'static,
    F: FnOnce(TcpListener, Hooks) -> Result<T, Report> + Send + 'static,
{
    set_up(None::<fn(SocketAddr) -> String>, options, clients, server)
}

fn set_up<T, F>(
    listening: Option<impl FnOnce(SocketAddr) -> String>,
    options: ListenOptions,
    clients: usize,
    server: F,
) -> Result<Stage<T>, Report>
where
    T: Send + 'static,
    F: FnOnce(TcpListener, Hooks) -> Result<T, Report> + Send + 'static,
{
    let listener = net::listen(SocketAddr::from(([127, 0, 0, 1], 0)), options)?;
    let addr = listener.local_addr()?;
    if let Some(listening) = listening {
        say!(Transcript::server(), "{}", listening(addr));
    }
    let (accepted, on_accepted) = cue();
    let (finished, on_finished) = cue();
    let hooks = Hooks {
        clients: Some(clients),
        accepted,
        finished,
    };
    let server = spawn("server", move || server(listener, hooks))?;
    Ok(Stage {
        addr,
        accepted: on_accepted,
        finished: on_finished,
        server,
    })
}

impl<T> Stage<T> {
    /// Waits until the server has printed its accept line.
    pub fn accepted(&self) -> io::Result<()> {
        self.accepted.wait()
    }

    /// Waits until the server is done with the current client.
    pub fn finished(&self) -> io::Result<()> {
        self.finished.wait()
    }

    /// Waits for the server to end (after its last client) and returns its result.
    pub fn end(self) -> Result<T, Report> {
        self.server.join()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_that_hangs_becomes_an_error_not_a_stuck_process() {
        let err = play_within(Duration::from_millis(50), || {
            thread::sleep(Duration::from_secs(3600));
            Ok(())
        })
        .unwrap_err();
        assert!(err.to_string().contains("did not finish within"), "{err}");
    }

    #[test]
    fn a_demo_error_is_passed_through() {
        let err = play(|| Err(Report::msg("boom"))).unwrap_err();
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
    fn hooks_that_are_none_serve_for_ever_and_tell_nobody() {
        let hooks = Hooks::none();
        hooks.accepted();
        hooks.finished();
        assert!(hooks.more(usize::MAX - 1));
    }

    #[test]
    fn a_stage_cues_its_clients_and_ends_after_them() {
        use std::io::Read;
        let stage = stage(ListenOptions::new(), 2, |listener, hooks| {
            let mut served = 0;
            while hooks.more(served) {
                let (mut conn, _) = listener.accept()?;
                hooks.accepted();
                let _ = conn.read(&mut [0u8; 1])?;
                hooks.finished();
                served += 1;
            }
            Ok(served)
        })
        .unwrap();
        for _ in 0..2 {
            let client = net::connect_addr(stage.addr).unwrap();
            stage.accepted().unwrap();
            drop(client);
            stage.finished().unwrap();
        }
        assert_eq!(stage.end().unwrap(), 2);
    }

    #[test]
    fn a_side_that_panics_is_reported_by_name() {
        let side = spawn("server", || -> Result<(), Report> { panic!("on purpose") }).unwrap();
        let err = side.join().unwrap_err();
        assert!(err.to_string().contains("server thread panicked"), "{err}");
    }
}
