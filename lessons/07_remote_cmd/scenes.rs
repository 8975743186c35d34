//! Lesson 07's demo: the server and a client in one process, six commands in a fixed
//! order, each with a known outcome on this OS's shell.

use super::{command, serve, QUIT};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::shell::{self, CommandLimits};
use socket_lessons::stage::demo;
use socket_lessons::wire::framing::MAX_FRAME_LEN;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::Write;
use std::time::Duration;

/// The demo's limit on each command: short, so that the `sleep` scene ends quickly. On
/// Windows it must be well past the time cmd takes to print 16 MiB (about 2.5 s under Wine
/// on a busy machine), or the flood scene would race the time limit.
const DEMO_COMMAND_LIMIT: Duration = Duration::from_secs(if cfg!(windows) { 10 } else { 2 });

/// The demo's command that prints something, then runs past the time limit: `sleep`, or
/// on Windows a cmd loop that never ends (`for /L` counting by 0), which being cmd itself
/// dies with it when it is killed.
const RUNS_LONG: &str = if cfg!(windows) {
    "echo started& for /L %i in (0,0,1) do @rem"
} else {
    "echo started; sleep 30"
};

/// What the flood scene shows: `yes | head` stops by itself at 20 MB; cmd's loop, like
/// `yes` alone, never stops.
const FLOODS_WHAT: &str = if cfg!(windows) {
    "endless output: past the 16 MiB frame limit"
} else {
    "20 MB of output: past the 16 MiB frame limit"
};

/// The flood scene's command. cmd's `echo` writes once per line: `yes`'s 2-byte lines
/// would be millions of writes (100 000 short lines took 5 s under Wine), so this line is
/// 4000 bytes long, and 16 MiB is about 4200 writes (2.5 s under Wine).
fn floods() -> Vec<u8> {
    if cfg!(windows) {
        format!("for /L %i in (0,0,1) do @echo {}", "y".repeat(4000)).into_bytes()
    } else {
        b"yes | head -c 20000000".to_vec()
    }
}

pub(super) fn run_demo() -> Result<(), Report> {
    let limits = CommandLimits {
        time: DEMO_COMMAND_LIMIT,
        output: MAX_FRAME_LEN,
    };
    let stage = demo::stage_quietly(ListenOptions::new(), 1, move |listener, hooks| {
        let waits = Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS));
        let session = Duration::from_secs(shell::DEFAULT_SESSION_SECS);
        serve(&listener, limits, waits, session, &hooks)
    })?;
    let addr = stage.addr;

    let client = Transcript::client();
    say!(client, "connect to {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only

    // Each scene's command exists in this OS's shell: `sh` on Unix, `cmd` on Windows, which
    // has no `seq`, `sleep`, `yes` or `head` (it answers "not recognized", exit status 9009).
    let numbers = format!(
        "3000 numbered lines, {} bytes: more than any recv(1024)",
        shell::COUNT_TO_3000_BYTES
    );
    let scenes: [(&str, Vec<u8>); 6] = [
        ("a short answer", b"echo hello".to_vec()),
        (&numbers, shell::COUNT_TO_3000.into()),
        (
            "a command that does not exist: stdout is empty, so the answer is stderr",
            b"no-such-command-07".to_vec(),
        ),
        ("a command that outlives the time limit", RUNS_LONG.into()),
        (FLOODS_WHAT, floods()),
        (
            "bytes that are not UTF-8 (Latin-1 \"café\")",
            b"echo caf\xe9!".to_vec(),
        ),
    ];
    for (what, line) in scenes {
        say!(Transcript::named("scene"), "{what}");
        if command(&mut stream, &line, Some(&client))?.is_none() {
            return Err(Report::msg("the server closed the connection early"));
        }
    }
    say!(client, "send b\"q\" and close");
    stream.write_all(QUIT)?;
    drop(stream);
    stage.finished()?;
    stage.end()
}
