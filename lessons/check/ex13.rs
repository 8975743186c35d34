//! The check of exercise 13: 20 small requests in a request/answer loop, and how many
//! segments each one took on the wire.
//!
//! Why segments, and not times or read sizes. The lesson's symptom is a 40 ms wait, but a
//! check must not assert times. The next idea, a server that records how many bytes its
//! first `read` of each request returns (4 would mean the header came alone), depends on
//! scheduling: while Linux is in "quick ACK" mode the header is acknowledged at once and
//! the body follows within microseconds, so whether the server's read wakes before the body
//! lands is luck. What does not depend on luck is what the client's TCP sent: the header of
//! two writes always leaves alone (nothing is unacknowledged when a request starts, because
//! the check reads each answer first, and that answer acknowledges the previous body), so a
//! request made of two writes is always two data segments, whether Nagle then holds the
//! body for 40 ms or not. One write of 64 bytes is always one. On Linux the kernel counts
//! the data segments a socket has sent (TCP_INFO, `tcpi_data_segs_out`); the check reads
//! that count before and after each `send_request`. Elsewhere it falls back to the server's
//! first read, and says so. The server's first read is shown in both cases, as an
//! illustration.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use socket_lessons::wire::net::{self, ListenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;

type SendRequest = fn(&mut TcpStream, &[u8]) -> io::Result<()>;

/// Requests in the loop.
const REQUESTS: usize = 20;
/// The body of each: lesson 13's 60 bytes (a 64-byte request with its header).
const BODY_LEN: usize = 60;

pub fn check(solution: bool) -> Outcome {
    let send: SendRequest = if solution {
        crate::solution_13::send_request
    } else {
        crate::learner_13::send_request
    };
    Steps::run(|steps| run(send, steps))
}

/// What the server saw of one request.
struct Seen {
    /// What its first blocking read returned.
    first_read: usize,
    /// The whole request, header included.
    wire: Vec<u8>,
}

/// The data segments this socket has sent so far (Linux: TCP_INFO's tcpi_data_segs_out).
#[cfg(target_os = "linux")]
fn data_segments(stream: &TcpStream) -> Option<u32> {
    use std::os::fd::AsRawFd;
    // SAFETY: `info` is a plain C struct that getsockopt fills in; `len` tells the kernel
    // its size, and the kernel writes at most that many bytes (and says how many).
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    // A kernel older than 4.6 fills in less and has no such count.
    let needed = std::mem::offset_of!(libc::tcp_info, tcpi_data_segs_out) + 4;
    (rc == 0 && len as usize >= needed).then_some(info.tcpi_data_segs_out)
}

#[cfg(not(target_os = "linux"))]
fn data_segments(_stream: &TcpStream) -> Option<u32> {
    None
}

/// The server: for each request, one blocking read as soon as bytes arrive (its size is
/// recorded), then the rest of the frame, then a one-byte answer.
fn server(mut conn: TcpStream, tx: mpsc::Sender<io::Result<Seen>>) {
    let _ = conn.set_read_timeout(Some(STUCK));
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..REQUESTS {
        let seen = (|| {
            let first_read = conn.read(&mut buf)?;
            if first_read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the connection ended before the request",
                ));
            }
            let mut wire = buf[..first_read].to_vec();
            while wire.len() < 4 || wire.len() < 4 + frame_len(&wire) {
                let n = conn.read(&mut buf)?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the connection ended after {}", shown(&wire)),
                    ));
                }
                wire.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"+")?;
            Ok(Seen { first_read, wire })
        })();
        let failed = seen.is_err();
        if tx.send(seen).is_err() || failed {
            return;
        }
    }
}

/// The body length the header announces (a negative one counts as 0).
fn frame_len(wire: &[u8]) -> usize {
    let len = i32::from_le_bytes([wire[0], wire[1], wire[2], wire[3]]);
    usize::try_from(len).unwrap_or(0)
}

fn run(send: SendRequest, steps: &mut Steps) -> Result<(), Failure> {
    let setup = |e: io::Error| Failure::new(format!("set up a connection: {e}"));
    let listener =
        net::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ListenOptions::new()).map_err(setup)?;
    let addr = listener.local_addr().map_err(setup)?;
    let mut client = net::connect_addr(addr).map_err(setup)?;
    let (conn, _) = listener.accept().map_err(setup)?;
    client.set_read_timeout(Some(STUCK)).map_err(setup)?;
    let (tx, seen) = mpsc::channel();
    std::thread::spawn(move || server(conn, tx));

    let counted = data_segments(&client).is_some();
    let mut first_reads = Vec::new();
    for i in 1..=REQUESTS {
        // Each body different, so that a request cannot be mistaken for the one before.
        let body: Vec<u8> = (0..BODY_LEN).map(|k| b'a' + ((i + k) % 26) as u8).collect();
        let mut want = (BODY_LEN as i32).to_le_bytes().to_vec();
        want.extend_from_slice(&body);
        let step = format!("request {i} of {REQUESTS}: send_request with a {BODY_LEN}-byte body");

        let before = data_segments(&client);
        let mut stream = client.try_clone().map_err(setup)?;
        let sent = within(STUCK, move || send(&mut stream, &body));
        match sent {
            Some(Ok(())) => {}
            Some(Err(e)) => {
                return Err(Failure::new(step).detail(format!("send_request returned Err: {e}")))
            }
            None => {
                return Err(Failure::new(step).detail(format!(
                    "send_request panicked or did not return within {} s",
                    STUCK.as_secs()
                )))
            }
        }
        let after = data_segments(&client);

        let seen = match seen.recv_timeout(STUCK) {
            Ok(Ok(seen)) => seen,
            Ok(Err(e)) => {
                return Err(Failure::new(step)
                    .detail(format!("expected: {}", shown(&want)))
                    .detail(format!("the server's read failed: {e}")))
            }
            Err(_) => {
                return Err(Failure::new(step)
                    .detail(format!("expected: {}", shown(&want)))
                    .detail(format!(
                        "got: the server had no whole request within {} s",
                        STUCK.as_secs()
                    )))
            }
        };
        if seen.wire != want {
            return Err(Failure::new(step)
                .detail(format!("expected on the wire: {}", shown(&want)))
                .detail(format!("got: {}", shown(&seen.wire)))
                .hint("a 4-byte little-endian i32 length (struct.pack('i', n)), then the body."));
        }
        let mut answer = [0u8; 1];
        if let Err(e) = client.read_exact(&mut answer) {
            return Err(Failure::new(step).detail(format!("the server's answer did not come: {e}")));
        }
        first_reads.push(seen.first_read);

        let segments = match (before, after) {
            (Some(b), Some(a)) => Some(a.wrapping_sub(b)),
            _ => None,
        };
        let one_segment = match segments {
            Some(n) => n == 1,
            None => seen.first_read == want.len(),
        };
        if !one_segment {
            let mut failure = Failure::new(step).detail(format!(
                "expected: the request's {} bytes in one segment",
                want.len()
            ));
            failure = match segments {
                Some(n) => failure.detail(format!(
                    "got: {n} data segments left your socket for this one request (the \
                     header, then the body)"
                )),
                None => failure.detail(
                    "got: more than one piece (this system does not count \
                     segments: the server's first read is the measure)",
                ),
            };
            failure = failure.detail(format!(
                "the server's first read of it returned {} of {} bytes",
                seen.first_read,
                want.len()
            ));
            return Err(failure.hint(
                "two writes per request: the 4-byte header leaves alone, and Nagle's algorithm \
                 holds the small body until the header is acknowledged, which the server delays \
                 because a header alone is nothing to answer: about 40 ms per request (docs/13). \
                 Put header and body in one write: framing::write_frame, or write_vectored with \
                 both slices. TCP_NODELAY would let the body go at once, but still as a second \
                 segment and a second system call, so this check accepts only one write.",
            ));
        }
    }
    let how = if counted {
        "one data segment each (counted by the kernel, TCP_INFO)"
    } else {
        "each in one piece (the server's first read)"
    };
    steps.ok(format!("{REQUESTS} requests, {how}"));
    if first_reads.iter().all(|&n| n == BODY_LEN + 4) {
        steps.ok(format!(
            "the server's first read of each request returned all {} bytes",
            BODY_LEN + 4
        ));
    }
    Ok(())
}
