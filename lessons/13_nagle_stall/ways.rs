//! The client's ways of putting one framed request on the wire, and the loop that times
//! them: the notes' two writes, the three fixes that work everywhere or on the sender
//! (one write, TCP_NODELAY; the receiver's TCP_QUICKACK is the server's, in main.rs), the
//! two Linux ways of gathering writes (TCP_CORK, MSG_MORE), and the two requests that show
//! Linux's own version of Nagle's rule.

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

    /// One line on what it is, for `--help`.
    pub const fn about(self) -> &'static str {
        match self {
            Way::Two => "the notes' way: send(header), then send(body); Nagle on (the default)",
            Way::One => "header and body in one writev (framing::write_frame); Nagle on",
            Way::TwoNodelay => "the notes' two sends, with TCP_NODELAY set",
            Way::Cork => "the two sends between TCP_CORK on and off (Linux only)",
            Way::MsgMore => "send(header, MSG_MORE), then send(body) (Linux only)",
            Way::FullFirst => {
                "TCP_MAXSEG 1000; a first write of exactly one segment, then the rest (Linux only)"
            }
            Way::ShortFirst => {
                "TCP_MAXSEG 1000; a first write one byte short of a segment, then the rest (Linux only)"
            }
        }
    }

    /// A short label for transcripts.
    pub fn label(self) -> String {
        match self {
            Way::Two => "two writes, Nagle on".into(),
            Way::One => "one write, Nagle on".into(),
            Way::TwoNodelay => "two writes, TCP_NODELAY".into(),
            Way::Cork => {
                socket_lessons::tr!("two writes inside TCP_CORK" | "两次写，包在 TCP_CORK 里")
            }
            Way::MsgMore => socket_lessons::tr!(
                "header with MSG_MORE, then body" | "报头带 MSG_MORE，然后写真实数据"
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
            Way::Two => "send(header), send(body), recv the answer; the notes' way".into(),
            Way::One => "header and body in one writev (write_frame), recv the answer".into(),
            Way::TwoNodelay => "send(header), send(body) with Nagle off, recv the answer".into(),
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
        "this way uses Linux's TCP_CORK, MSG_MORE or TCP_MAXSEG: Linux only",
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
}

impl Timing {
    /// The mean time of one exchange.
    pub fn per_exchange(&self) -> Duration {
        self.total / self.exchanges.max(1) as u32
    }
}

/// Runs `exchanges` request/response exchanges on `stream` the `way` way and times them.
pub fn time_exchanges(
    stream: &mut TcpStream,
    way: Way,
    exchanges: usize,
    body_len: usize,
) -> io::Result<Timing> {
    let body = request_body(stream, way, body_len)?;
    let segments_before = data_segments(stream);
    let mut answers = FrameReader::new(stream.try_clone()?);
    let start = Instant::now();
    let mut first = Duration::ZERO;
    for i in 0..exchanges {
        send_request(stream, &body, way)?;
        if answers.read_frame()?.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before answering",
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
