//! Exercise 07: a command that may never end.
//!
//! `run` is the heart of lesson 07's server: run a client's command line through `sh -c`
//! and answer what it printed: stdout, or stderr when stdout is empty (notes A §9.1's
//! rule). It does what the notes' `subprocess.Popen(...).stdout.read()` does: wait for the
//! command to finish. `echo started; sleep 30` keeps the client waiting 30 s, and `cat`
//! or `ping` without `-c` keep it waiting for ever.
//!
//! Make it stop the command at `limit`:
//!
//! - a command that finishes in time: its stdout, or its stderr when stdout is empty, never
//!   both mixed; `run` returns as soon as the command ends (the check gives commands that
//!   end at once a limit of 30 s), even when the command writes more to stderr than a pipe
//!   holds (64 KiB) before its stdout;
//! - a command still running at `limit`: kill it with SIGKILL (a command may ignore SIGTERM,
//!   SIGINT and SIGHUP), and everything it started (the shell, and the `sleep` the shell started),
//!   then answer what it printed until then, followed by a line with the word `killed`;
//!   `limit` is a `Duration`, not a whole number of seconds (the check gives 0.4 s too): not
//!   killed before it;
//! - a command that ends and leaves a job running in the background (`sleep 100 >/dev/null
//!   2>&1 & echo ok`, or `sleep 100 & echo ok`, whose job holds the pipes): the command has
//!   ended, so answer `ok\n` at once, and kill what it left (its process group, with
//!   SIGKILL: the job may ignore SIGTERM too) before `run` returns;
//! - nothing it started may be left running when `run` returns, no child left unwaited
//!   (a zombie), and no thread of yours.
//!
//! Check it: `cargo run --example check -- 07` (`--watch` checks again on every save).
//! The page: docs/07_remote_cmd.md (中文: docs/zh-CN/07_remote_cmd.md).

use std::process::Command;
use std::time::Duration;

/// Runs `command` with `sh -c` and returns its answer: stdout, or stderr when stdout is
/// empty.
pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let _ = limit; // not used yet: the command runs as long as it likes
    match Command::new("sh").arg("-c").arg(command).output() {
        Ok(output) if !output.stdout.is_empty() => output.stdout,
        Ok(output) => output.stderr,
        Err(e) => format!("error: could not run sh: {e}\n").into_bytes(),
    }
}
