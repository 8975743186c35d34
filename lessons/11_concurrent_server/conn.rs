//! One connection: of the non-blocking servers (`busy` and `poll`), a turn that reads what
//! has arrived, queues the answers, and sends what the socket takes; of the thread per
//! client (`threads`), a loop that answers each message before it reads the next. And what
//! a failed accept costs, for all three ways.

use crate::{ANSWERS, QUEUE_PER_CLIENT, QUEUE_TOTAL};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::quiet;
use socket_lessons::stage::echo::RECV_SIZE;
use socket_lessons::stage::echo::{Echo, QUIT};
use socket_lessons::{say, Transcript};
use std::io::{self, ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The bytes of answers queued in the whole server (ways 1 and 3, one thread each): a
/// connection may read more only while this is under [`QUEUE_TOTAL`], or while its own
/// queue is empty (so that clients who read their answers are never held up by those who
/// do not).
#[derive(Debug, Default)]
pub struct Queued(usize);

impl Queued {
    /// Whether a connection whose queue holds `own` bytes may read more now.
    fn may_read(&self, own: usize) -> bool {
        own == 0 || self.0 < QUEUE_TOTAL
    }
}

/// One connection of the non-blocking servers (`busy` and `poll`): the socket, the
/// answers not yet sent, and whether the client has finished sending.
pub struct Conn<S> {
    pub stream: S,
    pub addr: SocketAddr,
    /// The answers not yet sent: at most [`QUEUE_PER_CLIENT`] bytes and one answer, in a
    /// buffer allocated when the first answer waits and freed when the last one leaves.
    outbox: Vec<u8>,
    echo: Echo,
    /// When the client last sent a byte: the idle limit counts from it.
    heard: Instant,
    /// Since when answers have been waiting, and how many bytes of them have left since
    /// then: the answers' clock ([`ANSWERS`]), one for as long as the outbox is not empty,
    /// so that a client taking a few bytes now and then cannot start it again.
    waiting: Option<(Instant, u64)>,
    /// Set when the client closed its sending half (recv returned 0) or said `q`: nothing
    /// more is read, and the connection ends once the outbox is sent. A client may
    /// `shutdown(SHUT_WR)` right after its last message and still read the answer.
    ending: Option<String>,
}

/// What a turn at a connection found.
pub enum Turn {
    Open,
    /// The connection is over; the ending says how.
    Over(Ending),
}

/// How a connection ended: the words after the address on its last line, and whether it
/// broke (a reset, an error). A peer can break connections as fast as it can open them
/// (connect, then a RST): [`crate::clients::Clients::leave`] gives those lines a gate.
pub struct Ending {
    pub why: String,
    pub broke: bool,
}

impl Ending {
    fn clean(why: String) -> Self {
        Ending { why, broke: false }
    }

    pub fn broken(why: String) -> Self {
        Ending { why, broke: true }
    }
}

impl<S: Read + Write> Conn<S> {
    pub fn new(stream: S, addr: SocketAddr) -> Self {
        Conn {
            stream,
            addr,
            outbox: Vec::new(),
            echo: Echo::new(),
            heard: Instant::now(),
            waiting: None,
            ending: None,
        }
    }

    /// When this connection runs out of time if nothing happens: the answers' clock while
    /// answers wait to be taken, the idle limit otherwise.
    pub fn deadline(&self, waits: &Limits) -> Instant {
        match self.waiting {
            Some((since, moved)) => since + ANSWERS.allowed(moved),
            // `--idle-limit` is the operator's: a huge one (u64::MAX seconds) would overflow
            // an Instant and panic (found by an attack); it means "for ever", so it waits
            // about 136 years instead.
            None => self
                .heard
                .checked_add(waits.idle)
                .unwrap_or(self.heard + std::time::Duration::from_secs(1 << 32)),
        }
    }

    /// Why the connection is over at `now`, if its time ran out: a client that sends
    /// nothing for the idle limit, or does not take its answers at the answers' pace,
    /// would otherwise hold its descriptor (and its queue) for ever.
    pub fn expired(&self, now: Instant, waits: &Limits) -> Option<Ending> {
        if now < self.deadline(waits) {
            return None;
        }
        Some(Ending::clean(match self.waiting {
            Some((since, moved)) => socket_lessons::tr!(
                "did not take its answers in time ({moved} bytes in {}; {} allowed): closing this connection"
                    | "没有及时取走回答（{}内取走了 {moved} 字节；允许的是 {}）：关闭这条连接",
                limits::seconds(round_down(now - since)),
                ANSWERS.describe()
            ),
            None => sent_nothing(waits),
        }))
    }

    /// The queued bytes go back to the server's total when the connection ends.
    pub fn release(&mut self, queued: &mut Queued) {
        queued.0 -= self.outbox.len();
        self.outbox = Vec::new();
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
    pub fn take_turn(&mut self, buf: &mut [u8], queued: &mut Queued) -> Turn {
        loop {
            // Read while this client's queue has room and the server's total allows it:
            // back-pressure. A client whose answers cannot leave is not read from, so its
            // bytes wait in the kernel's buffers, and TCP's flow control stops its sends.
            let mut read_waits = self.ending.is_some();
            while !read_waits
                && self.outbox.len() < QUEUE_PER_CLIENT
                && queued.may_read(self.outbox.len())
            {
                match self.stream.read(buf) {
                    // The notes: `if not msg: continue`, which keeps a dead connection in
                    // the list for ever and reads its end-of-stream again on every pass.
                    // Here the client is done sending: answer what it sent, then close.
                    Ok(0) => self.ending = Some(closed()),
                    Ok(n) => {
                        self.heard = Instant::now();
                        let data = &buf[..n];
                        if data == QUIT {
                            self.ending = Some(said_q());
                        } else {
                            let reply = self.echo.answer(self.addr, data, &Transcript::server());
                            self.queue(&reply, queued);
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => read_waits = true,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Over(broke(&e)),
                }
                read_waits |= self.ending.is_some();
            }
            // Send what the socket takes; keep the rest for the next turn. (The notes'
            // `c.send(...)` ignores how much was sent: the rest of the answer is lost.)
            let mut write_waits = false;
            while !write_waits && !self.outbox.is_empty() {
                match self.stream.write(&self.outbox) {
                    Ok(n) => self.sent(n, queued),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => write_waits = true,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Turn::Over(gone(&e)),
                }
            }
            if self.outbox.is_empty() {
                if let Some(why) = self.ending.take() {
                    return Turn::Over(Ending::clean(why));
                }
            }
            // An event will come for whichever side is waiting: bytes, or room. (A read
            // held back by a limit always has answers waiting, so its write waits too.)
            if read_waits || write_waits {
                return Turn::Open;
            }
            // Neither waits: reading stopped at a limit, and the whole queue has left
            // since. Read on; no event would come for those bytes.
        }
    }

    /// An answer joins the queue; the answers' clock starts if it was empty.
    fn queue(&mut self, reply: &[u8], queued: &mut Queued) {
        if self.outbox.is_empty() {
            self.outbox = Vec::with_capacity(QUEUE_PER_CLIENT + RECV_SIZE);
            self.waiting = Some((Instant::now(), 0));
        }
        self.outbox.extend_from_slice(reply);
        queued.0 += reply.len();
    }

    /// `n` bytes of the queue left; an empty queue stops the clock and frees its buffer.
    fn sent(&mut self, n: usize, queued: &mut Queued) {
        self.outbox.drain(..n);
        queued.0 -= n;
        if let Some((_, moved)) = &mut self.waiting {
            *moved += n as u64;
        }
        if self.outbox.is_empty() {
            self.outbox = Vec::new();
            self.waiting = None;
        }
    }
}

/// How a connection ended, as the server's "closed" line says it after the address
/// (`127.0.0.1:50000 closed the connection (2 still connected)`).
fn closed() -> String {
    socket_lessons::tr!("closed the connection" | "关闭了连接")
}

fn said_q() -> String {
    socket_lessons::tr!("said q: closing this connection" | "说了 q：关闭这条连接")
}

fn sent_nothing(waits: &Limits) -> String {
    socket_lessons::tr!(
        "sent nothing within {}: closing this connection" | "{}内什么都没有发：关闭这条连接",
        limits::seconds(waits.idle)
    )
}

fn broke(e: &io::Error) -> Ending {
    Ending::broken(socket_lessons::tr!(
        "broke the connection ({})" | "连接断了（{}）",
        socket_lessons::lang::error_text(e)
    ))
}

fn gone(e: &io::Error) -> Ending {
    Ending::broken(socket_lessons::tr!(
        "is gone ({})" | "已经不在了（{}）",
        socket_lessons::lang::error_text(e)
    ))
}

/// A connection the server could not take on (a socket option or a registration failed).
pub fn dropped(e: &io::Error) -> Ending {
    Ending::broken(socket_lessons::tr!(
        "was dropped ({})" | "被直接断开了（{}）",
        socket_lessons::lang::error_text(e)
    ))
}

/// A time as a line shows it: to the tenth of a second below.
fn round_down(d: Duration) -> Duration {
    Duration::from_millis(d.as_millis() as u64 / 100 * 100)
}

/// One client of way 2: lesson 02's echo on blocking reads, each answer written before the
/// next message is read. That is back-pressure with no queue at all: a client that sends
/// and does not read finds its answer waiting in the kernel's buffers, then the thread
/// waiting in its write, then nothing read from it, and TCP's flow control stops its sends.
/// Each answer (at most 1 KiB) runs on one clock ([`ANSWERS`]), partial writes included.
pub fn serve_one(stream: TcpStream, addr: SocketAddr, waits: &Limits) -> Ending {
    // The idle limit on each read; the answers' clock on each write.
    if let Err(e) = stream.set_read_timeout(Some(waits.idle)) {
        return dropped(&e);
    }
    let mut echo = Echo::new();
    let mut buf = [0u8; RECV_SIZE];
    loop {
        let data = match (&stream).read(&mut buf) {
            Ok(0) => return Ending::clean(closed()),
            Ok(n) => &buf[..n],
            Err(e) if limits::is_timeout(&e) => return Ending::clean(sent_nothing(waits)),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return broke(&e),
        };
        if data == QUIT {
            return Ending::clean(said_q());
        }
        let answer = echo.answer(addr, data, &Transcript::server());
        let what = socket_lessons::lang::pick("its answer", "它的回答");
        if let Err(e) = Paced::new(&stream, ANSWERS, what).write_all(&answer) {
            if e.kind() == ErrorKind::TimedOut {
                return Ending::clean(socket_lessons::tr!(
                    "did not take its answers in time ({e}): closing this connection"
                        | "没有及时取走回答（{e}）：关闭这条连接"
                ));
            }
            return gone(&e);
        }
    }
}

/// What a failed accept costs, for all three ways: the library's [`quiet::AcceptTrouble`]
/// (one line when accepting starts failing for lack of descriptors or memory, one when it
/// works again, and a pause between tries; other failures a few lines per 10 s, then a
/// count), and whether the server is out of descriptors now, which the poll server needs
/// to know: the clients still queued get no new event, so it wakes itself to try again.
#[derive(Default)]
pub struct AcceptTrouble {
    quiet: quiet::AcceptTrouble,
    pub out_of_descriptors: bool,
}

impl AcceptTrouble {
    /// An accept failed. Returns whether the caller should back off before trying again.
    pub fn failed(&mut self, e: &io::Error) -> bool {
        let after = self.quiet.failed(e);
        if let Some(line) = after.line {
            say!(Transcript::server(), "{line}");
        }
        self.out_of_descriptors = after.pause > Duration::ZERO;
        self.out_of_descriptors
    }

    /// An accept worked.
    pub fn ok(&mut self) {
        self.out_of_descriptors = false;
        if let Some(line) = self.quiet.ok() {
            say!(Transcript::server(), "{line}");
        }
    }
}
