//! A right answer to exercise 07 in another style: a thread waits for the shell to end
//! (waitid with WNOWAIT, which leaves it to be collected) and reports on a channel; the
//! caller waits on the channel with the limit, then kills the group with killpg, whatever
//! is left of it (the command at the limit, a job it left in the background when it ended
//! in time), and collects the shell.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn();
    let Ok(mut child) = child else {
        return b"error: could not run sh\n".to_vec();
    };
    let group = child.id() as libc::pid_t;
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let out = thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(p) = stdout.as_mut() {
            let _ = p.read_to_end(&mut b);
        }
        b
    });
    let err = thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(p) = stderr.as_mut() {
            let _ = p.read_to_end(&mut b);
        }
        b
    });
    let (done_tx, done) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        unsafe {
            libc::waitid(
                libc::P_PID,
                group as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        let _ = done_tx.send(());
    });
    let killed = done.recv_timeout(limit).is_err();
    unsafe { libc::killpg(group, libc::SIGKILL) };
    let _ = waiter.join();
    let _ = child.wait();
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    let mut answer = if out.is_empty() { err } else { out };
    if killed {
        answer.extend_from_slice(b"(killed: it ran past its time limit)\n");
    }
    answer
}
