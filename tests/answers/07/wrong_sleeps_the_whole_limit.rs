//! Wrong answer to exercise 07: sleeps the whole limit, then looks: a command that ends at
//! once keeps the client waiting the whole limit anyway.
//! Rejected at: `echo hi`: its stdout, at once

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

fn drain(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

fn start(command: &str) -> std::io::Result<Child> {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut sh, 0);
    sh.spawn()
}

pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let Ok(mut child) = start(command) else {
        return b"error: could not run sh\n".to_vec();
    };
    let (out, err) = (drain(child.stdout.take()), drain(child.stderr.take()));
    thread::sleep(limit);
    let mut killed = false;
    if let Ok(None) = child.try_wait() {
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        killed = true;
    }
    let _ = child.wait();
    let (out, err) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    let mut answer = if out.is_empty() { err } else { out };
    if killed {
        answer.extend_from_slice(b"[killed at its time limit]\n");
    }
    answer
}
