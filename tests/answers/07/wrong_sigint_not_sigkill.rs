//! Wrong answer to exercise 07: the group is interrupted with SIGINT, as Ctrl-C would: a
//! command that ignores SIGINT keeps running, and run waits for it.
//! Rejected at: `trap '' INT TERM HUP; echo started; sleep 30…` with a limit of 1 s
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

fn read_all(pipe: Option<impl Read + Send + 'static>) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut b = Vec::new();
        if let Some(mut p) = pipe {
            let _ = p.read_to_end(&mut b);
        }
        b
    })
}

pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let mut sh = Command::new("sh");
    sh.arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut sh, 0);
    let Ok(mut child) = sh.spawn() else {
        return b"error\n".to_vec();
    };
    let out = read_all(child.stdout.take());
    let err = read_all(child.stderr.take());
    let deadline = Instant::now() + limit;
    let mut killed = false;
    while let Ok(None) = child.try_wait() {
        if Instant::now() >= deadline {
            unsafe { libc::kill(-(child.id() as i32), libc::SIGINT) };
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
        answer.extend_from_slice(b"killed\n");
    }
    answer
}
