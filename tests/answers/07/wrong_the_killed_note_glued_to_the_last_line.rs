//! Wrong answer to exercise 07 (written blind, from the task text, by an independent
//! teacher): right in everything but the note, which it appends to the output as it is, so
//! output that does not end in a newline (`printf started; sleep 30`) gets the note glued to
//! its last line: `started [killed after 400ms]`, not a line of its own.
//! Rejected at: `printf started; sleep 30…` (no newline at the end of its output) with a limit of 0.4 s
//! Says: b"started [killed after 400ms]\n"

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn exited_unreaped(pid: libc::pid_t) -> bool {
    // SAFETY: zeroed siginfo is a valid out-parameter for waitid.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let rc = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    rc != 0 || unsafe { info.si_pid() } != 0
}

/// Runs `command` with `sh -c` and returns its answer: stdout, or stderr when stdout is
/// empty.
pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let mut child = match Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return format!("error: could not run sh: {e}\n").into_bytes(),
    };
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let (stdout, stderr, killed) = std::thread::scope(|s| {
        let t_out = s.spawn(move || {
            let mut v = Vec::new();
            let _ = out.read_to_end(&mut v);
            v
        });
        let t_err = s.spawn(move || {
            let mut v = Vec::new();
            let _ = err.read_to_end(&mut v);
            v
        });
        let deadline = Instant::now() + limit;
        let mut killed = false;
        while !exited_unreaped(pid) {
            let now = Instant::now();
            if now >= deadline {
                killed = true;
                break;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(5)));
        }
        // SAFETY: plain kill(2) on the group whose leader we have not reaped yet.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
        let _ = child.wait();
        (t_out.join().unwrap_or_default(), t_err.join().unwrap_or_default(), killed)
    });
    let mut answer = if !stdout.is_empty() { stdout } else { stderr };
    if killed {
        answer.extend_from_slice(format!(" [killed after {limit:?}]\n").as_bytes());
    }
    answer
}
