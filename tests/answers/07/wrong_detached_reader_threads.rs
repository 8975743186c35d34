//! Wrong answer to exercise 07 (from a teacher's blind set): the reader threads are never
//! joined; once the shell ends, run sleeps 20 ms "for the readers to catch up" and answers
//! what they hold so far. The group is killed only at the limit, so a job left in the
//! background keeps running, and its readers with it.
//! Rejected at: after `trap '' INT TERM HUP; sleep 30… >/dev/null 2>&1 & echo ok`: nothing left running

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn reader(mut r: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = r.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
}

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
    let out = Arc::new(Mutex::new(Vec::new()));
    let err = Arc::new(Mutex::new(Vec::new()));
    reader(child.stdout.take().unwrap(), out.clone());
    reader(child.stderr.take().unwrap(), err.clone());
    let pid = child.id() as i32;
    let deadline = Instant::now() + limit;
    let mut killed = false;
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) if Instant::now() >= deadline => {
                unsafe { libc::kill(-pid, libc::SIGKILL) };
                let _ = child.wait();
                killed = true;
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
        }
    }
    std::thread::sleep(Duration::from_millis(20));
    let stdout = out.lock().unwrap().clone();
    let stderr = err.lock().unwrap().clone();
    let mut answer = if stdout.is_empty() { stderr } else { stdout };
    if killed {
        answer.extend_from_slice(b"killed\n");
    }
    answer
}
