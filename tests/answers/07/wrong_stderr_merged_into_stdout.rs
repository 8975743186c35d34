//! Wrong answer to exercise 07: the command runs with 2>&1, one pipe for both: simpler,
//! and the answer mixes stderr into stdout, where the notes answer one or the other.
//! Rejected at: stdout, or stderr when stdout is empty: `no-such-command-07`, `echo err >&2`, `echo out; echo err >&2`

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
    let Ok(mut child) = start(&format!("{{ {command}\n}} 2>&1")) else {
        return b"error: could not run sh\n".to_vec();
    };
    let out = drain(child.stdout.take());
    let _ = drain(child.stderr.take());
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
    let mut answer = out.join().unwrap_or_default();
    if killed {
        answer.extend_from_slice(b"[killed at its time limit]\n");
    }
    answer
}
