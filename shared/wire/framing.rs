//! Length-prefixed frames: the fix for 粘包 (notes A §9.2, notes C 粘包的解决方案 方案一,
//! notes D, notes E §8 进阶思路).
//!
//! TCP delivers a stream of bytes with no boundaries in it (lesson 04). To send *messages*
//! over it, each one goes out as a frame: a fixed-size header that says how long the body
//! is, then the body. The reader reads exactly the header, then exactly that many bytes.
//!
//! The header is what the notes' `struct.pack('i', n)` makes: 4 bytes, a signed 32-bit
//! integer in the machine's byte order, which on x86-64 and ARM64 is little-endian. So the
//! frame for `b"hello"` is nine bytes:
//!
//! ```text
//!  header: struct.pack('i', 5)      body
//! +----+----+----+----+  +----+----+----+----+----+
//! | 05 | 00 | 00 | 00 |  | 68 | 65 | 6c | 6c | 6f |
//! +----+----+----+----+  +----+----+----+----+----+
//!   length 5, least         h    e    l    l    o
//!   significant byte first
//! ```
//!
//! And the 1092-byte reply of lesson 04's `seq 300` has the header `44 04 00 00`
//! (0x0444 = 1092), which Python prints as `b'D\x04\x00\x00'` because 0x44 is `D`.
//!
//! **Byte order.** Protocols designed for the network usually write lengths big-endian
//! ("network byte order", `struct.pack('!i', n)` or `'>i'` in Python, `u32::to_be_bytes` in
//! Rust), so that both ends agree whatever their CPUs. The notes use `'i'`, the native
//! order; this module follows them, always writing little-endian whatever the CPU, so that
//! the notes' Python programs (on x86-64 or ARM64) can talk to the lessons. What a mismatch looks like: a big-endian reader takes `05 00 00 00` for
//! 83 886 080 (0x05000000) and waits for 80 MiB that never come, or, with a limit like
//! [`MAX_FRAME_LEN`], rejects the frame at once. Another reason to check lengths.
//!
//! **Limits.** A length is checked before anything is allocated: negative lengths and
//! lengths above [`MAX_FRAME_LEN`] are refused with [`io::ErrorKind::InvalidData`], so a
//! garbage header (or an attacker) cannot make the reader allocate 2 GiB.
//!
//! **Two readers.** [`read_frame`] reads exactly one frame and not a byte past it: a read
//! for the header, then reads for the body, as the notes' `recv(4)` does, and the lessons
//! that teach exact reads use it. A server or client that reads frame after frame uses a
//! [`FrameReader`] instead: it reads whatever has arrived into a buffer and hands out the
//! whole frames in it, so a small frame costs one read and frames that arrived together cost
//! one read between them.

use std::io::{self, IoSlice, Read, Write};

/// Bytes in the length header: `struct.calcsize('i')`.
pub const LEN_PREFIX_BYTES: usize = 4;

/// The largest body [`read_frame`] accepts and [`write_frame`] sends: 16 MiB. Big enough for
/// the lessons' largest messages (5 MB in the tests), small enough that a bad header cannot
/// make a reader allocate more. `i32::MAX`, the most the header can say, is 2 GiB - 1.
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// The header for a body of `len` bytes: `struct.pack('i', len)`.
///
/// ```
/// use socket_lessons::wire::framing::encode_len;
/// assert_eq!(encode_len(4315).unwrap(), *b"\xdb\x10\x00\x00"); // struct.pack('i', 4315)
/// ```
pub fn encode_len(len: usize) -> io::Result<[u8; LEN_PREFIX_BYTES]> {
    if len > MAX_FRAME_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            crate::tr!(
                "frame body of {len} bytes is over the limit of {MAX_FRAME_LEN} bytes"
                    | "真实数据有 {len} 字节，超过了 {MAX_FRAME_LEN} 字节的上限"
            ),
        ));
    }
    // len <= MAX_FRAME_LEN < i32::MAX, so the conversion cannot fail.
    Ok((len as i32).to_le_bytes())
}

/// The header for `len` as hex, for a transcript line (`44 04 00 00`), or why there is none.
pub fn header_hex(len: usize) -> String {
    encode_len(len).map_or_else(|e| e.to_string(), |h| hex(&h))
}

/// The body length a header announces, checked: `struct.unpack('i', header)[0]`, refused
/// when negative or over `max`.
pub fn decode_len(header: [u8; LEN_PREFIX_BYTES], max: usize) -> io::Result<usize> {
    let len = i32::from_le_bytes(header);
    if len < 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            crate::tr!(
                "bad frame header {}: length {len} is negative"
                    | "固定报头 {} 不对：长度 {len} 是负数",
                hex(&header)
            ),
        ));
    }
    let len = len as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            crate::tr!(
                "bad frame header {}: length {len} is over the limit of {max} bytes"
                    | "固定报头 {} 不对：长度 {len} 超过了 {max} 字节的上限",
                hex(&header)
            ),
        ));
    }
    Ok(len)
}

/// Writes one frame, header and body in a single `write` (a `writev` system call) whenever
/// the socket takes it all at once.
///
/// Why one write and not `send(header)` then `send(body)` as the notes do: with Nagle's
/// algorithm on (the default), a second small write waits until the first (small) segment
/// is acknowledged, and the receiver's delayed ACK holds that acknowledgement back (at least
/// 40 ms on Linux, `TCP_DELACK_MIN`, and up to 200 ms, `TCP_DELACK_MAX`; 200 ms by default
/// on Windows), hoping to piggyback it on a reply that cannot come before the body arrives.
/// Linux acknowledges at once while a connection is new and delays its ACKs only once the
/// connection looks interactive (after one exchange: `TCP_PINGPONG_THRESH`, the sysctl
/// `net.ipv4.tcp_pingpong_thresh` since Linux 6.5), so every exchange but the first stalls. One write leaves nothing behind to wait
/// (lesson 13 measures it). The body is not copied: header and body go out as two slices
/// of one call.
pub fn write_frame(writer: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let header = encode_len(body.len())?;
    // sendall for two buffers at once: a short write is continued where it stopped.
    write_all_vectored(writer, &mut [IoSlice::new(&header), IoSlice::new(body)])
}

/// Writes every byte of every slice, in order, in as few `write` calls as the writer takes
/// (one `writev` on a socket with room): `sendall` for several buffers at once, without
/// first copying them into one. Lesson 08 sends length, JSON header and body this way.
pub fn write_all_vectored(writer: &mut impl Write, slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    let mut slices = slices;
    // A write may take only part (a full send buffer); go on from where it stopped, as
    // Python's sendall does.
    while !slices.is_empty() {
        match writer.write_vectored(slices) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    crate::tr!(
                        "the connection took no more bytes in the middle of a message"
                            | "消息发到一半，连接不再收下任何字节"
                    ),
                ))
            }
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one frame: exactly 4 header bytes, then exactly the body they announce.
///
/// - `Ok(Some(body))`: a whole frame;
/// - `Ok(None)`: the stream ended cleanly *between* frames (the peer is done);
/// - `Err` of kind `UnexpectedEof`: the stream ended *inside* a frame, the message says where;
/// - `Err` of kind `InvalidData`: a negative length or one over [`MAX_FRAME_LEN`], refused
///   before anything is allocated.
///
/// Unlike `recv(4)` in the notes, a header that arrives in pieces is put together; unlike
/// their `count += buffer_size` loops, the body is counted by the bytes that really arrived.
pub fn read_frame(reader: &mut impl Read) -> io::Result<Option<Vec<u8>>> {
    read_frame_limited(reader, MAX_FRAME_LEN)
}

/// [`read_frame`] with another limit.
pub fn read_frame_limited(reader: &mut impl Read, max: usize) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; LEN_PREFIX_BYTES];
    let got = read_up_to(reader, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    if got < LEN_PREFIX_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            crate::tr!(
                "the stream ended inside a frame header, after {got} of {LEN_PREFIX_BYTES} \
                 bytes ({})"
                    | "字节流在固定报头中间结束了：{LEN_PREFIX_BYTES} 字节只到了 {got} 字节（{}）",
                hex(&header[..got])
            ),
        ));
    }
    let len = decode_len(header, max)?;
    // Allocation happens only now, for a length known to be at most `max`.
    let mut body = Vec::with_capacity(len);
    let got = reader.take(len as u64).read_to_end(&mut body)?;
    if got < len {
        return Err(body_cut(got, len));
    }
    Ok(Some(body))
}

pub(crate) fn body_cut(got: usize, len: usize) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        crate::tr!(
            "the stream ended inside a frame body, after {got} of {len} bytes"
                | "字节流在真实数据中间结束了：{len} 字节只到了 {got} 字节"
        ),
    )
}

/// Reads until `buf` is full or the stream ends; returns how many bytes it got.
pub(crate) fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Bytes as spaced hex (`44 04 00 00`), for the errors above.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let spaced: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    spaced.join(" ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A reader that hands out its bytes in the chunks it was given, one chunk per `read`
    /// (or less, if the caller's buffer is smaller), as a socket does when bytes arrive in
    /// separate segments.
    pub(crate) struct Chunks(pub(crate) VecDeque<Vec<u8>>);

    impl Chunks {
        pub(crate) fn new(chunks: &[&[u8]]) -> Self {
            Chunks(chunks.iter().map(|c| c.to_vec()).collect())
        }
    }

    impl Read for Chunks {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some(chunk) = self.0.front_mut() else {
                return Ok(0);
            };
            let n = chunk.len().min(buf.len());
            buf[..n].copy_from_slice(&chunk[..n]);
            chunk.drain(..n);
            if chunk.is_empty() {
                self.0.pop_front();
            }
            Ok(n)
        }
    }

    pub(crate) fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, body).unwrap();
        out
    }

    #[test]
    fn the_header_is_struct_pack_i_little_endian() {
        assert_eq!(frame(b"hello"), b"\x05\x00\x00\x00hello");
        assert_eq!(encode_len(4315).unwrap(), *b"\xdb\x10\x00\x00");
        assert_eq!(encode_len(1092).unwrap(), *b"D\x04\x00\x00");
    }

    #[test]
    fn a_frame_read_one_byte_at_a_time_arrives_whole() {
        let bytes = frame(b"hello world");
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        let mut r = Chunks::new(&chunks);
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"hello world");
        assert_eq!(read_frame(&mut r).unwrap(), None);
    }

    #[test]
    fn two_frames_in_one_write_are_read_as_two_messages() {
        let mut both = frame(b"hello");
        both.extend(frame(b"world"));
        let mut r = Chunks::new(&[&both]);
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"hello");
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"world");
        assert_eq!(read_frame(&mut r).unwrap(), None);
    }

    #[test]
    fn a_header_split_one_and_three_is_put_together() {
        let bytes = frame(b"abc");
        let mut r = Chunks::new(&[&bytes[..1], &bytes[1..4], &bytes[4..]]);
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"abc");
    }

    #[test]
    fn a_body_split_across_many_reads_is_put_together() {
        let body: Vec<u8> = (0..=255).cycle().take(10_000).collect();
        let bytes = frame(&body);
        let mut chunks: Vec<&[u8]> = vec![&bytes[..4]];
        chunks.extend(bytes[4..].chunks(777));
        let mut r = Chunks::new(&chunks);
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), body);
    }

    #[test]
    fn an_empty_frame_is_a_message_not_the_end() {
        let mut bytes = frame(b"");
        bytes.extend(frame(b"after"));
        let mut r = Chunks::new(&[&bytes]);
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"");
        assert_eq!(read_frame(&mut r).unwrap().unwrap(), b"after");
    }

    #[test]
    fn a_negative_length_is_refused_with_the_number() {
        let err = read_frame(&mut Chunks::new(&[b"\xff\xff\xff\xff"])).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "bad frame header ff ff ff ff: length -1 is negative"
        );
    }

    #[test]
    fn a_length_of_i32_max_is_refused_before_any_allocation() {
        // Were it allocated, this test would try to reserve 2 GiB; it is refused first.
        let err = read_frame(&mut Chunks::new(&[b"\xff\xff\xff\x7f"])).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert_eq!(
            err.to_string(),
            "bad frame header ff ff ff 7f: length 2147483647 is over the limit of 16777216 bytes"
        );
    }

    #[test]
    fn the_limit_itself_is_allowed_and_one_more_is_not() {
        let header = encode_len(MAX_FRAME_LEN).unwrap();
        assert_eq!(decode_len(header, MAX_FRAME_LEN).unwrap(), MAX_FRAME_LEN);
        let over = ((MAX_FRAME_LEN + 1) as i32).to_le_bytes();
        assert!(decode_len(over, MAX_FRAME_LEN).is_err());
        assert_eq!(
            encode_len(MAX_FRAME_LEN + 1).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn eof_after_two_header_bytes_is_unexpected_eof() {
        let err = read_frame(&mut Chunks::new(&[b"\x05\x00"])).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            err.to_string(),
            "the stream ended inside a frame header, after 2 of 4 bytes (05 00)"
        );
    }

    #[test]
    fn eof_mid_body_is_unexpected_eof_with_the_count() {
        let mut r = Chunks::new(&[b"\x64\x00\x00\x00", &[b'x'; 10]]);
        let err = read_frame(&mut r).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(
            err.to_string(),
            "the stream ended inside a frame body, after 10 of 100 bytes"
        );
    }

    #[test]
    fn eof_between_frames_is_a_clean_end() {
        assert_eq!(read_frame(&mut Chunks::new(&[])).unwrap(), None);
    }

    /// Records every write call, taking at most `cap` bytes per call.
    struct Calls {
        calls: Vec<Vec<u8>>,
        cap: usize,
    }

    impl Write for Calls {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[IoSlice::new(buf)])
        }
        fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
            let mut call = Vec::new();
            for b in bufs {
                let room = self.cap - call.len();
                call.extend_from_slice(&b[..b.len().min(room)]);
            }
            let n = call.len();
            self.calls.push(call);
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn header_and_body_leave_in_one_write_call() {
        let mut w = Calls {
            calls: Vec::new(),
            cap: usize::MAX,
        };
        write_frame(&mut w, b"hello").unwrap();
        assert_eq!(w.calls, vec![b"\x05\x00\x00\x00hello".to_vec()]);
    }

    #[test]
    fn a_partial_write_is_continued_where_it_stopped() {
        let mut w = Calls {
            calls: Vec::new(),
            cap: 3,
        };
        write_frame(&mut w, b"hello").unwrap();
        assert_eq!(w.calls.concat(), b"\x05\x00\x00\x00hello");
        assert_eq!(w.calls.len(), 3);
    }

    #[test]
    fn frames_cross_a_real_socket_in_both_directions() {
        use crate::wire::net::{connect_addr, listen, ListenOptions};
        let listener = listen("127.0.0.1:0".parse().unwrap(), ListenOptions::new()).unwrap();
        let mut client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let big = vec![7u8; 3 * 1024 * 1024];
        let writer = std::thread::spawn(move || {
            write_frame(&mut client, &big).unwrap();
            write_frame(&mut client, b"").unwrap();
            client
        });
        assert_eq!(
            read_frame(&mut conn).unwrap().unwrap().len(),
            3 * 1024 * 1024
        );
        assert_eq!(read_frame(&mut conn).unwrap().unwrap(), b"");
        drop(writer.join().unwrap());
        assert_eq!(read_frame(&mut conn).unwrap(), None);
    }
}
