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
        lesson: "02",
        file: "02_echo_server.rs",
        task: "an echo server that serves client after client, whatever each one does",
        check: crate::ex02::check,
    },
    Exercise {
        lesson: "06",
        file: "06_read_frame.rs",
        task:
            "read_frame: a whole frame however it arrives, a clean end, a cut frame, a lying length",
        check: crate::ex06::check,
    },
    Exercise {
        lesson: "10",
        file: "10_verify_answer.rs",
        task: "verify: exactly HMAC-MD5(secret, challenge), not a piece of it, compared in constant time",
        check: crate::ex10::check,
    },
    Exercise {
        lesson: "11",
        file: "11_nonblocking_echo.rs",
        task: "one thread, non-blocking sockets: a silent client must not hold up the others",
        check: crate::ex11::check,
    },
    Exercise {
        lesson: "12",
        file: "12_time_client.rs",
        task: "ask_time: the time server's answer, or None when the datagram is lost",
        check: crate::ex12::check,
    },
    Exercise {
        lesson: "13",
        file: "13_one_write.rs",
        task: "send_request: a framed request in one write, so Nagle has nothing to hold back",
        check: crate::ex13::check,
    },
];
