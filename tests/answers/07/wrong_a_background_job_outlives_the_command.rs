//! Wrong answer to exercise 07 (from a teacher's blind set): scoped reader threads and a
//! group kill, but the group is killed only at the limit: a command that ends in time and
//! leaves a job in the background (sleep 100 >/dev/null 2>&1 & echo ok) leaves it running.
//! Rejected at: after `trap '' INT TERM HUP; sleep 30… >/dev/null 2>&1 & echo ok`: nothing left running

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let pid = child.id() as i32;
    let deadline = Instant::now() + limit;
    let (stdout, stderr, killed) = std::thread::scope(|s| {
        let o = s.spawn(move || {
            let mut v = Vec::new();
            let _ = out.read_to_end(&mut v);
            v
        });
        let e = s.spawn(move || {
            let mut v = Vec::new();
            let _ = err.read_to_end(&mut v);
            v
        });
        let mut killed = false;
        loop {
            match child.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() >= deadline => {
                    unsafe { libc::kill(-pid, libc::SIGKILL) };
                    let _ = child.wait();
                    killed = true;
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => {
                    let _ = child.wait();
                    break;
                }
            }
        }
        (
            o.join().unwrap_or_default(),
            e.join().unwrap_or_default(),
            killed,
        )
    });
    let mut answer = if stdout.is_empty() { stderr } else { stdout };
    if killed {
        answer
            .extend_from_slice(format!("[killed after {:?}, its time limit]\n", limit).as_bytes());
    }
    answer
}
