//! Limits on a whole request, not on the gaps between its bytes.
//!
//! A per-read time limit (SO_RCVTIMEO, [`crate::guard::limits`]) starts again with every
//! `recv`: a peer that sends one byte every few seconds never trips it and holds a
//! one-at-a-time server as long as it likes. The same goes for a per-write limit and a
//! reader that takes a few bytes now and then: each partial `send` restarts the clock.
//!
//! [`Pace`] puts one clock on the whole message instead, the way Apache's mod_reqtimeout
//! does (`header=20-40,MinRate=500 body=20,MinRate=500`): a message has `grace` to begin
//! with, and each byte that moves earns `1 / min_rate` s more, up to `most` if there is a
//! most. A peer that keeps to the rate is never cut off, whatever the size; one that
//! drips, stalls or stops reading runs out of time after the grace plus what its bytes
//! earned. Every read or write is given the time left (SO_RCVTIMEO / SO_SNDTIMEO set to it
//! before the call), so a call cannot outlast the clock either.
//!
//! ```
//! use socket_lessons::guard::pace::Pace;
//! use std::time::Duration;
//! // 10 s to begin, 500 bytes a second after that, 20 s at most: mod_reqtimeout's
//! // `header=10-20,MinRate=500`.
//! let header = Pace::new(Duration::from_secs(10), 500).at_most(Duration::from_secs(20));
//! assert_eq!(header.allowed(0), Duration::from_secs(10));
//! assert_eq!(header.allowed(1_000), Duration::from_secs(12));
//! assert_eq!(header.allowed(1_000_000), Duration::from_secs(20));
//! ```

use crate::guard::timed;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The clock of one message: how long it may take, given how many bytes have moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// Time allowed before any byte counts.
    pub grace: Duration,
    /// Bytes per second that earn more time: each byte adds `1 / min_rate` s.
    pub min_rate: u64,
    /// The longest the message may take, whatever its rate (`None`: no ceiling).
    pub most: Option<Duration>,
}

impl Pace {
    /// `grace` to begin with, then `min_rate` bytes a second.
    pub const fn new(grace: Duration, min_rate: u64) -> Self {
        Self {
            grace,
            min_rate,
            most: None,
        }
    }

    /// The same, never longer than `most` in all.
    pub const fn at_most(self, most: Duration) -> Self {
        Self {
            most: Some(most),
            ..self
        }
    }

    /// How long the message may have taken once `moved` bytes have moved.
    pub fn allowed(&self, moved: u64) -> Duration {
        let earned = if self.min_rate == 0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(moved as f64 / self.min_rate as f64)
        };
        let allowed = self.grace.saturating_add(earned);
        self.most.map_or(allowed, |most| allowed.min(most))
    }

    /// `10 s, then 500 B/s, 20 s at most`: the limit as the pages state it.
    pub fn describe(&self) -> String {
        let mut text = crate::tr!(
            "{}, then {} B/s" | "{}，之后 {} B/s",
            crate::guard::limits::seconds(self.grace),
            self.min_rate
        );
        if let Some(most) = self.most {
            text.push_str(&crate::tr!(
                ", {} at most" | "，最多 {}",
                crate::guard::limits::seconds(most)
            ));
        }
        text
    }
}

/// A stream read or written under a [`Pace`]: the clock starts at [`Paced::new`] and runs
/// over every call until the value is dropped. When the time allowed is up, a call fails
/// with `TimedOut` and a message that says what was being waited for, how many bytes had
/// moved and the limit.
pub struct Paced<'a> {
    stream: &'a TcpStream,
    pace: Pace,
    what: &'static str,
    started: Instant,
    moved: u64,
}

impl<'a> Paced<'a> {
    /// Starts the clock of `what` (`"the request's header"`, `"the answer"`; in both
    /// languages `lang::pick("the answer", "回答")`) on `stream`.
    pub fn new(stream: &'a TcpStream, pace: Pace, what: &'static str) -> Self {
        Self {
            stream,
            pace,
            what,
            started: Instant::now(),
            moved: 0,
        }
    }

    /// Bytes that have moved under this clock.
    pub fn moved(&self) -> u64 {
        self.moved
    }

    /// The time left, or the error that ends the message.
    fn left(&self) -> io::Result<Duration> {
        let allowed = self.pace.allowed(self.moved);
        match allowed.checked_sub(self.started.elapsed()) {
            // Below a millisecond Windows' SO_RCVTIMEO (a DWORD of milliseconds) cannot say
            // it, and Linux rounds it up to a clock tick; 0 means "no limit" on both.
            Some(left) if left >= Duration::from_millis(1) => Ok(left),
            _ => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                crate::tr!(
                    "{} too slow: {} bytes in {} ({} allowed)"
                        | "{}太慢了：{} 字节用了 {}，允许的是 {}",
                    self.what,
                    self.moved,
                    crate::guard::limits::seconds(self.started.elapsed()),
                    self.pace.describe()
                ),
            )),
        }
    }

    /// An OS time limit running out inside a call is the clock running out.
    fn timed_out(&self, e: io::Error) -> io::Error {
        if crate::guard::limits::is_timeout(&e) {
            self.left().err().unwrap_or(e)
        } else {
            e
        }
    }
}

impl Paced<'_> {
    /// Sends up to `len` bytes of `file`, from its current position, under this clock, and
    /// returns how many were sent: fewer than `len` only when the file ended first.
    ///
    /// On Linux with `sendfile(2)`, as `io::copy` from a `File` to a `TcpStream` does: the
    /// kernel copies from the page cache to the socket, and nothing passes through this
    /// program. (`io::copy` cannot be used here: it knows a `TcpStream`, not this wrapper,
    /// and each of its calls would wait a whole send time limit again after a partial
    /// send.) Each call is given the time left. Elsewhere, and for a file `sendfile` cannot
    /// read (EINVAL: some files of /proc, such as /proc/self/stat, and of other file systems
    /// that offer no mmap-like read), chunks read and written.
    pub fn send_file(&mut self, file: &mut std::fs::File, len: u64) -> io::Result<u64> {
        let mut sent = 0u64;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            while sent < len {
                let left = self.left()?;
                self.stream.set_write_timeout(Some(left))?;
                let step = (len - sent).min(1 << 20) as usize;
                // SAFETY: sendfile(2) with two descriptors we hold open and a null offset
                // (it reads from, and advances, the file's own position).
                let n = unsafe {
                    libc::sendfile(
                        self.stream.as_raw_fd(),
                        file.as_raw_fd(),
                        std::ptr::null_mut(),
                        step,
                    )
                };
                if n < 0 {
                    let e = io::Error::last_os_error();
                    if e.kind() == io::ErrorKind::Interrupted {
                        continue;
                    }
                    // The file is one sendfile cannot read from (an attack uploaded
                    // /proc/self/status: EINVAL, and the upload stopped there): the same
                    // bytes, read and written below.
                    if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) {
                        break;
                    }
                    return Err(self.timed_out(e));
                }
                if n == 0 {
                    return Ok(sent); // the file ended
                }
                self.moved += n as u64;
                sent += n as u64;
            }
        }
        let mut buf = vec![0u8; 64 * 1024];
        while sent < len {
            let want = (len - sent).min(buf.len() as u64) as usize;
            let n = match file.read(&mut buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            self.write_all(&buf[..n])?;
            sent += n as u64;
        }
        Ok(sent)
    }
}

// A call interrupted by a signal (EINTR: on Linux a socket call with a time limit fails so
// when the process is stopped and continued, signal(7)) is made again here, with the time
// left on this clock, not a fresh limit: not the peer's doing, and no caller has to retry.

impl Read for Paced<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let left = match self.left() {
                Ok(left) => left,
                // Out of time: bytes already waiting in the kernel are taken first, and the
                // message ends only when none wait (the server, not the peer, was slow:
                // `timed::read_waiting`). A message is bounded, so bytes that keep coming
                // after the clock ran out end it.
                Err(out) => return self.read_waiting(buf, out),
            };
            self.stream.set_read_timeout(Some(left))?;
            match (&mut &*self.stream).read(buf) {
                Ok(n) => {
                    self.moved += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.timed_out(e)),
            }
        }
    }
}

impl Paced<'_> {
    /// Once the clock has run out: the bytes already waiting ([`timed::read_waiting`]),
    /// the end of the stream, or `out` (the clock's error) when nothing waits.
    fn read_waiting(&mut self, buf: &mut [u8], out: io::Error) -> io::Result<usize> {
        match timed::read_waiting(self.stream, buf) {
            Ok(n) => {
                self.moved += n as u64;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Err(out),
            Err(e) => Err(e),
        }
    }
}

impl Write for Paced<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            let left = self.left()?;
            self.stream.set_write_timeout(Some(left))?;
            match (&mut &*self.stream).write(buf) {
                Ok(n) => {
                    self.moved += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.timed_out(e)),
            }
        }
    }

    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        loop {
            let left = self.left()?;
            self.stream.set_write_timeout(Some(left))?;
            match (&mut &*self.stream).write_vectored(bufs) {
                Ok(n) => {
                    self.moved += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.timed_out(e)),
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::net::{connect_addr, listen, ListenOptions};

    fn pair() -> (TcpStream, TcpStream) {
        let listener = listen("127.0.0.1:0".parse().unwrap(), ListenOptions::new()).unwrap();
        let client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        (client, server)
    }

    /// Attack 16: sendfile(2) cannot read some files of /proc (EINVAL); an upload of
    /// /proc/self/status stopped there. The same bytes are now read and written.
    #[cfg(target_os = "linux")]
    #[test]
    fn send_file_sends_a_file_sendfile_cannot_read() {
        let (sender, mut receiver) = pair();
        // Its length changes from one read to the next (the process's own counters): what
        // is checked is that bytes went, and that every byte said sent arrived.
        let mut file = std::fs::File::open("/proc/self/stat").unwrap();
        let pace = Pace::new(Duration::from_secs(10), 1 << 20);
        let sent = Paced::new(&sender, pace, "test")
            .send_file(&mut file, 1 << 20)
            .unwrap();
        assert!(sent > 0);
        drop(sender);
        let mut got = Vec::new();
        receiver.read_to_end(&mut got).unwrap();
        assert_eq!(got.len() as u64, sent);
    }

    #[test]
    fn bytes_earn_time_up_to_the_ceiling() {
        let pace = Pace::new(Duration::from_secs(2), 100).at_most(Duration::from_secs(5));
        assert_eq!(pace.allowed(0), Duration::from_secs(2));
        assert_eq!(pace.allowed(100), Duration::from_secs(3));
        assert_eq!(pace.allowed(10_000), Duration::from_secs(5));
        assert_eq!(
            Pace::new(Duration::from_secs(2), 100).allowed(10_000),
            Duration::from_secs(102)
        );
    }

    #[test]
    fn bytes_waiting_when_the_clock_runs_out_are_read_and_only_then_it_ends() {
        // A reader that did not read for longer than its clock (a server stopped with
        // SIGSTOP): the bytes sent meanwhile wait in the kernel and are read; then, with
        // nothing waiting, the clock ends the message.
        let (mut client, server) = pair();
        let mut paced = Paced::new(
            &server,
            Pace::new(Duration::from_millis(20), 1),
            "the request",
        );
        client.write_all(b"sent in time").unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let mut got = [0u8; 64];
        let mut all = Vec::new();
        let err = loop {
            match paced.read(&mut got[..5]) {
                Ok(0) => panic!("the client has not closed"),
                Ok(n) => all.extend_from_slice(&got[..n]),
                Err(e) => break e,
            }
        };
        assert_eq!(all, b"sent in time");
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        // The stream is a blocking one again.
        client.write_all(b"!").unwrap();
        server.set_read_timeout(None).unwrap();
        assert_eq!((&server).read(&mut got).unwrap(), 1);
    }

    #[test]
    fn a_peer_that_drips_runs_out_of_time_though_no_gap_is_long() {
        // 300 ms to begin, 10 bytes a second: a byte every 150 ms earns only 100 ms each.
        let (mut client, server) = pair();
        let dripper = std::thread::spawn(move || {
            for _ in 0..40 {
                if client.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(150));
            }
        });
        let mut paced = Paced::new(
            &server,
            Pace::new(Duration::from_millis(300), 10),
            "the request",
        );
        let mut buf = [0u8; 1];
        let err = loop {
            match paced.read(&mut buf) {
                Ok(0) => panic!("the dripper ended first"),
                Ok(_) => {}
                Err(e) => break e,
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(
            err.to_string().starts_with("the request too slow: "),
            "{err}"
        );
        assert!(paced.moved() < 40, "cut off after {} bytes", paced.moved());
        drop(server);
        dripper.join().unwrap();
    }

    #[test]
    fn a_reader_that_never_reads_cannot_stretch_an_answer_by_taking_a_little() {
        let (client, server) = pair();
        let mut paced = Paced::new(
            &server,
            Pace::new(Duration::from_millis(300), 1024 * 1024),
            "the answer",
        );
        let big = vec![0u8; 64 << 20];
        let started = Instant::now();
        let err = paced.write_all(&big).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        // The kernel's buffers took some megabytes, which earned a few seconds at 1 MiB/s;
        // the clock did not restart with each partial write.
        let allowed = Pace::new(Duration::from_millis(300), 1024 * 1024).allowed(paced.moved());
        assert!(
            started.elapsed() < allowed + Duration::from_secs(2),
            "{:?} for {} bytes",
            started.elapsed(),
            paced.moved()
        );
        drop(client);
    }
}
