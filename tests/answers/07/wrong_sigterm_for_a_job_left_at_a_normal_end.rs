//! Wrong answer to exercise 07: what a command that ended left in its group gets SIGTERM
//! ("it had its chance to finish"), SIGKILL only at the limit: a job that ignores SIGTERM
//! (trap '' TERM in the shell that started it) keeps running.
//! Rejected at: after `trap '' INT TERM HUP; sleep 30… >/dev/null 2>&1 & echo ok`: nothing left running

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Runs `command` with `sh -c` and returns its answer: stdout, or stderr when stdout is
/// empty. A command still running at `limit` is killed, with everything it started; what a
/// command that ended left behind (`sleep 100 &`) is killed too.
pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(command)
        // No stdin: a command that reads it (cat) gets the end of file at once.
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Its own process group, whose id is the shell's pid: one kill reaches the shell and
    // everything it started (the `sleep`), which killing the shell alone would not.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut sh, 0);
    let mut child = match sh.spawn() {
        Ok(child) => child,
        Err(e) => return format!("error: could not run sh: {e}\n").into_bytes(),
    };
    // Both pipes read at once, each on its own thread: a command that fills one pipe
    // while we wait on the other would block, and so would we.
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    // Wait for the shell to end, at most `limit`.
    let deadline = Instant::now() + limit;
    let killed = loop {
        if ended(&mut child) {
            break false;
        }
        if Instant::now() >= deadline {
            break true;
        }
        thread::sleep(Duration::from_millis(10));
    };
    // Whatever is left of the group is killed: at the limit, the shell and its `sleep`; when
    // the shell ended in time, a job it left running in the background (`sleep 100 &`, which
    // would also keep the pipes open). Then the shell is collected: no zombie.
    if killed {
        kill_all(&mut child);
    } else {
        // It ended in time: ask what it left to finish.
        unsafe {
            libc::kill(-(child.id() as libc::pid_t), libc::SIGTERM);
        }
        let _ = child.wait();
    }
    // The pipes end when every process holding them has ended: after the group kill,
    // at once. (A command that put itself out of the group, with setsid, could hold them
    // open: lesson 07's page.)
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    let mut answer = if stdout.is_empty() { stderr } else { stdout };
    if killed {
        answer.extend_from_slice(
            format!("[killed after {} s, its time limit]\n", limit.as_secs_f64()).as_bytes(),
        );
    }
    answer
}

/// Reads a pipe to its end on a thread of its own.
fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// Whether the shell has ended, without collecting it (WNOWAIT): until it is collected, its
/// pid, which is its group's id, cannot be given to another process, so killing the group
/// afterwards cannot reach anyone else's.
#[cfg(unix)]
fn ended(child: &mut Child) -> bool {
    // SAFETY: waitid fills in a zeroed siginfo_t; WNOHANG returns at once, WNOWAIT leaves
    // the child to be collected by `wait` later.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let rc = libc::waitid(
            libc::P_PID,
            child.id() as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        // An error (the child is gone) counts as ended: `wait` will say the rest.
        rc != 0 || info.si_pid() != 0
    }
}

#[cfg(not(unix))]
fn ended(child: &mut Child) -> bool {
    !matches!(child.try_wait(), Ok(None))
}

/// Kills the command's whole process group, then collects the shell's exit status (so
/// that no zombie is left).
fn kill_all(child: &mut Child) {
    #[cfg(unix)]
    {
        // The group's id is the shell's pid (process_group(0) above); -pid names the group.
        let group = child.id() as libc::pid_t;
        // SAFETY: kill(2) takes plain integers; a group that is already gone gives ESRCH.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    {
        let _ = child.kill();
    }
    let _ = child.wait();
}
