//! Wrong answer to exercise 07: the process group is killed with SIGTERM, "the polite
//! signal", and then waited for: a command that ignores SIGTERM keeps running, and run
//! waits for it.
//! Rejected at: `trap '' INT TERM HUP; echo started; sleep 30…` with a limit of 1 s

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
    let deadline = Instant::now() + limit;
    let mut killed = false;
    while let Ok(None) = child.try_wait() {
        if Instant::now() >= deadline {
            unsafe { libc::kill(-(child.id() as i32), libc::SIGTERM) };
            killed = true;
            break;
        }
        thread::sleep(Duration::from_millis(10));
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
