//! The check of exercise 07: command lines run by the learner's `run`, one of them a
//! command that outlives its time limit; then a look at the process table for anything it
//! left running.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use std::time::Duration;

type Run = fn(&str, Duration) -> Vec<u8>;

pub fn check(solution: bool) -> Outcome {
    let run_fn: Run = if solution {
        crate::solution_07::run
    } else {
        crate::learner_07::run
    };
    Steps::run(|steps| run(run_fn, steps))
}

/// Runs `command` through the code under test, under the time limit.
fn answer(run_fn: Run, command: &str, limit: Duration) -> Option<Vec<u8>> {
    let command = command.to_owned();
    within(STUCK, move || run_fn(&command, limit))
}

fn stuck(step: &str, command: &str) -> Failure {
    Failure::new(step).detail(format!(
        "got: no answer within {} s for {command:?}",
        STUCK.as_secs()
    ))
}

fn run(run_fn: Run, steps: &mut Steps) -> Result<(), Failure> {
    let roomy = Duration::from_secs(5);

    // 1. A command that prints and ends.
    let step = "`echo hi`: its stdout";
    let got = answer(run_fn, "echo hi", roomy).ok_or_else(|| stuck(step, "echo hi"))?;
    if got != b"hi\n" {
        return Err(Failure::new(step)
            .detail(format!("expected: {}", shown(b"hi\n")))
            .detail(format!("got: {}", shown(&got)))
            .hint("run the line with `sh -c` and answer the command's stdout, as it printed it."));
    }
    steps.ok("`echo hi` answers b\"hi\\n\"");

    // 2. A command that does not exist: the shell says so on stderr, stdout is empty.
    let step = "`no-such-command-07`: stdout is empty, so its stderr";
    let got = answer(run_fn, "no-such-command-07", roomy)
        .ok_or_else(|| stuck(step, "no-such-command-07"))?;
    let text = String::from_utf8_lossy(&got);
    if !(text.contains("no-such-command-07") && text.contains("not found")) {
        return Err(Failure::new(step)
            .detail("expected: the shell's line, like b\"sh: 1: no-such-command-07: not found\\n\"")
            .detail(format!("got: {}", shown(&got)))
            .hint(
                "notes A §9.1 answers stdout, or stderr when stdout is empty \
                 (`true_result if true_result else false_result`).",
            ));
    }
    steps.ok("`no-such-command-07` answers the shell's stderr line");

    // 3. A command that outlives its limit. The sleep's length is unique to this run, so
    // that the process table can be searched for it afterwards.
    let marker = format!("sleep 30.{:06}", std::process::id() % 1_000_000);
    let command = format!("echo started; {marker}");
    let limit = Duration::from_secs(1);
    let step = format!("`{command}` with a limit of 1 s");
    let Some(got) = answer(run_fn, &command, limit) else {
        let left = cleanup(&marker);
        let mut failure = stuck(&step, &command).detail(
            "the command runs for 30 s; the client would wait for all of it (and for ever \
             for `cat` or `ping`)",
        );
        if !left.is_empty() {
            failure = failure.detail(format!(
                "(the check killed what it left running: pid {})",
                left.join(", ")
            ));
        }
        return Err(failure.hint(
            "wait for the command at most `limit`: spawn it instead of output(), read its \
             pipes on threads, and poll try_wait() until the limit; then kill it \
             (docs/07, \"A time limit\").",
        ));
    };
    if !String::from_utf8_lossy(&got).contains("started") {
        cleanup(&marker);
        return Err(Failure::new(&step)
            .detail("expected: an answer that begins with b\"started\\n\", then a note")
            .detail(format!("got: {}", shown(&got)))
            .hint(
                "`started` was already in the stdout pipe when the command was killed: keep \
                 reading the pipe after the kill, and answer what it held.",
            ));
    }
    steps.ok("`echo started; sleep 30…` with a 1 s limit returns in time, with b\"started\\n\"");

    // 4. Nothing of it may still run.
    let left = cleanup(&marker);
    if !left.is_empty() {
        return Err(
            Failure::new(format!("after `{command}`: nothing left running"))
                .detail(format!(
                    "got: `{marker}` still running (pid {}); the check killed it",
                    left.join(", ")
                ))
                .hint(
                    "killing the shell (child.kill()) does not kill the `sleep` it started. Put \
                 the command in a process group of its own (CommandExt::process_group(0)) \
                 and kill the group: kill(-pid, SIGKILL).",
                ),
        );
    }
    steps.ok("no process of the killed command is left running");
    Ok(())
}

/// The pids of processes whose command line contains `marker`, each killed; empty when
/// none is left (or where the check cannot look).
#[cfg(unix)]
fn cleanup(marker: &str) -> Vec<String> {
    let Ok(out) = std::process::Command::new("pgrep")
        .arg("-f")
        .arg(marker)
        .output()
    else {
        return Vec::new();
    };
    let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    for pid in &pids {
        if let Ok(pid) = pid.parse::<libc::pid_t>() {
            // SAFETY: kill(2) takes plain integers. These are this check's own grandchildren,
            // found by a command line no other process has.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    pids
}

#[cfg(not(unix))]
fn cleanup(_marker: &str) -> Vec<String> {
    Vec::new()
}
