//! Wrong answer to exercise 07 (from a teacher's blind set, where it was a right one): no
//! threads, both pipes read with poll(2) against the deadline, the group killed at the
//! limit. But only at the limit: a job the command leaves in the background keeps running
//! (and, when it holds the pipes, keeps run waiting until the limit).
//! Rejected at: after `trap '' INT TERM HUP; sleep 30… >/dev/null 2>&1 & echo ok`: nothing left running

use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{ChildStderr, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

pub fn run(command: &str, limit: Duration) -> Vec<u8> {
    let mut child = match Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return format!("error: could not run sh: {e}\n").into_bytes(),
    };
    let pgid = child.id() as libc::pid_t;
    let mut out: Option<ChildStdout> = child.stdout.take();
    let mut err: Option<ChildStderr> = child.stderr.take();
    let (mut so, mut se) = (Vec::new(), Vec::new());
    let deadline = Instant::now() + limit;
    let mut killed = false;
    let mut buf = [0u8; 8192];
    while out.is_some() || err.is_some() {
        let mut fds = Vec::new();
        if let Some(o) = &out {
            fds.push(libc::pollfd {
                fd: o.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        if let Some(e) = &err {
            fds.push(libc::pollfd {
                fd: e.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let timeout_ms: i32 = if killed {
            -1
        } else {
            let left = deadline.saturating_duration_since(Instant::now());
            left.as_millis().min(i32::MAX as u128) as i32
        };
        let rc = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if rc == 0 && !killed && Instant::now() >= deadline {
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
            killed = true;
            continue;
        }
        if rc < 0 {
            continue; // EINTR
        }
        for p in &fds {
            if p.revents == 0 {
                continue;
            }
            let is_out = out.as_ref().map(|o| o.as_raw_fd()) == Some(p.fd);
            let n = if is_out {
                out.as_mut().unwrap().read(&mut buf)
            } else {
                err.as_mut().unwrap().read(&mut buf)
            };
            match n {
                Ok(0) | Err(_) => {
                    if is_out {
                        out = None
                    } else {
                        err = None
                    }
                }
                Ok(n) => {
                    if is_out {
                        so.extend_from_slice(&buf[..n])
                    } else {
                        se.extend_from_slice(&buf[..n])
                    }
                }
            }
        }
    }
    // pipes closed: the shell may still be finishing; but not past the deadline
    loop {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) if !killed && Instant::now() >= deadline => {
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                killed = true;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    let mut answer = if so.is_empty() { se } else { so };
    if killed {
        answer.extend_from_slice(b"(killed: time limit)\n");
    }
    answer
}
