//! Every lesson's exercise: its file and what it asks.

use crate::harness::Outcome;

pub struct Exercise {
    /// The lesson number, two digits.
    pub lesson: &'static str,
    /// The learner's file in `lessons/exercises/` (the course's answer has the same name in
    /// `lessons/exercises/solutions/`).
    pub file: &'static str,
    /// What it asks, in one line.
    pub task: &'static str,
    /// Runs the check: on the course's solution when given `true`, else on the learner's file.
    pub check: fn(bool) -> Outcome,
}

pub const ALL: &[Exercise] = &[
    Exercise {
        lesson: "00",
        file: "00_close_your_side.rs",
        task: "a server that closes its side once the client has closed, so no end is left in CLOSE_WAIT",
        check: crate::ex00::check,
    },
    Exercise {
        lesson: "01",
        file: "01_whole_reply.rs",
        task: "ask: send the whole message and return the server's whole reply, up to its close",
        check: crate::ex01::check,
    },
    Exercise {
        lesson: "02",
        file: "02_echo_server.rs",
        task: "an echo server that serves client after client, whatever each one does",
        check: crate::ex02::check,
    },
    Exercise {
        lesson: "03",
        file: "03_rebind.rs",
        task: "listen: a server that can restart on its port while its old connection is in TIME_WAIT",
        check: crate::ex03::check,
    },
    Exercise {
        lesson: "05",
        file: "05_whole_datagram.rs",
        task: "receive: one UDP datagram, whole, up to 65507 bytes",
        check: crate::ex05::check,
    },
    Exercise {
        lesson: "06",
        file: "06_read_frame.rs",
        task:
            "read_frame: a whole frame however it arrives, a clean end, a cut frame, a lying length",
        check: crate::ex06::check,
    },
];
