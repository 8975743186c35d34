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
        lesson: "04",
        file: "04_until_blank_line.rs",
        task: "next_answer: one answer per call, up to its empty line, however the bytes arrive",
        check: crate::ex04::check,
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
    Exercise {
        lesson: "07",
        file: "07_run_with_limit.rs",
        task: "run: a command's stdout or stderr, and a command that outlives its time limit killed, with everything it started",
        check: crate::ex07::check,
    },
    Exercise {
        lesson: "08",
        file: "08_checked_answer.rs",
        task: "receive: a JSON-headed answer's body, or an error naming the check that failed (size or md5)",
        check: crate::ex08::check,
    },
    Exercise {
        lesson: "09",
        file: "09_save_safely.rs",
        task: "save: a received file under its plain name only when whole and its md5 matches, never replacing one, never leaving a partial one",
        check: crate::ex09::check,
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
