//! Wrong answer to exercise 07: stdout is read to its end on a thread, and stderr only
//! after it: a command that fills the stderr pipe first waits for a reader that waits for
//! it, until the limit kills it.
//! Rejected at: a command that writes 82 KB to stderr, more than a pipe holds, then b"done\n" to stdout

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
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let reader = thread::spawn(move || {
        let mut out = Vec::new();
        let mut err = Vec::new();
        if let Some(mut p) = stdout {
            let _ = p.read_to_end(&mut out);
        }
        if let Some(mut p) = stderr {
            let _ = p.read_to_end(&mut err);
        }
        (out, err)
    });
    let deadline = Instant::now() + limit;
    let mut killed = false;
    while let Ok(None) = child.try_wait() {
        if Instant::now() >= deadline {
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            killed = true;
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    let _ = child.wait();
    let (out, err) = reader.join().unwrap_or_default();
    let mut answer = if out.is_empty() { err } else { out };
    if killed {
        answer.extend_from_slice(b"[killed at its time limit]\n");
    }
    answer
}
