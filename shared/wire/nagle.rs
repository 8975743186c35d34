//! The notes' two sends per message, and what Nagle's algorithm and delayed ACK make of
//! them (lesson 13 and `benches/speed.rs`).
//!
//! The notes send a header and then the body with two `send` calls. In a request/response
//! loop on a connection with Nagle's algorithm on (the default), the second small write is
//! held back until the first is acknowledged; the receiver, which cannot answer before it
//! has the body, delays that acknowledgement hoping to piggyback it on an answer. Each side
//! waits for the other until the delayed-ACK timer fires: about 40 ms per exchange on Linux.
//! One write per message, or TCP_NODELAY, removes the wait.

use crate::wire::fast_framing::{self, FrameReader};
use crate::wire::framing::encode_len;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// How a client puts one framed request on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// The notes' way: `send(header)`, then `send(body)`; Nagle on (the default)
    Two,
    /// Header and body in one `writev` (`framing::write_frame`); Nagle on
    One,
    /// The notes' two sends, with TCP_NODELAY set: no small segment is held back
    TwoNodelay,
}

impl Writes {
    /// All three, in the order the lesson shows them.
    pub const ALL: [Writes; 3] = [Writes::Two, Writes::One, Writes::TwoNodelay];

    /// The name a command line uses (`--writes two-nodelay`).
    pub const fn name(self) -> &'static str {
        match self {
            Writes::Two => "two",
            Writes::One => "one",
            Writes::TwoNodelay => "two-nodelay",
        }
    }

    /// One line on what it is, for `--help`, in the language of the moment.
    pub fn about(self) -> &'static str {
        match self {
            Writes::Two => crate::lang::pick(
                "the notes' way: send(header), then send(body); Nagle on (the default)",
                "笔记的写法：先 send(header)，再 send(body)；Nagle 开着（默认）",
            ),
            Writes::One => crate::lang::pick(
                "header and body in one writev (framing::write_frame); Nagle on",
                "固定报头和真实数据在一次 writev 里写出（framing::write_frame）；Nagle 开着",
            ),
            Writes::TwoNodelay => crate::lang::pick(
                "the notes' two sends, with TCP_NODELAY set",
                "笔记的两次 send，设了 TCP_NODELAY",
            ),
        }
    }

    /// A short label for tables and transcripts, in the language of the moment.
    pub fn label(self) -> &'static str {
        match self {
            Writes::Two => crate::lang::pick("two writes, Nagle on", "两次写，Nagle 开着"),
            Writes::One => crate::lang::pick("one write, Nagle on", "一次写，Nagle 开着"),
            Writes::TwoNodelay => {
                crate::lang::pick("two writes, TCP_NODELAY", "两次写，TCP_NODELAY")
            }
        }
    }

    /// Whether the client's socket gets TCP_NODELAY.
    pub const fn nodelay(self) -> bool {
        matches!(self, Writes::TwoNodelay)
    }
}

/// Sends one request frame (`struct.pack('i', len)` header, then the body) the way `writes`
/// says. Errors if the body is too long for the header.
pub fn send_request(stream: &mut TcpStream, body: &[u8], writes: Writes) -> io::Result<()> {
    match writes {
        Writes::Two | Writes::TwoNodelay => {
            // DELIBERATE: the notes' pattern, header and body as two separate writes.
            stream.write_all(&encode_len(body.len())?)?;
            stream.write_all(body)
        }
        Writes::One => fast_framing::write_frame(stream, body),
    }
}

/// The request body the lesson and the benchmark send: a command the framed servers of the
/// course and of the notes answer (`echo …`), `len` bytes long (at least 5).
pub fn request_body(len: usize) -> Vec<u8> {
    let mut body = b"echo ".to_vec();
    body.extend((0..len.saturating_sub(5)).map(|i| b'a' + (i % 26) as u8));
    body
}

/// Serves one connection: every request frame is answered with one frame, in one write
/// (the server's side is never the problem here). Returns how many requests it answered.
///
/// Requests are read through a [`FrameReader`]: a request that arrived whole costs one
/// read, not one for the header and another for the body. (A request sent as two writes
/// with Nagle on still costs two: its body is not there yet when the header is read.)
pub fn serve_echo(stream: &mut TcpStream) -> io::Result<usize> {
    let mut out: &TcpStream = stream;
    let mut requests = FrameReader::new(out);
    let mut answered = 0;
    while let Some(request) = requests.read_frame()? {
        // Answer like the course's command servers: `echo TEXT` gives TEXT.
        let reply = request.strip_prefix(b"echo ").unwrap_or(&request);
        fast_framing::write_frame(&mut out, reply)?;
        answered += 1;
    }
    Ok(answered)
}

/// What a run of exchanges measured.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub exchanges: usize,
    pub total: Duration,
}

impl Timing {
    /// The mean time of one exchange.
    pub fn per_exchange(&self) -> Duration {
        self.total / self.exchanges.max(1) as u32
    }
}

/// Runs `exchanges` request/response exchanges on `stream` (already connected; TCP_NODELAY
/// is set here when `writes` asks for it) and times them.
pub fn time_exchanges(
    stream: &mut TcpStream,
    writes: Writes,
    exchanges: usize,
    body: &[u8],
) -> io::Result<Timing> {
    stream.set_nodelay(writes.nodelay())?;
    // Answers come through a FrameReader (one read each); requests go out on the stream it
    // holds.
    let mut answers = FrameReader::new(stream);
    let start = Instant::now();
    for _ in 0..exchanges {
        send_request(answers.get_mut(), body, writes)?;
        if answers.read_frame()?.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                crate::tr!(
                    "the server closed the connection before answering"
                        | "服务端还没回答就关闭了连接"
                ),
            ));
        }
    }
    Ok(Timing {
        exchanges,
        total: start.elapsed(),
    })
}

/// One whole measurement on loopback: a server thread on a free port, one client
/// connection, `exchanges` exchanges the `writes` way.
pub fn measure_on_loopback(
    writes: Writes,
    exchanges: usize,
    body_len: usize,
) -> io::Result<Timing> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> io::Result<usize> {
        let (mut conn, _) = listener.accept()?;
        serve_echo(&mut conn)
    });
    let mut stream = TcpStream::connect(addr)?;
    let timing = time_exchanges(&mut stream, writes, exchanges, &request_body(body_len))?;
    drop(stream);
    match server.join() {
        Ok(answered) => {
            answered?;
        }
        Err(_) => {
            return Err(io::Error::other(crate::tr!(
                "the server thread panicked" | "服务端线程 panic 了"
            )))
        }
    }
    Ok(timing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_way_gets_every_answer() {
        for writes in Writes::ALL {
            // Few exchanges: this checks correctness, not time.
            let timing = measure_on_loopback(writes, 3, 64).unwrap();
            assert_eq!(timing.exchanges, 3);
        }
    }

    #[test]
    fn the_request_body_is_an_echo_command_of_the_asked_length() {
        let body = request_body(64);
        assert_eq!(body.len(), 64);
        assert!(body.starts_with(b"echo abc"));
    }

    #[test]
    fn two_writes_put_the_same_bytes_on_the_wire_as_one() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut a = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut b, _) = listener.accept().unwrap();
        send_request(&mut a, b"echo hi", Writes::Two).unwrap();
        send_request(&mut a, b"echo hi", Writes::One).unwrap();
        drop(a);
        let mut all = Vec::new();
        io::Read::read_to_end(&mut b, &mut all).unwrap();
        assert_eq!(all, b"\x07\0\0\0echo hi\x07\0\0\0echo hi");
    }
}
