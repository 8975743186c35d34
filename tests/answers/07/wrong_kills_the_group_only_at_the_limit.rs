//! Wrong answer to exercise 07 (once kept as a right one): a thread waits for the command
//! and reports on a channel; the caller waits on the channel with the limit, and kills the
//! group with killpg, but only at the limit. A command that ends in time and leaves a job in
//! the background (`sleep 30 >/dev/null 2>&1 & echo ok`) leaves it running.
//! Rejected at: after `trap '' INT TERM HUP; sleep 30… >/dev/null 2>&1 & echo ok`: nothing left running

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
        let _ = child.wait();
        let _ = done_tx.send(());
    });
    let killed = done.recv_timeout(limit).is_err();
    if killed {
        unsafe { libc::killpg(group, libc::SIGKILL) };
    }
    let _ = waiter.join();
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
