//! Lesson 09's server log, bounded whatever clients send: a few lines per kind of event in
//! any 10 s, then a count; what a client sent shown as a short preview.

use socket_lessons::guard::quiet::LogGate;
use socket_lessons::{say, Transcript};
use std::time::Duration;

/// The server's log, bounded whatever clients send: each kind of event gets at most 20
/// lines' worth in any 10 s, then a count; and a line shows at most a short preview of what
/// a client sent.
pub struct Gates {
    /// A request (a download or an upload): its lines count as one event.
    pub requests: LogGate,
    /// A connection's end: closed, `q`, idle, the session limit, a failure.
    pub ends: LogGate,
}

impl Gates {
    pub fn new() -> Self {
        Self {
            requests: LogGate::new(20, Duration::from_secs(10)),
            ends: LogGate::new(20, Duration::from_secs(10)),
        }
    }
}

/// The server's log for one event: prints what the event's gate let through, nothing
/// else. `say!(log, …)` works as on a [`Transcript`].
pub struct Gated<'a> {
    server: &'a Transcript,
    shown: bool,
}

impl<'a> Gated<'a> {
    /// Asks `gate` about one event; if lines were held back before it, says how many.
    pub fn admit(gate: &mut LogGate, server: &'a Transcript) -> Self {
        let held = gate.admit();
        if let Some(held @ 1..) = held {
            say!(
                server,
                "({held} more like the next were not logged)"
                    | "（之前还有 {held} 条同类记录没有写出）"
            );
        }
        Self {
            server,
            shown: held.is_some(),
        }
    }

    /// Prints `text` if this event is shown.
    pub fn say(&self, text: impl std::fmt::Display) {
        if self.shown {
            self.server.say(text);
        }
    }
}
