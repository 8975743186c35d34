//! What every way shares: who is connected, what idling cost, and the demo's hooks.

use crate::MAX_CLIENTS;
use socket_lessons::stage::demo::Hooks;
use socket_lessons::stage::measure;
use socket_lessons::{say, Transcript};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The server's bookkeeping, shared by all its threads.
pub struct Clients {
    state: Mutex<Connected>,
    /// The demo's: told after each accept line and after each "closed" line, and asked,
    /// when a connection arrives, whether the demo has more clients; the demo stops a
    /// server blocked in `accept` by connecting once after its last client.
    /// [`Hooks::none`] in two-terminal mode: every arrival is a client.
    hooks: Hooks,
}

struct Connected {
    count: usize,
    /// Clients welcomed so far, for [`Hooks::more`].
    served: usize,
    /// Connections refused since the server became full: the first gets a line, the rest
    /// are counted (a client connecting again and again must not grow the log).
    refused: usize,
    /// When the server last became idle (no client connected), and the process's CPU time
    /// then. `None` while clients are connected.
    idle_since: Option<(Instant, Option<Duration>)>,
}

/// What [`Clients::arrive`] decided about a new connection.
pub enum Arrival {
    Welcome,
    Full,
    Stop,
}

impl Clients {
    /// `report_first_idle`: whether the time before the first client counts as idle (in
    /// two-terminal mode it does: start the busy server, wait, connect, read the line).
    pub fn new(hooks: Hooks, report_first_idle: bool) -> Self {
        Clients {
            state: Mutex::new(Connected {
                count: 0,
                served: 0,
                refused: 0,
                idle_since: report_first_idle.then(idle_mark),
            }),
            hooks,
        }
    }

    /// A client connected. Prints what the idle time before it cost, then the accept line.
    /// Returns `Arrival::Stop` when the demo is over, `Arrival::Full` when the server
    /// already has `MAX_CLIENTS`.
    pub fn arrive(&self, addr: SocketAddr) -> Arrival {
        let server = Transcript::server();
        // A poisoned lock only means another thread panicked while printing; the count
        // is still right (it is updated before anything that could panic).
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((since, cpu_then)) = state.idle_since.take() {
            let wall = since.elapsed();
            match (cpu_then, measure::process_cpu_time()) {
                (Some(then), Some(now)) => say!(
                    server,
                    "no client connected for {}; the process used {} of CPU meanwhile",
                    measure::ms(wall),
                    measure::ms(now.saturating_sub(then))
                ),
                _ => say!(
                    server,
                    "no client connected for {} (CPU time not measurable here)",
                    measure::ms(wall)
                ),
            }
        }
        if !self.hooks.more(state.served) {
            say!(server, "the demo is over: stop");
            return Arrival::Stop;
        }
        if state.count >= MAX_CLIENTS {
            if state.refused == 0 {
                say!(
                    server,
                    "{addr} refused: already {MAX_CLIENTS} clients (more refusals are counted, not shown)"
                );
            }
            state.refused += 1;
            return Arrival::Full;
        }
        if state.refused > 0 {
            say!(
                server,
                "accepting again; {} connection(s) refused while full",
                std::mem::take(&mut state.refused)
            );
        }
        state.count += 1;
        state.served += 1;
        say!(
            server,
            "accept -> a connection from {addr} ({} connected)",
            state.count
        );
        self.hooks.accepted();
        Arrival::Welcome
    }

    /// A client left (or broke); `why` says how.
    pub fn leave(&self, addr: SocketAddr, why: &str) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.count -= 1;
        say!(
            Transcript::server(),
            "{addr} {why} ({} still connected)",
            state.count
        );
        if state.count == 0 {
            state.idle_since = Some(idle_mark());
        }
        self.hooks.finished();
    }
}

fn idle_mark() -> (Instant, Option<Duration>) {
    (Instant::now(), measure::process_cpu_time())
}
