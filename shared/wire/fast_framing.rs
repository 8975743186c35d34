//! The tuned side of framing, beside the teaching code in [`super::framing`]: what makes
//! the course's servers as fast as a plain copy, kept out of the functions a learner reads.
//!
//! - [`write_frame`]: a small frame copied into one buffer and written with one `write`
//!   (a few hundred bytes cost less to copy than the kernel's walk over two iovecs);
//! - [`FrameReader`]: frames read through a buffer of its own, one `read` for a small frame
//!   or for several that arrived together, and a long body read straight into its `Vec`
//!   with one `readv` that also brings the next header.
//!
//! Both keep the teaching functions' contract ([`super::framing::read_frame`],
//! [`super::framing::write_frame`]); the tests below hold them to it byte for byte.

use super::framing::{body_cut, decode_len, encode_len, hex, LEN_PREFIX_BYTES, MAX_FRAME_LEN};
use std::io::{self, Read, Write};

/// Bodies up to this many bytes are copied with their header into one buffer and written
/// with a plain `write`: copying a few hundred bytes costs less than the kernel's walk
/// over two iovecs (the bench's 64-byte echo row measures it).
const SMALL_FRAME: usize = 1024;

/// [`super::framing::write_frame`], with small frames copied into one buffer first. The
/// same bytes on the wire, in one `write` either way.
pub fn write_frame(writer: &mut impl Write, body: &[u8]) -> io::Result<()> {
    if body.len() > SMALL_FRAME {
        return super::framing::write_frame(writer, body);
    }
    let header = encode_len(body.len())?;
    let mut frame = [0u8; LEN_PREFIX_BYTES + SMALL_FRAME];
    frame[..LEN_PREFIX_BYTES].copy_from_slice(&header);
    frame[LEN_PREFIX_BYTES..LEN_PREFIX_BYTES + body.len()].copy_from_slice(body);
    writer.write_all(&frame[..LEN_PREFIX_BYTES + body.len()])
}

/// How many bytes a [`FrameReader`] reads at a time, unless told otherwise: a frame of up
/// to this size (header included) is read whole into the buffer, a longer one straight into
/// its body.
pub const FRAME_READER_CAPACITY: usize = 8 * 1024;

/// The least a [`FrameReader`] grows a long frame's body by, when the body has no room left
/// for the bytes still to come (it grows by doubling after that).
const BODY_STEP: usize = 64 * 1024;

/// Reads frames from a stream through a buffer of its own, the way mini-redis and
/// tokio-util's `FramedRead` do: each `read` takes as many bytes as have arrived (up to the
/// buffer's size), [`FrameReader::read_frame`] hands out the whole frames among them one by
/// one and keeps the rest for the next call.
///
/// What it costs, in `read` calls (system calls, on a socket):
///
/// - a frame of at most [`FRAME_READER_CAPACITY`] bytes, header included, that has arrived
///   whole costs **at most one** read: header and body come in together, not in a read of 4
///   bytes and then another for the body as with [`read_frame`];
/// - frames that arrived together (a client's pipelined requests, a burst of small
///   messages) cost **one read for all of them**: after the first, the next are already in
///   the buffer, and `read_frame` returns them without a read;
/// - a longer frame: the bytes of it the first read brought are copied into its body, and
///   the rest is read **straight into the body's `Vec`**, not through the buffer: no body
///   byte is copied twice. Each of those reads is one vectored read (`readv`) into the
///   rest of the body *and* the buffer, so the read that ends a frame also brings the
///   next frame's header: a stream of big frames costs the reads a plain copy of the
///   same bytes would, not one more per frame;
/// - a frame that arrives in pieces costs one read per piece, as it must.
///
/// The contract is [`read_frame`]'s: `Ok(Some(body))` a whole frame, `Ok(None)` a clean
/// end between frames, `UnexpectedEof` an end inside a frame (the message says where),
/// `InvalidData` a negative length or one over [`MAX_FRAME_LEN`], refused as soon as the
/// header is in, before anything is allocated for the body and without reading further.
/// After an error, stop reading: the reader may be out of step with the stream's frames.
///
/// It reads from any [`Read`]: a `TcpStream`, or a `&TcpStream`, which leaves the stream
/// free for writing answers. [`get_ref`](FrameReader::get_ref) reaches the stream in both
/// cases (`&TcpStream` is `Write` too):
///
/// ```no_run
/// use socket_lessons::wire::fast_framing::FrameReader;
/// use socket_lessons::wire::framing::write_frame;
/// # fn main() -> std::io::Result<()> {
/// let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
/// let (conn, _) = listener.accept()?;
/// let mut frames = FrameReader::new(conn);
/// while let Some(request) = frames.read_frame()? {
///     write_frame(&mut frames.get_ref(), &request)?; // echo it back
/// }
/// # Ok(())
/// # }
/// ```
///
/// Because it reads ahead, nothing else should read the stream while the reader is in use
/// (bytes it has taken are not in the socket any more, and a `peek` does not see them);
/// [`into_inner`](FrameReader::into_inner) gives the stream back with those bytes.
/// `read_frame` on the bare stream reads exactly one frame and nothing past it: the lessons
/// that teach exact reads use it.
pub struct FrameReader<R> {
    inner: R,
    /// The most one read of a long body asks for ([`FrameReader::reading_at_most`]).
    read_limit: usize,
    buf: Box<[u8]>,
    /// The buffered bytes not yet handed out are `buf[start..end]`.
    start: usize,
    end: usize,
}

impl<R: Read> FrameReader<R> {
    /// A reader with a buffer of [`FRAME_READER_CAPACITY`] bytes.
    pub fn new(inner: R) -> Self {
        Self::with_capacity(FRAME_READER_CAPACITY, inner)
    }

    /// A reader with a buffer of `capacity` bytes (at least a header's 4): frames up to that
    /// size, header included, are read through the buffer, longer ones into their body.
    pub fn with_capacity(capacity: usize, inner: R) -> Self {
        FrameReader {
            inner,
            read_limit: usize::MAX,
            buf: vec![0u8; capacity.max(LEN_PREFIX_BYTES)].into_boxed_slice(),
            start: 0,
            end: 0,
        }
    }

    /// Each read of a long frame's body asks for at most `limit` bytes (at least 1), where
    /// it would otherwise ask for all the rest at once. A plain receiver's buffer size, for
    /// the body: on an idle machine with two cores, reads of 64 KiB keep the receiver close
    /// behind the sender (the bytes are still in the cache when it copies them) and beat
    /// reads of a whole 1 MiB body; with both threads on one core it is the other way round
    /// (`cargo bench`'s row 1 searches both). Frames that fit in the buffer are not
    /// affected.
    pub fn reading_at_most(mut self, limit: usize) -> Self {
        self.read_limit = limit.max(1);
        self
    }

    /// Reads the next frame; see [the type](FrameReader) for what it returns and costs.
    pub fn read_frame(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut body = Vec::new();
        Ok(self.read_frame_into(&mut body)?.then_some(body))
    }

    /// [`read_frame`](Self::read_frame) into `body` (its old contents replaced), reusing
    /// its allocation: `Ok(true)` a frame, `Ok(false)` a clean end. A loop of big frames
    /// then allocates once, not once a frame (a fresh 1 MiB buffer a frame costs an
    /// allocation and its zeroing each time; with glibc the first is an `mmap`, and later
    /// ones come from the heap once its dynamic mmap threshold has risen to their size,
    /// `mallopt(3)`), and does not zero the reused bytes before reading over them. After an error, `body`'s contents are
    /// unspecified.
    pub fn read_frame_into(&mut self, body: &mut Vec<u8>) -> io::Result<bool> {
        // 1. the header: whatever has arrived, read only if fewer than 4 bytes are buffered.
        while self.buffered().len() < LEN_PREFIX_BYTES {
            if self.fill()? == 0 {
                let got = self.buffered();
                if got.is_empty() {
                    body.clear();
                    return Ok(false);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    crate::tr!(
                        "the stream ended inside a frame header, after {} of \
                         {LEN_PREFIX_BYTES} bytes ({})"
                            | "字节流在固定报头中间结束了：{LEN_PREFIX_BYTES} 字节只到了 {} 字节（{}）",
                        got.len(),
                        hex(got)
                    ),
                ));
            }
        }
        let mut header = [0u8; LEN_PREFIX_BYTES];
        header.copy_from_slice(&self.buffered()[..LEN_PREFIX_BYTES]);
        // Checked before anything else is read or allocated.
        let len = decode_len(header, MAX_FRAME_LEN)?;
        let frame_len = LEN_PREFIX_BYTES + len;

        // 2a. a frame that fits in the buffer: read until it is all there (usually it is
        //     already), hand out its body, keep what follows.
        if frame_len <= self.buf.len() {
            while self.buffered().len() < frame_len {
                if self.fill()? == 0 {
                    return Err(body_cut(self.buffered().len() - LEN_PREFIX_BYTES, len));
                }
            }
            body.clear();
            body.extend_from_slice(&self.buffered()[LEN_PREFIX_BYTES..frame_len]);
            self.consume(frame_len);
            return Ok(true);
        }

        // 2b. a longer frame: everything buffered belongs to it (it is longer than the
        //     buffer). Those bytes go into the body, the rest is read straight into it.
        //     The body's old bytes are read over, not zeroed first, so a reused body costs
        //     nothing to prepare. It is allocated at its full length at once (the header's
        //     length is checked, at most 16 MiB), but room it never had is zeroed only as the
        //     bytes come, at most doubling each time: memory not yet written is not yet
        //     resident, so a peer whose header lies about the length (16 MiB, then silence)
        //     makes us hold about as much memory as it really sent.
        body.truncate(len);
        body.reserve_exact(len - body.len());
        let mut filled = self.buffered().len() - LEN_PREFIX_BYTES;
        if body.len() < filled {
            body.resize(filled, 0);
        }
        body[..filled].copy_from_slice(&self.buffered()[LEN_PREFIX_BYTES..]);
        self.start = 0;
        self.end = 0;
        while filled < len {
            if body.len() == filled {
                body.resize(len.min((2 * filled).max(filled + BODY_STEP)), 0);
            }
            // Once the body has room for all of the frame, each read asks for the rest of it
            // and, after it, a bufferful: when more has arrived than this frame needs, the
            // same read (one `readv`) brings the next frame's start, usually its header,
            // which stays in the buffer for the next call.
            // (A read limited by `reading_at_most` asks for less, and only its last read
            // for the next frame's start.)
            let end = filled.saturating_add(self.read_limit).min(body.len());
            let room = end == len;
            let mut parts = [
                io::IoSliceMut::new(&mut body[filled..end]),
                io::IoSliceMut::new(if room { &mut self.buf[..] } else { &mut [] }),
            ];
            match self.inner.read_vectored(&mut parts) {
                Ok(0) => {
                    return Err(body_cut(filled, len));
                }
                Ok(n) => {
                    let for_body = n.min(end - filled);
                    filled += for_body;
                    self.end = n - for_body;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// The bytes read from the stream and not yet handed out as frames.
    pub fn buffered(&self) -> &[u8] {
        &self.buf[self.start..self.end]
    }

    /// The stream, e.g. to write answers on it: `write_frame(&mut frames.get_ref(), …)` for a
    /// `FrameReader<TcpStream>` (a reader over a `&TcpStream` can write on its own copy of
    /// the reference). Reading it directly would take bytes from under the reader.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The stream, mutably (to write on a stream that is `Write` only through `&mut`).
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// The stream back, with the bytes already read from it that no frame has taken yet
    /// (empty when the last frame ended where the reads did): nothing is silently lost.
    pub fn into_inner(self) -> (R, Vec<u8>) {
        let rest = self.buffered().to_vec();
        (self.inner, rest)
    }

    /// One `read` into the buffer, after the bytes kept, which are first moved to its start
    /// (they are less than a frame that fits, so there is room). Returns what it read, 0 at
    /// the end of the stream.
    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        debug_assert!(self.end < self.buf.len(), "fill with a full buffer");
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }
}

impl<R> std::fmt::Debug for FrameReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameReader")
            .field("capacity", &self.buf.len())
            .field("buffered", &(self.end - self.start))
            .finish_non_exhaustive()
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::framing::read_frame;
    use crate::wire::framing::tests::{frame, Chunks};
    use crate::wire::framing::write_frame;

    // --- FrameReader ---------------------------------------------------------------------

    /// [`Chunks`] that also counts its `read` calls and keeps the size of the buffer each
    /// was given.
    struct Counted {
        chunks: Chunks,
        reads: usize,
        sizes: Vec<usize>,
    }

    impl Counted {
        fn new(chunks: &[&[u8]]) -> Self {
            Counted {
                chunks: Chunks::new(chunks),
                reads: 0,
                sizes: Vec::new(),
            }
        }
    }

    impl Read for Counted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            self.sizes.push(buf.len());
            self.chunks.read(buf)
        }
    }

    fn frames(bodies: &[&[u8]]) -> Vec<u8> {
        bodies.iter().flat_map(|b| frame(b)).collect()
    }

    /// Reads frames until the end or an error: the bodies, and how it ended.
    fn read_all(r: &mut FrameReader<impl Read>) -> (Vec<Vec<u8>>, io::Result<()>) {
        let mut bodies = Vec::new();
        loop {
            match r.read_frame() {
                Ok(Some(body)) => bodies.push(body),
                Ok(None) => return (bodies, Ok(())),
                Err(e) => return (bodies, Err(e)),
            }
        }
    }

    #[test]
    fn frame_reader_reads_frames_arriving_one_byte_at_a_time() {
        let big: Vec<u8> = (0..=255).cycle().take(20_000).collect();
        let bytes = frames(&[b"hello world", b"", &big, b"end"]);
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        let mut r = FrameReader::new(Counted::new(&chunks));
        let (bodies, end) = read_all(&mut r);
        end.unwrap();
        assert_eq!(bodies, [&b"hello world"[..], b"", &big, b"end"]);
        // One read per byte, and the one that finds the end: none wasted.
        assert_eq!(r.get_ref().reads, bytes.len() + 1);
    }

    #[test]
    fn frame_reader_takes_two_frames_that_arrived_together_in_one_read() {
        let both = frames(&[b"hello", b"world"]);
        let mut r = FrameReader::new(Counted::new(&[&both]));
        assert_eq!(r.read_frame().unwrap().unwrap(), b"hello");
        assert_eq!(r.get_ref().reads, 1);
        assert_eq!(r.read_frame().unwrap().unwrap(), b"world");
        assert_eq!(
            r.get_ref().reads,
            1,
            "the second frame was already buffered"
        );
        assert_eq!(r.read_frame().unwrap(), None);
        assert_eq!(r.get_ref().reads, 2);
    }

    #[test]
    fn frame_reader_costs_one_read_for_several_small_frames_bare_read_frame_two_each() {
        let bodies: [&[u8]; 5] = [b"echo a", b"", b"seq 3", &[b'x'; 1000], b"q"];
        let first = frames(&bodies);
        let second = frames(&[b"later", b"and more"]);

        let mut r = FrameReader::new(Counted::new(&[&first, &second]));
        for body in bodies {
            assert_eq!(r.read_frame().unwrap().unwrap(), body);
        }
        assert_eq!(r.get_ref().reads, 1, "five frames that arrived together");
        assert_eq!(r.read_frame().unwrap().unwrap(), b"later");
        assert_eq!(r.read_frame().unwrap().unwrap(), b"and more");
        assert_eq!(r.get_ref().reads, 2, "two more that arrived together");
        assert_eq!(r.read_frame().unwrap(), None);
        assert_eq!(r.get_ref().reads, 3);

        // The same bytes through read_frame on the bare reader: a read for each header and
        // another for each body that is not empty.
        let mut bare = Counted::new(&[&first, &second]);
        while read_frame(&mut bare).unwrap().is_some() {}
        assert!(bare.reads >= 2 * 6, "{} reads", bare.reads);
    }

    #[test]
    fn frame_reader_ends_cleanly_only_at_frame_boundaries_of_a_stream_cut_anywhere() {
        let bodies: [&[u8]; 3] = [b"hello", b"", b"abc"];
        let stream = frames(&bodies);
        // Where each frame starts, and its body length.
        let mut starts = Vec::new();
        let mut at = 0;
        for b in bodies {
            starts.push((at, b.len()));
            at += LEN_PREFIX_BYTES + b.len();
        }
        for cut in 0..=stream.len() {
            let prefix = &stream[..cut];
            let whole: Vec<Vec<u8>> = starts
                .iter()
                .zip(bodies)
                .filter(|((start, len), _)| start + LEN_PREFIX_BYTES + len <= cut)
                .map(|(_, b)| b.to_vec())
                .collect();
            // How a cut at `cut` must be reported: None at a boundary, else the message.
            let want = starts
                .iter()
                .find(|(start, len)| *start < cut && cut < start + LEN_PREFIX_BYTES + len)
                .map(|&(start, len)| {
                    let into = cut - start;
                    if into < LEN_PREFIX_BYTES {
                        format!(
                            "the stream ended inside a frame header, after {into} of 4 bytes ({})",
                            hex(&stream[start..cut])
                        )
                    } else {
                        format!(
                            "the stream ended inside a frame body, after {} of {len} bytes",
                            into - LEN_PREFIX_BYTES
                        )
                    }
                });
            // Whole in one read or a byte at a time; a buffer that holds every frame, and one
            // of 6 bytes that sends "hello"'s body past it; by plain reads, and by vectored
            // reads that carry on into the buffer after a long body (the frames after it).
            let one_by_one: Vec<&[u8]> = prefix.chunks(1).collect();
            for chunks in [vec![prefix], one_by_one] {
                for (capacity, vectored) in [
                    (FRAME_READER_CAPACITY, false),
                    (6, false),
                    (FRAME_READER_CAPACITY, true),
                    (6, true),
                ] {
                    let (got, end) = if vectored {
                        let reader = Vectored(Counted::new(&chunks));
                        read_all(&mut FrameReader::with_capacity(capacity, reader))
                    } else {
                        read_all(&mut FrameReader::with_capacity(
                            capacity,
                            Chunks::new(&chunks),
                        ))
                    };
                    let case = format!(
                        "cut at {cut}, {} chunks, capacity {capacity}, vectored {vectored}",
                        chunks.len()
                    );
                    assert_eq!(got, whole, "{case}");
                    match (&want, end) {
                        (None, Ok(())) => {}
                        (Some(want), Err(e)) => {
                            assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof, "{case}");
                            assert_eq!(&e.to_string(), want, "{case}");
                        }
                        (want, end) => panic!("{case}: wanted {want:?}, got {end:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn frame_reader_refuses_a_lying_length_without_reading_on() {
        for (header, message) in [
            (
                *b"\xff\xff\xff\x7f",
                "bad frame header ff ff ff 7f: length 2147483647 is over the limit of 16777216 bytes",
            ),
            (*b"\xff\xff\xff\xff", "bad frame header ff ff ff ff: length -1 is negative"),
            (
                ((MAX_FRAME_LEN + 1) as i32).to_le_bytes(),
                "bad frame header 01 00 00 01: length 16777217 is over the limit of 16777216 bytes",
            ),
        ] {
            let mut r = FrameReader::new(Counted::new(&[&header, b"the body it claims", b"more"]));
            let err = r.read_frame().unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert_eq!(err.to_string(), message);
            assert_eq!(r.get_ref().reads, 1, "read on after a bad header");
            assert_eq!(r.get_ref().chunks.0.len(), 2);
        }
    }

    #[test]
    fn frame_reader_into_one_body_reuses_its_allocation() {
        let body = vec![7u8; 100_000];
        let mut wire = Vec::new();
        for _ in 0..3 {
            write_frame(&mut wire, &body).unwrap();
        }
        write_frame(&mut wire, b"short").unwrap();
        let mut frames = FrameReader::new(&wire[..]);
        let mut got = Vec::new();
        assert!(frames.read_frame_into(&mut got).unwrap());
        let first = got.as_ptr();
        for _ in 0..2 {
            assert!(frames.read_frame_into(&mut got).unwrap());
            assert_eq!(got, body);
            assert_eq!(got.as_ptr(), first, "the body's buffer was allocated again");
        }
        assert!(frames.read_frame_into(&mut got).unwrap());
        assert_eq!(got, b"short");
        assert!(!frames.read_frame_into(&mut got).unwrap());
    }

    #[test]
    fn frame_reader_reads_a_long_body_straight_into_it_not_through_the_buffer() {
        let big: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let bytes = frames(&[&big, b"next"]);
        let mut r = FrameReader::with_capacity(64, Counted::new(&[&bytes]));
        assert_eq!(r.read_frame().unwrap().unwrap(), big);
        let sizes = &r.get_ref().sizes;
        // The first read fills the 64-byte buffer; the next are given the body's own room,
        // not 64 bytes at a time (which would take 157 reads).
        assert_eq!(sizes[0], 64);
        assert!(sizes[1..].iter().all(|&s| s > 64), "{sizes:?}");
        assert!(sizes.len() <= 3, "{sizes:?}");
        assert_eq!(r.read_frame().unwrap().unwrap(), b"next");
        assert_eq!(r.read_frame().unwrap(), None);
    }

    /// [`Counted`], with a `read_vectored` that fills the buffers in turn, as `readv` on a
    /// socket does (the default one fills only the first).
    struct Vectored(Counted);

    impl Read for Vectored {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
        fn read_vectored(&mut self, bufs: &mut [io::IoSliceMut<'_>]) -> io::Result<usize> {
            self.0.reads += 1;
            self.0.sizes.push(bufs.iter().map(|b| b.len()).sum());
            let mut n = 0;
            for buf in bufs.iter_mut() {
                let got = self.0.chunks.read(buf)?;
                n += got;
                if got < buf.len() {
                    break;
                }
            }
            Ok(n)
        }
    }

    #[test]
    fn frame_reader_takes_the_end_of_a_long_frame_and_the_next_header_in_one_read() {
        // Three 100,000-byte frames sent as one stream, read back in 300,012-byte pieces at
        // most: a plain copy of these bytes into a 100,004-byte buffer would take 4 reads.
        let body: Vec<u8> = (0..=255).cycle().take(100_000).collect();
        let bytes = frames(&[&body, &body, &body]);
        let mut frames = FrameReader::new(Vectored(Counted::new(&[&bytes])));
        let mut got = Vec::new();
        for _ in 0..3 {
            assert!(frames.read_frame_into(&mut got).unwrap());
            assert_eq!(got, body);
        }
        assert!(!frames.read_frame_into(&mut got).unwrap());
        // The first frame: one read into the 8 KiB buffer, then the body grows by 64 KiB
        // steps (it had no room yet) and its last read also brings the second header. The
        // next two reuse the body: one read each, plus the final read that finds the end.
        let reads = frames.get_ref().0.reads;
        assert!(
            reads <= 3 + 2 + 1,
            "{reads} reads: {:?}",
            frames.get_ref().0.sizes
        );
    }

    #[test]
    fn frame_reader_grows_a_body_in_step_with_what_arrived_not_with_what_the_header_says() {
        // A header that claims the most allowed, then 100 bytes, then the end: the body's
        // memory written (and so made resident) is about what arrived, not 16 MiB.
        let mut bytes = (MAX_FRAME_LEN as i32).to_le_bytes().to_vec();
        bytes.extend([1u8; 100]);
        let mut frames = FrameReader::new(Vectored(Counted::new(&[&bytes[..50], &bytes[50..]])));
        let mut body = Vec::new();
        let err = frames.read_frame_into(&mut body).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(
            err.to_string().contains("after 100 of 16777216 bytes"),
            "{err}"
        );
        assert!(body.len() <= 2 * BODY_STEP, "{} bytes zeroed", body.len());
    }

    #[test]
    fn frame_reader_reading_at_most_asks_for_no_more_than_that_per_body_read() {
        let body: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let bytes = frames(&[&body, b"next"]);
        let mut frames =
            FrameReader::with_capacity(64, Vectored(Counted::new(&[&bytes]))).reading_at_most(1000);
        let mut got = Vec::new();
        assert!(frames.read_frame_into(&mut got).unwrap());
        assert_eq!(got, body);
        assert!(frames.read_frame_into(&mut got).unwrap());
        assert_eq!(got, b"next");
        assert!(!frames.read_frame_into(&mut got).unwrap());
        let sizes = &frames.get_ref().0.sizes;
        // The first read fills the 64-byte buffer; the body's rest, 9,940 bytes, comes in
        // reads of at most 1,000 (the last also asks for a bufferful past the body).
        assert_eq!(sizes[0], 64);
        let body_reads = &sizes[1..sizes.len() - 1];
        assert_eq!(body_reads.len(), 10, "{sizes:?}");
        assert!(body_reads[..9].iter().all(|&s| s == 1000), "{sizes:?}");
        assert_eq!(body_reads[9], 940 + 64, "{sizes:?}");
    }

    #[test]
    fn frame_reader_gives_back_the_stream_and_the_bytes_it_read_ahead() {
        let mut bytes = frame(b"one");
        bytes.extend(b"\x05\x00\x00");
        let mut r = FrameReader::new(Chunks::new(&[&bytes]));
        assert_eq!(r.read_frame().unwrap().unwrap(), b"one");
        assert_eq!(r.buffered(), b"\x05\x00\x00");
        let (_, rest) = r.into_inner();
        assert_eq!(rest, b"\x05\x00\x00");
    }

    #[test]
    fn frame_reader_serves_a_real_socket_owned_or_borrowed() {
        use crate::wire::net::{connect_addr, listen, ListenOptions};
        use std::net::TcpStream;
        let listener = listen("127.0.0.1:0".parse().unwrap(), ListenOptions::new()).unwrap();
        let addr = listener.local_addr().unwrap();
        let big = vec![7u8; 3 * 1024 * 1024];
        let messages: Vec<Vec<u8>> = vec![b"hello".to_vec(), big, Vec::new(), b"bye".to_vec()];
        let server = std::thread::spawn(move || {
            // An owned stream: answers go out through get_ref.
            let (conn, _) = listener.accept().unwrap();
            let mut frames = FrameReader::new(conn);
            let mut echoed = 0;
            while let Some(body) = frames.read_frame().unwrap() {
                write_frame(&mut frames.get_ref(), &body).unwrap();
                echoed += 1;
            }
            echoed
        });
        // A borrowed stream: the client writes on its own reference.
        let client = connect_addr(addr).unwrap();
        let mut out: &TcpStream = &client;
        let mut answers = FrameReader::new(&client);
        for m in &messages {
            write_frame(&mut out, m).unwrap();
        }
        for m in &messages {
            assert_eq!(&answers.read_frame().unwrap().unwrap(), m);
        }
        client.shutdown(std::net::Shutdown::Write).unwrap();
        assert_eq!(answers.read_frame().unwrap(), None);
        assert_eq!(server.join().unwrap(), messages.len());
    }
}
