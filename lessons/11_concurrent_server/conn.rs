//! One connection: of the non-blocking servers (`busy` and `poll`), a turn that reads what
//! has arrived, queues the answers, and sends what the socket takes; of the thread per
//! client (`threads`), a reader and a writer sharing the socket. And what a failed accept
//! costs, for all three ways.

use crate::{ACCEPT_BACKOFF, MAX_OUTBOX};
use socket_lessons::guard::limits::{self, Limits, WriteWithin};
use socket_lessons::stage::echo::RECV_SIZE;
use socket_lessons::stage::echo::{Echo, QUIT};
use socket_lessons::{say, Transcript};
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Instant;

/// One connection of the non-blocking servers (`busy` and `poll`): the socket, the
/// answers not yet sent, and whether the client has finished sending.
pub struct Conn<S> {
    pub stream: S,
    pub addr: SocketAddr,
    outbox: Vec<u8>,
    echo: Echo,
    /// When the client last sent a byte, and when the last byte of an answer left: the
    /// idle limit counts from the first, the write limit from the second.
    heard: Instant,
    taken: Instant,
    /// Set when the client closed its sending half (recv returned 0) or said `q`: nothing
    /// more is read, and the connection ends once the outbox is sent. A client may
    /// `shutdown(SHUT_WR)` right after its last message and still read the answer.
    ending: Option<String>,
}

/// What a turn at a connection found.
pub enum Turn {
    Open,
    /// The connection is over; the text says how.
    Over(String),
}

impl<S: Read + Write> Conn<S> {
    pub fn new(stream: S, addr: SocketAddr) -> Self {
        let now = Instant::now();
        Conn {
            stream,
            addr,
            outbox: Vec::new(),
            echo: Echo::new(),
            heard: now,
            taken: now,
            ending: None,
        }
    }

    /// When this connection runs out of time if nothing happens: the write limit while an
    /// answer waits to be taken, the idle limit otherwise.
    pub fn deadline(&self, waits: &Limits) -> Instant {
        if self.outbox.is_empty() {
            self.heard + waits.idle
        } else {
            self.taken.max(self.heard) + waits.message
        }
    }

    /// Why the connection is over at `now`, if its time ran out: a client that sends
    /// nothing for the idle limit, or takes none of its answer for the write limit, would
    /// otherwise hold its descriptor (and its memory) for ever.
    pub fn expired(&self, now: Instant, waits: &Limits) -> Option<String> {
        if now < self.deadline(waits) {
            return None;
        }
        Some(if self.outbox.is_empty() {
            format!(
                "sent nothing within {}: closing this connection",
                limits::seconds(waits.idle)
            )
        } else {
            format!(
                "took none of its answer within {}: closing this connection",
                limits::seconds(waits.message)
            )
        })
    }

    /// One turn at this connection, never waiting: read whatever has arrived, queue the
    /// answers, send as much as the socket takes now. A socket that has nothing says
    /// WouldBlock at once, where a blocking one would wait.
    ///
    /// The turn goes on until the socket itself says "wait" (WouldBlock) on the read or
    /// on the write. mio's readiness is edge-triggered: it reports "bytes arrived" or "room
    /// to write" once, when it happens. A turn that stopped reading because the outbox was
    /// full, then sent the whole outbox without filling the socket, would get no further
    /// event: bytes would sit unread in the kernel, and the client would wait for ever.
    pub fn take_turn(&mut self, buf: &mut [u8]) -> Turn {
        loop {
            // Read while there is room in the outbox (a client that sends and never reads
            // must not grow the server's memory without end).
            let mut read_waits = self.ending.is_some();
            while !read_waits && self.outbox.len() < MAX_OUTBOX {
                match self.stream.read(buf) {
                    // The notes: `if not msg: continue`, which keeps a dead connection in
                    // the list for ever and reads its end-of-stream again on every pass.
                    // Here the client is done sending: answer what it sent, then close.
                    Ok(0) => self.ending = Some("closed the connection".into()),
                    Ok(n) => {
                        self.heard = Instant::now();
                        let data = &buf[..n];
                        if data == QUIT {
                            self.ending = Some("said q: closing this connection".into());
                        } else {
                            let reply = self.echo.answer(self.addr, data, &Transcript::server());
                            self.outbox.extend_from_slice(&reply);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => read_waits = true,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Over(format!("broke the connection ({e})")),
                }
                read_waits |= self.ending.is_some();
            }
            // Send what the socket takes; keep the rest for the next turn. (The notes'
            // `c.send(...)` ignores how much was sent: the rest of the answer is lost.)
            let mut write_waits = false;
            while !write_waits && !self.outbox.is_empty() {
                match self.stream.write(&self.outbox) {
                    Ok(n) => {
                        self.outbox.drain(..n);
                        self.taken = Instant::now();
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => write_waits = true,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Over(format!("is gone ({e})")),
                }
            }
            if self.outbox.is_empty() {
                if let Some(why) = self.ending.take() {
                    return Turn::Over(why);
                }
            }
            // An event will come for whichever side is waiting: bytes or room.
            if read_waits || write_waits {
                return Turn::Open;
            }
        }
    }
}

/// One client of way 2: lesson 02's echo on blocking reads, with the answers written by a
/// second thread. With one thread, a client that pushes without reading would block the
/// thread in its write, so it would stop reading, and both would wait for ever once the
/// buffers are full. Here the reader goes on while the writer waits, up to
/// [`MAX_OUTBOX`] bytes of answers queued, as in ways 1 and 3.
pub fn serve_one(stream: TcpStream, addr: SocketAddr, waits: &Limits) -> String {
    // The idle limit on each read; the write limit on each write.
    let limited = stream
        .set_read_timeout(Some(waits.idle))
        .and_then(|()| stream.set_write_timeout(Some(waits.message)));
    if let Err(e) = limited {
        return format!("was dropped ({e})");
    }
    // One socket, two threads: `&TcpStream` reads and writes, so both share it without a
    // second descriptor (try_clone would need one, and fail when descriptors run out).
    let stream = Arc::new(stream);
    // Answers of at most RECV_SIZE bytes each: MAX_OUTBOX bytes of them.
    let (answers, to_send) = std::sync::mpsc::sync_channel::<Vec<u8>>(MAX_OUTBOX / RECV_SIZE);
    let writer = Arc::clone(&stream);
    let write_limit = waits.message;
    let sending = std::thread::Builder::new()
        .name(format!("answers to {addr}"))
        .spawn(move || -> io::Result<()> {
            // WriteWithin: a send that the peer holds up for the whole limit is a stall,
            // even when it took a few bytes (SO_SNDTIMEO alone would wait again for the rest).
            let mut out = WriteWithin::new(&writer, write_limit)?;
            for answer in to_send {
                out.write_all(&answer)?;
            }
            Ok(())
        });
    let sending = match sending {
        Ok(handle) => handle,
        Err(e) => return format!("was dropped: no thread for its answers ({e})"),
    };
    let mut echo = Echo::new();
    let mut buf = [0u8; RECV_SIZE];
    let ended = loop {
        let data = match (&*stream).read(&mut buf) {
            Ok(0) => break "closed the connection".to_owned(),
            Ok(n) => &buf[..n],
            Err(e) if limits::is_timeout(&e) => {
                break format!(
                    "sent nothing within {}: closing this connection",
                    limits::seconds(waits.idle)
                )
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => break format!("broke the connection ({e})"),
        };
        if data == QUIT {
            break "said q: closing this connection".to_owned();
        }
        // Waits while MAX_OUTBOX bytes of answers are queued: the client's sends wait too.
        if answers
            .send(echo.answer(addr, data, &Transcript::server()))
            .is_err()
        {
            break String::new(); // the writer stopped: its error says why, below
        }
    };
    // No more answers: the writer sends what is queued (a client that closed its sending
    // half still gets every answer), then the connection closes.
    drop(answers);
    match sending.join() {
        Ok(Ok(())) if !ended.is_empty() => ended,
        Ok(Ok(())) => "is gone".to_owned(),
        Ok(Err(e)) if limits::is_timeout(&e) => format!(
            "took none of its answer within {}: closing this connection",
            limits::seconds(waits.message)
        ),
        Ok(Err(e)) => format!("is gone ({e})"),
        Err(_) => "was dropped: its answer thread failed".to_owned(),
    }
}

/// Whether an accept failed because this process (EMFILE) or the whole system (ENFILE)
/// has no descriptor left for the new connection. The connection stays queued in the
/// kernel; trying again at once fails again, so the servers wait a moment instead.
fn out_of_descriptors(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE))
    }
    #[cfg(windows)]
    {
        e.raw_os_error() == Some(10024) // WSAEMFILE
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = e;
        false
    }
}

/// One line when accepting starts failing for lack of descriptors, one when it works again:
/// not a line per try (a busy loop retrying would write megabytes of the same error).
#[derive(Default)]
pub struct AcceptTrouble {
    pub out_of_descriptors: bool,
}

impl AcceptTrouble {
    /// An accept failed. Returns whether the caller should back off before trying again.
    pub fn failed(&mut self, e: &io::Error) -> bool {
        if out_of_descriptors(e) {
            if !self.out_of_descriptors {
                say!(
                    Transcript::server(),
                    "accept failed: {e}; serving the connected clients, and trying again every {} ms until a descriptor is free",
                    ACCEPT_BACKOFF.as_millis()
                );
                self.out_of_descriptors = true;
            }
            return true;
        }
        say!(Transcript::server(), "accept failed: {e}");
        false
    }

    /// An accept worked.
    pub fn ok(&mut self) {
        if std::mem::take(&mut self.out_of_descriptors) {
            say!(
                Transcript::server(),
                "a descriptor is free again: accepting"
            );
        }
    }
}
