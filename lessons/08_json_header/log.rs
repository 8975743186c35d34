//! Lesson 08's server log, bounded whatever clients send (lesson 07's gates): a few lines
//! per kind of event in any 10 s, then a count.

use socket_lessons::guard::quiet::LogGate;
use socket_lessons::{say, Transcript};
use std::time::Duration;

/// The server's log, bounded whatever clients send (lesson 07's gates): each kind of event
/// gets at most 20 lines in any 10 s, then a count.
pub(crate) struct Gates {
    /// A command served: its lines count as one event.
    pub(crate) commands: LogGate,
    /// A connection's end: closed, `q`, idle, the session limit, a refusal, a failure.
    pub(crate) ends: LogGate,
}

impl Gates {
    pub(crate) fn new() -> Self {
        Self {
            commands: LogGate::new(20, Duration::from_secs(10)),
            ends: LogGate::new(20, Duration::from_secs(10)),
        }
    }
}

/// A connection's end, through its gate, after a line saying how many of its commands'
/// lines the gate held back, if any.
pub(crate) fn ended(gates: &mut Gates, server: &Transcript, line: impl FnOnce()) {
    let commands = &mut gates.commands;
    gated(&mut gates.ends, server, || {
        let held = commands.take_held();
        if held > 0 {
            say!(
                server,
                "({held} commands were served without their lines in this log)"
                    | "（另有 {held} 条命令已执行，但没有写进日志）"
            );
        }
        line();
    });
}

/// Prints an event's lines if its gate lets them through, after a line saying how many
/// were held back before it.
pub(crate) fn gated(gate: &mut LogGate, server: &Transcript, lines: impl FnOnce()) {
    match gate.admit() {
        None => {}
        Some(0) => lines(),
        Some(held) => {
            say!(
                server,
                "({held} more like the next were not logged)"
                    | "（之前还有 {held} 条同类记录没有写出）"
            );
            lines();
        }
    }
}
