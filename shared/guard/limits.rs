//! Time limits on a peer: how long a server waits for a client's next request, how long it
//! waits inside one message or on a write, and how long a client waits for an answer.
//!
//! The notes' servers wait forever: one client that connects and sends nothing, or never
//! reads its answer, holds a one-at-a-time server for everyone else. A limit on every wait
//! turns that into one line naming the peer and the limit, and the server goes on.
//!
//! The limits are set on the socket (SO_RCVTIMEO / SO_SNDTIMEO through std's
//! `set_read_timeout` / `set_write_timeout`), so every `read` and `write` after them is
//! bounded without changing the code that reads. A read that runs out of time fails with
//! `WouldBlock` on Unix and `TimedOut` on Windows: [`is_timeout`] knows both.
//!
//! ```
//! use socket_lessons::guard::limits::{self, Limits};
//! use std::time::Duration;
//! let limits = Limits::server(Duration::from_secs(300));
//! assert_eq!(limits.idle, Duration::from_secs(300));
//! assert_eq!(limits.message, limits::MESSAGE_LIMIT);
//! ```

use std::io;
use std::net::TcpStream;
use std::time::Duration;

/// The default for a server's `--idle-limit SECS`: generous, so that a learner typing in the
/// other terminal is not cut off.
pub const DEFAULT_IDLE_SECS: u64 = 300;

/// The longest a server waits for the rest of a message that has begun, or for the peer to
/// take the bytes of an answer (a write blocks once our send buffer is full, which happens
/// when the peer stops reading and its receive window closes).
pub const MESSAGE_LIMIT: Duration = Duration::from_secs(10);

/// The longest a client waits for an answer (the first byte, then each further read). Longer
/// than a command server's default time limit, so a slow command is not taken for a dead
/// server. [`answer_limit`] is what the clients use.
pub const ANSWER_LIMIT: Duration = Duration::from_secs(60);

/// The environment variable that sets the clients' answer limit, in seconds (to see the
/// limit bite without waiting a minute: `SOCKET_LESSONS_ANSWER_LIMIT=2`).
pub const ANSWER_LIMIT_VAR: &str = "SOCKET_LESSONS_ANSWER_LIMIT";

/// The clients' limit on waiting for an answer: [`ANSWER_LIMIT_VAR`] when it holds a
/// positive number of seconds, [`ANSWER_LIMIT`] otherwise.
pub fn answer_limit() -> Duration {
    std::env::var(ANSWER_LIMIT_VAR)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&secs| secs > 0)
        .map_or(ANSWER_LIMIT, Duration::from_secs)
}

/// The limits a server puts on each connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest wait for a client's next request.
    pub idle: Duration,
    /// The longest wait inside a message, and on each write.
    pub message: Duration,
}

impl Limits {
    /// A server's limits: `idle` between requests, [`MESSAGE_LIMIT`] inside one and on writes.
    pub const fn server(idle: Duration) -> Self {
        Self {
            idle,
            message: MESSAGE_LIMIT,
        }
    }

    /// Before waiting for the next request: reads may wait `idle`, writes `message`.
    pub fn await_request(&self, stream: &TcpStream) -> io::Result<()> {
        stream.set_read_timeout(Some(nonzero(self.idle)))?;
        stream.set_write_timeout(Some(nonzero(self.message)))
    }

    /// Once a request has begun: the rest of it must come within `message`.
    pub fn in_message(&self, stream: &TcpStream) -> io::Result<()> {
        stream.set_read_timeout(Some(nonzero(self.message)))
    }
}

impl Limits {
    /// Waits (up to `idle`) for the first byte of the client's next request without taking
    /// it, then sets the message limit for the reads that take the request. `Ok(false)`:
    /// the client closed instead; an error for which [`is_timeout`] holds: it stayed idle.
    pub fn next_request(&self, stream: &TcpStream) -> io::Result<bool> {
        self.await_request(stream)?;
        let arrived = peek(stream, &mut [0u8; 1])? > 0;
        if arrived {
            self.in_message(stream)?;
        }
        Ok(arrived)
    }
}

/// A client's limit: every read of an answer waits at most `limit`, and so does every write.
pub fn await_answer(stream: &TcpStream, limit: Duration) -> io::Result<()> {
    stream.set_read_timeout(Some(nonzero(limit)))?;
    stream.set_write_timeout(Some(nonzero(limit)))
}

/// For a client: waits up to [`answer_limit`] for the first byte of an answer, without
/// taking it. `Ok(false)`: the server closed instead. A timeout is said as
/// [`answer_waited`] says it. The wait for an answer to *begin* is the long one (the server
/// may run a command or hash a file first); once it has begun, the answer's own clock
/// ([`crate::guard::pace`]) takes over. A signal that interrupts the wait is not an error:
/// the wait goes on ([`peek`]).
pub fn answer_begins(stream: &TcpStream) -> io::Result<bool> {
    await_answer(stream, answer_limit())?;
    match peek(stream, &mut [0u8; 1]) {
        Ok(n) => Ok(n > 0),
        Err(e) => Err(answer_waited(e)),
    }
}

/// One `recv` on `stream` under its read time limit, taken again when a signal interrupts
/// it, with the time that was left.
///
/// On Linux a socket read with a time limit (SO_RCVTIMEO) fails with EINTR when the
/// process is stopped and continued (`kill -STOP`, then `-CONT`; Ctrl-Z and `fg`), even
/// with no signal handler (signal(7)), and when a handler runs (Ctrl-C caught by `ctrlc`).
/// That is not the peer's doing: a server that took it for a broken connection would drop
/// a client that did nothing. The retry waits only what was left of the limit, so the
/// limit still bounds the whole wait; when nothing is left, it fails as a timeout does
/// ([`is_timeout`]). The stream's limit is as it was afterwards.
pub fn read(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    through_signals(stream, |s| {
        use std::io::Read;
        (&mut &*s).read(buf)
    })
}

/// [`read`] for `peek` (MSG_PEEK): the bytes stay queued.
pub fn peek(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    through_signals(stream, |s| s.peek(buf))
}

/// `op` once without waiting: `Some(n)` when bytes (or the peer's close, 0) were already
/// there, `None` when nothing was.
fn waiting_now(
    stream: &TcpStream,
    op: &mut impl FnMut(&TcpStream) -> io::Result<usize>,
) -> io::Result<Option<usize>> {
    stream.set_nonblocking(true)?;
    let now = op(stream);
    stream.set_nonblocking(false)?;
    match now {
        Ok(n) => Ok(Some(n)),
        Err(e)
            if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::Interrupted =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Runs `op` (one read of `stream`) again after each EINTR, with the read time limit set
/// to what was left of it.
fn through_signals(
    stream: &TcpStream,
    mut op: impl FnMut(&TcpStream) -> io::Result<usize>,
) -> io::Result<usize> {
    let started = std::time::Instant::now();
    let limit = stream.read_timeout()?;
    let mut shortened = false;
    let result = loop {
        match op(stream) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                let Some(limit) = limit else { continue };
                let left = limit.saturating_sub(started.elapsed());
                if left < Duration::from_millis(1) {
                    // The time is up, but this process may have been stopped past it
                    // (SIGSTOP, Ctrl-Z, a paused VM) while the peer's bytes came: what
                    // already waits is looked at once, without waiting, before the peer is
                    // blamed (an attack stopped 02, 06 and 13 past their idle limit after a
                    // client had sent its request, and they closed it for silence).
                    break match waiting_now(stream, &mut op)? {
                        Some(n) => Ok(n),
                        None => Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            crate::tr!("nothing within {}" | "{}内什么都没有等到", seconds(limit)),
                        )),
                    };
                }
                stream.set_read_timeout(Some(left))?;
                shortened = true;
            }
            // The same last look when the limit ran out as a plain timeout, after a real
            // wait (a non-blocking stream, lesson 11's, says WouldBlock at once: left alone).
            Err(e) if is_timeout(&e) && limit.is_some_and(|l| started.elapsed() >= l) => {
                break match waiting_now(stream, &mut op)? {
                    Some(n) => Ok(n),
                    None => Err(e),
                };
            }
            other => break other,
        }
    };
    if shortened {
        stream.set_read_timeout(limit)?;
    }
    result
}

/// For a client: an error that is [`answer_limit`] running out, said as such ("waiting for
/// the server's answer: nothing within 60 s"); any other error unchanged.
pub fn answer_waited(err: io::Error) -> io::Error {
    if is_timeout(&err) {
        io::Error::new(
            io::ErrorKind::TimedOut,
            timed_out(
                crate::lang::pick("waiting for the server's answer", "等待服务端的回答"),
                answer_limit(),
            ),
        )
    } else {
        err
    }
}

/// Whether `err` is a socket time limit running out (`WouldBlock` on Unix, `TimedOut` on
/// Windows), as opposed to a real failure.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// The line to print when a time limit ran out: what was waited for, and the limit, instead
/// of the OS's "Resource temporarily unavailable".
pub fn timed_out(what: &str, limit: Duration) -> String {
    crate::tr!(
        "{what}: nothing within {}" | "{what}：{}内什么都没有等到",
        seconds(limit)
    )
}

/// `300 s`, `1.5 s` (in Chinese `300 秒`, `1.5 秒`): a limit as a person reads it.
pub fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        crate::tr!("{} s" | "{} 秒", d.as_secs())
    } else {
        crate::tr!("{:.1} s" | "{:.1} 秒", d.as_secs_f64())
    }
}

/// A writer whose every write waits at most `limit` for the peer to take bytes, and fails
/// with `TimedOut` when it had to wait that long.
///
/// SO_SNDTIMEO alone is not enough for that: a blocking `send` that runs out of time after
/// taking *some* bytes returns that count, and `write_all` goes on with the rest, waiting
/// the whole limit again. A peer that never reads would hold the writer for several limits
/// (three, in a measured 16 MiB case: the send buffer takes a few more MB each time it
/// grows). A write that returns short only after the whole limit is a stall: this wrapper
/// reports it instead of waiting again.
pub struct WriteWithin<'a> {
    stream: &'a TcpStream,
    limit: Duration,
}

impl<'a> WriteWithin<'a> {
    /// Sets the stream's write timeout to `limit` and wraps it.
    pub fn new(stream: &'a TcpStream, limit: Duration) -> io::Result<Self> {
        stream.set_write_timeout(Some(nonzero(limit)))?;
        Ok(Self { stream, limit })
    }

    fn stalled(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            crate::tr!(
                "the peer took no more bytes within {}" | "对方在 {}内没有再收下任何字节",
                seconds(self.limit)
            ),
        )
    }

    fn check(&self, started: std::time::Instant, wanted: usize, n: usize) -> io::Result<usize> {
        if n < wanted && started.elapsed() >= self.limit {
            return Err(self.stalled());
        }
        Ok(n)
    }

    /// Runs `op` (one write) again after each EINTR (a stop and continue, as [`read`]
    /// says), with the write limit set to what was left of it, then as it was.
    fn through_signals(
        &self,
        started: std::time::Instant,
        mut op: impl FnMut(&TcpStream) -> io::Result<usize>,
    ) -> io::Result<usize> {
        let mut shortened = false;
        let result = loop {
            match op(self.stream) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    let left = self.limit.saturating_sub(started.elapsed());
                    if left < Duration::from_millis(1) {
                        break Err(self.stalled());
                    }
                    self.stream.set_write_timeout(Some(left))?;
                    shortened = true;
                }
                other => break other,
            }
        };
        if shortened {
            self.stream.set_write_timeout(Some(nonzero(self.limit)))?;
        }
        result
    }
}

impl io::Write for WriteWithin<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let started = std::time::Instant::now();
        let n = self.through_signals(started, |s| (&mut &*s).write(buf))?;
        self.check(started, buf.len(), n)
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        let started = std::time::Instant::now();
        let wanted = bufs.iter().map(|b| b.len()).sum();
        let n = self.through_signals(started, |s| (&mut &*s).write_vectored(bufs))?;
        self.check(started, wanted, n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `set_read_timeout(Some(0))` is an error in std: the smallest limit is a millisecond.
fn nonzero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::net::{connect_addr, listen, ListenOptions};
    use std::io::Read;

    #[test]
    fn an_idle_peer_times_out_and_is_recognised_as_such() {
        let listener = listen("127.0.0.1:0".parse().unwrap(), ListenOptions::new()).unwrap();
        let _client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let limits = Limits::server(Duration::from_millis(20));
        limits.await_request(&conn).unwrap();
        let err = conn.read(&mut [0u8; 8]).unwrap_err();
        assert!(is_timeout(&err), "{err:?}");
        assert_eq!(
            timed_out("waiting for a request", Duration::from_secs(300)),
            "waiting for a request: nothing within 300 s"
        );
    }

    #[test]
    fn seconds_reads_as_a_person_writes_them() {
        assert_eq!(seconds(Duration::from_secs(2)), "2 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
