//! Lesson 06's frames, as tokio-util's `LengthDelimitedCodec`: the configuration that makes
//! it speak the notes' header, and the server's memory budget around it.

use socket_lessons::stage::demo::Cue;
use socket_lessons::wire::framing::{LEN_PREFIX_BYTES, MAX_FRAME_LEN};
use std::io;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};

/// The codec for the notes' header, `struct.pack('i', n)`. Each line is one line of lesson
/// 06's `read_frame` / `write_frame` (shared/wire/framing.rs), now a setting:
///
/// | lesson 06 | here |
/// |---|---|
/// | `[0u8; LEN_PREFIX_BYTES]`, `read_up_to(reader, &mut header)` | `length_field_type::<u32>()`: a 4-byte header, gathered however the reads split it |
/// | `i32::from_le_bytes(header)`, `to_le_bytes()` | `little_endian()`: the low byte first, as `'i'` on x86-64 and ARM64 |
/// | `decode_len(header, max)`: over `max` refused, before any allocation | `max_frame_length(MAX_FRAME_LEN)`: over it, `InvalidData` before the buffer grows |
/// | `if len < 0`: refused | nothing to write: read as a `u32`, a negative `i32` is over 2 GiB, so over the limit |
/// | `Vec::with_capacity(len)`, `take(len).read_to_end` | the codec reserves the body and hands it out whole (`Ok(None)` until then) |
/// | `Ok(None)` at a clean end between frames, `UnexpectedEof` inside one | `next()` gives `None` between frames; inside one, an error ("bytes remaining on stream") |
/// | `write_all_vectored(header, body)`: one write | `send(body)`: header and body into one buffer, written together |
///
/// What the codec leaves at its defaults, and lesson 06 never had: `length_field_offset(0)`
/// (the header starts the frame), `length_adjustment(0)` (it counts the body only) and
/// `num_skip(4)` (the header is dropped, the frame is the body).
pub fn notes_codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_type::<u32>()
        .little_endian()
        .max_frame_length(MAX_FRAME_LEN)
        .new_codec()
}

/// The most bytes of large frames and answers the whole server holds at once: four frames
/// of the course's limit. The codec checks one frame against the frame limit; it cannot
/// see the other connections, and a thousand connections each announcing 16 MiB would ask
/// for 16 GiB. A large frame's length is taken from this budget before its body is read,
/// and given back when its answer has left.
pub const MEMORY_BUDGET: usize = 4 * MAX_FRAME_LEN;

/// A frame or an answer of at most this many bytes takes nothing from the budget: a
/// connection holds one request and one answer at a time, so these are bounded by the
/// connection cap (1000 connections: at most 1000 × 2 × 64 KiB), and four clients that
/// trickle 16 MiB frames at the minimum rate cannot lock every small request out.
pub const OWN: usize = 64 << 10;

/// A server-wide budget of bytes: a semaphore whose permits are bytes.
#[derive(Clone)]
pub struct Budget(Arc<Semaphore>);

/// The bytes of the budget one frame or answer holds, given back when dropped: none for one
/// of at most [`OWN`] bytes.
pub struct Room {
    /// Held for what dropping it does: the bytes go back to the budget.
    _bytes: Option<OwnedSemaphorePermit>,
}

impl Budget {
    pub fn new(bytes: usize) -> Self {
        Budget(Arc::new(Semaphore::new(bytes)))
    }

    /// Room for `len` bytes, at once or not at all: a decoder cannot wait, and an answer
    /// that cannot be held is refused rather than queued (the queue would be memory too).
    pub fn take(&self, len: usize) -> io::Result<Room> {
        if len <= OWN {
            return Ok(Room { _bytes: None });
        }
        // MAX_FRAME_LEN is far below u32::MAX; a larger len fails like a full budget.
        let n = u32::try_from(len).unwrap_or(u32::MAX);
        let permit = Arc::clone(&self.0).try_acquire_many_owned(n).map_err(|_| {
            io::Error::other(socket_lessons::tr!(
                "the server holds {} MiB of large frames already: {len} bytes more would pass its memory budget"
                    | "服务端已经占着 {} MiB 的大帧：再加 {len} 字节就超出它的内存预算",
                MEMORY_BUDGET >> 20
            ))
        })?;
        Ok(Room {
            _bytes: Some(permit),
        })
    }
}

/// A frame's body and the room it holds until its answer has left.
pub type Frame = (BytesMut, Room);

/// `notes_codec()` with the budget in front: a header's length is taken from the budget
/// before the codec sees the header (and reserves room for the body).
pub struct Budgeted {
    frames: LengthDelimitedCodec,
    budget: Budget,
    /// The frame whose header is in: its length, and the room it holds, until it is whole.
    held: Option<(usize, Room)>,
    /// When the first byte of the frame being read was seen, for the request clock.
    began: Option<Instant>,
    /// Told when a frame begins (demo only).
    tell: Cue,
}

impl Budgeted {
    pub fn new(budget: Budget) -> Self {
        Budgeted {
            frames: notes_codec(),
            budget,
            held: None,
            began: None,
            tell: Cue::off(),
        }
    }

    /// The same, giving `cue` when a frame begins (demo only).
    pub fn telling(self, cue: Cue) -> Self {
        Budgeted { tell: cue, ..self }
    }

    /// When the frame being read began, if one has.
    pub fn began(&self) -> Option<Instant> {
        self.began
    }

    /// Bytes of the frame being read that have come: `buffered` (the read buffer) and the
    /// header, once the codec has taken it out.
    pub fn moved(&self, buffered: &BytesMut) -> usize {
        buffered.len()
            + if self.held.is_some() {
                LEN_PREFIX_BYTES
            } else {
                0
            }
    }
}

impl Decoder for Budgeted {
    type Item = Frame;
    type Error = io::Error;

    fn decode(&mut self, src: &mut BytesMut) -> io::Result<Option<Frame>> {
        if self.began.is_none() && !src.is_empty() {
            self.began = Some(Instant::now());
            self.tell.give(); // demo only
        }
        if self.held.is_none() && src.len() >= LEN_PREFIX_BYTES {
            let header: [u8; LEN_PREFIX_BYTES] = src[..LEN_PREFIX_BYTES]
                .try_into()
                .expect("a slice of LEN_PREFIX_BYTES bytes");
            let len = u32::from_le_bytes(header) as usize;
            // A length over the limit is the codec's to refuse, with its own error.
            if len <= MAX_FRAME_LEN {
                self.held = Some((len, self.budget.take(len)?));
            }
        }
        match self.frames.decode(src)? {
            Some(body) => {
                let (_, room) = self.held.take().expect("the header was read above");
                self.began = None;
                Ok(Some((body, room)))
            }
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> io::Result<Option<Frame>> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => Err(self.cut(src)),
        }
    }
}

impl Budgeted {
    /// At the end of the stream with bytes left: where in the frame it ended, in the words
    /// of lesson 06's `read_frame` (`UnexpectedEof`), not the codec's "bytes remaining on
    /// stream".
    fn cut(&self, src: &BytesMut) -> io::Error {
        let text = match &self.held {
            Some((len, _)) => socket_lessons::tr!(
                "the stream ended inside a frame body, after {got} of {want} bytes"
                    | "字节流在真实数据中间结束了：{want} 字节只到了 {got} 字节",
                got = src.len(),
                want = len
            ),
            None => socket_lessons::tr!(
                "the stream ended inside a frame header, after {got} of {LEN_PREFIX_BYTES} bytes"
                    | "字节流在固定报头中间结束了：{LEN_PREFIX_BYTES} 字节只到了 {got} 字节",
                got = src.len()
            ),
        };
        io::Error::new(io::ErrorKind::UnexpectedEof, text)
    }
}

impl Encoder<Bytes> for Budgeted {
    type Error = io::Error;

    fn encode(&mut self, body: Bytes, dst: &mut BytesMut) -> io::Result<()> {
        self.frames.encode(body, dst)
    }
}

/// What a decode error says, in the lesson's words: the codec's own `frame size too big`
/// names no number.
pub fn describe_error(e: &io::Error, header: Option<[u8; LEN_PREFIX_BYTES]>) -> String {
    let too_big = e.kind() == io::ErrorKind::InvalidData
        && e.get_ref()
            .is_some_and(|inner| inner.is::<tokio_util::codec::LengthDelimitedCodecError>());
    match header {
        Some(header) if too_big => socket_lessons::tr!(
            "bad frame header {}: length {} is over the limit of {MAX_FRAME_LEN} bytes (the codec: {e}); refused before anything was allocated"
                | "固定报头 {} 不对：长度 {} 超过了 {MAX_FRAME_LEN} 字节的上限（编解码器：{e}）；在分配任何内存之前就拒绝了",
            socket_lessons::stage::transcript::hex(&header),
            u32::from_le_bytes(header)
        ),
        _ => e.to_string(),
    }
}
