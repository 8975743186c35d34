//! The client's ways of putting one framed request on the wire, and the loop that times
//! them: the notes' two writes, the three fixes that work everywhere or on the sender
//! (one write, TCP_NODELAY; the receiver's TCP_QUICKACK is the server's, in main.rs), the
//! two Linux ways of gathering writes (TCP_CORK, MSG_MORE), and the two requests that show
//! Linux's own version of Nagle's rule.

use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::{limits, timed};
use socket_lessons::wire::fast_framing::{self, FrameReader};
use socket_lessons::wire::framing::encode_len;
use socket_lessons::wire::net;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The segment size the two "Linux's rule" ways ask for (TCP_MAXSEG, before `connect`), so
/// that a request can fill one segment exactly: on loopback a segment holds tens of
/// kilobytes, and how many depends on the windows.
pub const SMALL_MSS: u32 = 1000;

/// How a client puts one framed request on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// The notes' way: `send(header)`, then `send(body)`; Nagle on.
    Two,
    /// Header and body in one `writev` (`framing::write_frame`).
    One,
    /// The notes' two writes with TCP_NODELAY: nothing is held back.
    TwoNodelay,
    /// The two writes between TCP_CORK on and off (Linux): the kernel sends no partial
    /// segment while corked, so header and body leave together when the cork comes off.
    Cork,
    /// The header sent with MSG_MORE (Linux): "more is coming", so it waits for the body,
    /// which is sent without the flag and takes the header with it.
    MsgMore,
    /// Two writes whose first fills one segment exactly (Linux, TCP_MAXSEG): Nagle holds a
    /// small segment only while an earlier *small* one is unacknowledged, so the small
    /// second write leaves at once.
    FullFirst,
    /// The same with the first write one byte short of a segment: it is small, so the
    /// second waits for its acknowledgement.
    ShortFirst,
}

impl Way {
    /// Every way, in the order the lesson shows them.
    pub const ALL: [Way; 7] = [
        Way::Two,
        Way::One,
        Way::TwoNodelay,
        Way::Cork,
        Way::MsgMore,
        Way::FullFirst,
        Way::ShortFirst,
    ];

    /// The name a command line uses (`--writes two-nodelay`).
    pub const fn name(self) -> &'static str {
        match self {
            Way::Two => "two",
            Way::One => "one",
            Way::TwoNodelay => "two-nodelay",
            Way::Cork => "cork",
            Way::MsgMore => "msg-more",
            Way::FullFirst => "full-first",
            Way::ShortFirst => "short-first",
        }
    }

    /// One line on what it is, for `--help`, in the language of the moment.
    pub fn about(self) -> &'static str {
        use socket_lessons::lang::pick;
        match self {
            Way::Two => pick(
                "the notes' way: send(header), then send(body); Nagle on (the default)",
                "笔记的写法：先 send(header)，再 send(body)；Nagle 开着（默认）",
            ),
            Way::One => pick(
                "header and body in one writev (framing::write_frame); Nagle on",
                "固定报头和真实数据在一次 writev 里写出（framing::write_frame）；Nagle 开着",
            ),
            Way::TwoNodelay => pick(
                "the notes' two sends, with TCP_NODELAY set",
                "笔记的两次 send，设了 TCP_NODELAY",
            ),
            Way::Cork => pick(
                "the two sends between TCP_CORK on and off (Linux only)",
                "两次 send 夹在打开和关闭 TCP_CORK 之间（只限 Linux）",
            ),
            Way::MsgMore => pick(
                "send(header, MSG_MORE), then send(body) (Linux only)",
                "先 send(header, MSG_MORE)，再 send(body)（只限 Linux）",
            ),
            Way::FullFirst => pick(
                "TCP_MAXSEG 1000; a first write of exactly one segment, then the rest (Linux only)",
                "TCP_MAXSEG 1000；第一次写正好一个报文段，再写剩下的（只限 Linux）",
            ),
            Way::ShortFirst => pick(
                "TCP_MAXSEG 1000; a first write one byte short of a segment, then the rest (Linux only)",
                "TCP_MAXSEG 1000；第一次写比一个报文段少一个字节，再写剩下的（只限 Linux）",
            ),
        }
    }

    /// A short label for transcripts.
    pub fn label(self) -> String {
        match self {
            Way::Two => socket_lessons::tr!("two writes, Nagle on" | "两次写，Nagle 开着"),
            Way::One => socket_lessons::tr!("one write, Nagle on" | "一次写，Nagle 开着"),
            Way::TwoNodelay => {
                socket_lessons::tr!("two writes, TCP_NODELAY" | "两次写，TCP_NODELAY")
            }
            Way::Cork => {
                socket_lessons::tr!("two writes inside TCP_CORK" | "两次写，包在 TCP_CORK 里")
            }
            Way::MsgMore => socket_lessons::tr!(
                "header with MSG_MORE, then body" | "固定报头带 MSG_MORE，然后写真实数据"
            ),
            Way::FullFirst => socket_lessons::tr!(
                "two writes, the first a full segment" | "两次写，第一次正好一个满报文段"
            ),
            Way::ShortFirst => socket_lessons::tr!(
                "two writes, the first one byte short of a segment"
                    | "两次写，第一次比满报文段少一个字节"
            ),
        }
    }

    /// What the client does, in words.
    pub fn how(self) -> String {
        match self {
            Way::Two => socket_lessons::tr!(
                "send(header), send(body), recv the answer; the notes' way"
                    | "send(header)，send(body)，recv 回答；笔记的写法"
            ),
            Way::One => socket_lessons::tr!(
                "header and body in one writev (write_frame), recv the answer"
                    | "固定报头和真实数据在一次 writev 里写出（write_frame），recv 回答"
            ),
            Way::TwoNodelay => socket_lessons::tr!(
                "send(header), send(body) with Nagle off, recv the answer"
                    | "send(header)，send(body)，Nagle 关着，recv 回答"
            ),
            Way::Cork => socket_lessons::tr!(
                "cork, send(header), send(body), uncork: no partial segment leaves while corked"
                    | "cork，send(header)，send(body)，uncork：塞住期间不发不满的报文段"
            ),
            Way::MsgMore => socket_lessons::tr!(
                "send(header, MSG_MORE) waits for more; send(body) takes it along"
                    | "send(header, MSG_MORE) 表示后面还有，先等着；send(body) 把它一起带走"
            ),
            Way::FullFirst => socket_lessons::tr!(
                "TCP_MAXSEG {SMALL_MSS}; the first write fills one segment, the second carries \
                 the last 60 bytes: Linux holds a small segment back only while an earlier small \
                 one is unacknowledged"
                    | "TCP_MAXSEG {SMALL_MSS}；第一次写正好填满一个报文段，第二次写剩下的 60 字节：\
                 只有前面还有未确认的小报文段时，Linux 才扣住小报文段"
            ),
            Way::ShortFirst => socket_lessons::tr!(
                "the same, one byte less in the first write: that segment is small, so the second \
                 write waits for its ACK"
                    | "同上，第一次写少一个字节：那个报文段是小报文段，第二次写要等它的 ACK"
            ),
        }
    }

    /// Whether this way needs Linux (TCP_CORK, MSG_MORE, and the segment size read back).
    pub const fn linux_only(self) -> bool {
        matches!(
            self,
            Way::Cork | Way::MsgMore | Way::FullFirst | Way::ShortFirst
        )
    }
}

/// A connection for `way`: TCP_MAXSEG before `connect` for the two "Linux's rule" ways,
/// TCP_NODELAY after it for `two-nodelay`.
pub fn connect(addr: SocketAddr, way: Way) -> io::Result<TcpStream> {
    let stream = match way {
        Way::FullFirst | Way::ShortFirst => connect_small_mss(addr)?,
        _ => net::connect_addr(addr)?,
    };
    stream.set_nodelay(way == Way::TwoNodelay)?;
    Ok(stream)
}

#[cfg(target_os = "linux")]
fn connect_small_mss(addr: SocketAddr) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.set_tcp_mss(SMALL_MSS)?;
    socket.connect(&addr.into())?;
    Ok(socket.into())
}

#[cfg(not(target_os = "linux"))]
fn connect_small_mss(_addr: SocketAddr) -> io::Result<TcpStream> {
    Err(linux_only())
}

#[cfg(not(target_os = "linux"))]
fn linux_only() -> io::Error {
    io::Error::new(
        io::ErrorKind::Unsupported,
        socket_lessons::tr!(
            "this way uses Linux's TCP_CORK, MSG_MORE or TCP_MAXSEG: Linux only"
                | "这种写法用到 Linux 的 TCP_CORK、MSG_MORE 或 TCP_MAXSEG：只限 Linux"
        ),
    )
}

/// The body of each request for `way` on `stream`: 60 bytes, or, for the "Linux's rule"
/// ways, as many as make the first write one segment (or one byte less) and leave 60 for
/// the second. The first 5 bytes are `echo `, which every framed server of the course
/// answers.
pub fn request_body(stream: &TcpStream, way: Way, body_len: usize) -> io::Result<Vec<u8>> {
    let len = match first_write_len(stream, way)? {
        Some(first) => first - 4 + body_len,
        None => body_len,
    };
    Ok(socket_lessons::wire::nagle::request_body(len))
}

/// How many bytes of the request the first write carries, for the ways that split it
/// anywhere but after the header: the segment size as the kernel reports it after
/// `connect` (TCP_MAXSEG read back: 1000 less the 12 bytes of timestamp options, 988 on
/// Linux with timestamps on), or one byte less.
fn first_write_len(stream: &TcpStream, way: Way) -> io::Result<Option<usize>> {
    match way {
        Way::FullFirst => Ok(Some(segment_size(stream)?)),
        Way::ShortFirst => Ok(Some(segment_size(stream)? - 1)),
        _ => Ok(None),
    }
}

#[cfg(target_os = "linux")]
fn segment_size(stream: &TcpStream) -> io::Result<usize> {
    Ok(socket2::SockRef::from(stream).tcp_mss()? as usize)
}

#[cfg(not(target_os = "linux"))]
fn segment_size(_stream: &TcpStream) -> io::Result<usize> {
    Err(linux_only())
}

/// Sends one request the way `way` says.
pub fn send_request(stream: &mut TcpStream, body: &[u8], way: Way) -> io::Result<()> {
    let header = encode_len(body.len())?;
    match way {
        // DELIBERATE: the notes' pattern, header and body as two separate writes.
        Way::Two | Way::TwoNodelay => {
            stream.write_all(&header)?;
            stream.write_all(body)
        }
        Way::One => fast_framing::write_frame(stream, body),
        Way::Cork => corked(stream, &header, body),
        Way::MsgMore => with_msg_more(stream, &header, body),
        Way::FullFirst | Way::ShortFirst => {
            let first = first_write_len(stream, way)?.unwrap_or(header.len());
            let mut request = header.to_vec();
            request.extend_from_slice(body);
            stream.write_all(&request[..first])?;
            stream.write_all(&request[first..])
        }
    }
}

#[cfg(target_os = "linux")]
fn corked(stream: &TcpStream, header: &[u8], body: &[u8]) -> io::Result<()> {
    let socket = socket2::SockRef::from(stream);
    let mut out = stream;
    socket.set_tcp_cork(true)?;
    out.write_all(header)?;
    out.write_all(body)?;
    // Uncorking sends what is queued at once (otherwise it would leave after 200 ms).
    socket.set_tcp_cork(false)
}

#[cfg(not(target_os = "linux"))]
fn corked(_stream: &TcpStream, _header: &[u8], _body: &[u8]) -> io::Result<()> {
    Err(linux_only())
}

#[cfg(target_os = "linux")]
fn with_msg_more(stream: &TcpStream, header: &[u8], body: &[u8]) -> io::Result<()> {
    let socket = socket2::SockRef::from(stream);
    let mut out = stream;
    let mut sent = 0;
    while sent < header.len() {
        sent += socket.send_with_flags(&header[sent..], libc::MSG_MORE)?;
    }
    out.write_all(body)
}

#[cfg(not(target_os = "linux"))]
fn with_msg_more(_stream: &TcpStream, _header: &[u8], _body: &[u8]) -> io::Result<()> {
    Err(linux_only())
}

/// What a run of exchanges measured.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub exchanges: usize,
    pub total: Duration,
    /// The first exchange alone: Linux acknowledges at once while a connection is new.
    pub first: Duration,
    /// Data segments the client sent per request (Linux's TCP_INFO), where known.
    pub segments: Option<f64>,
    /// Bytes the server sent that no request asked for, dropped (with `answer_pace` only).
    pub unasked: usize,
}

fn answer_label() -> &'static str {
    socket_lessons::lang::pick("the answer", "回答")
}

impl Timing {
    /// The mean time of one exchange.
    pub fn per_exchange(&self) -> Duration {
        self.total / self.exchanges.max(1) as u32
    }
}

/// The answers' side of the client's socket: each answer read on its own clock once the
/// client guards its answers ([`time_exchanges`]'s `answer_pace`).
struct Answers<'a> {
    conn: &'a TcpStream,
    paced: Option<Paced<'a>>,
}

impl io::Read for Answers<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.paced {
            Some(paced) => paced.read(buf),
            None => {
                let mut conn = self.conn;
                conn.read(buf)
            }
        }
    }
}

/// Runs `exchanges` request/response exchanges on `stream` the `way` way and times them.
///
/// `answer_pace`, for the client in two terminals: each answer's first byte within the
/// answer limit, then the whole frame on one clock (a server that drips its answer a byte
/// at a time cannot hold the client: a limit on each read would start again with every
/// byte), and what the server sent before a request dropped and
/// counted (`Timing::unasked`; a frame nobody asked for would otherwise be taken for the
/// next answer). Attacks found both. The demo and the bench pass `None`: nothing but the
/// exchange itself between the write and the read being timed.
pub fn time_exchanges(
    stream: &mut TcpStream,
    way: Way,
    exchanges: usize,
    body_len: usize,
    answer_pace: Option<Pace>,
) -> io::Result<Timing> {
    let body = request_body(stream, way, body_len)?;
    let segments_before = data_segments(stream);
    let reader = stream.try_clone()?;
    let mut answers = FrameReader::new(Answers {
        conn: &reader,
        paced: None,
    });
    let mut unasked = 0;
    let start = Instant::now();
    let mut first = Duration::ZERO;
    for i in 0..exchanges {
        if answer_pace.is_some() {
            let (inner, held) = answers.into_inner();
            unasked += held.len() + timed::drop_unasked(inner.conn)?;
            answers = FrameReader::new(inner);
        }
        send_request(stream, &body, way)?;
        if let Some(pace) = answer_pace {
            // The answer's first byte within the answer limit, then the whole frame on
            // one clock (lesson 07's client does the same).
            if limits::answer_begins(&reader)? {
                answers.get_mut().paced = Some(Paced::new(&reader, pace, answer_label()));
            }
        }
        if answers.read_frame()?.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                socket_lessons::tr!(
                    "the server closed the connection before answering"
                        | "服务端还没回答就关闭了连接"
                ),
            ));
        }
        if i == 0 {
            first = start.elapsed();
        }
    }
    let total = start.elapsed();
    let segments = match (segments_before, data_segments(stream)) {
        (Some(before), Some(after)) if exchanges > 0 => {
            Some(f64::from(after.wrapping_sub(before)) / exchanges as f64)
        }
        _ => None,
    };
    Ok(Timing {
        exchanges,
        total,
        first,
        segments,
        unasked,
    })
}

/// The data segments this socket has sent so far (Linux: TCP_INFO's tcpi_data_segs_out,
/// since Linux 4.6).
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
    let needed = std::mem::offset_of!(libc::tcp_info, tcpi_data_segs_out) + 4;
    (rc == 0 && len as usize >= needed).then_some(info.tcpi_data_segs_out)
}

#[cfg(not(target_os = "linux"))]
fn data_segments(_stream: &TcpStream) -> Option<u32> {
    None
}
