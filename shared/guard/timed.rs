//! Reads bounded by a time limit: something or nothing within a limit, exactly N bytes or how
//! far it got, bytes queued without taking them.
//!
//! A demo uses them to show that something did **not** happen without hanging; a server,
//! to refuse a peer that stops halfway. The limit bounds the wait, it never decides what a
//! lesson shows. Each leaves the stream's own read time limit as it found it (a client's
//! limit on every answer stays on: found by an attack, whose silent server held lesson
//! 10's client for ever once its check had cleared the limit).

use std::io;
use std::net::TcpStream;

/// Waits at most `limit` for bytes on `stream`: `Ok(Some(n))` when `n` bytes came (0 means
/// the peer closed), `Ok(None)` when nothing came in time.
///
/// For showing that something did **not** happen (an empty send that sent nothing, a
/// client nobody accepted) without hanging: the limit bounds the demonstration, it never
/// decides its outcome. The stream's read time limit is back as it was afterwards.
pub fn read_within(
    stream: &mut TcpStream,
    buf: &mut [u8],
    limit: std::time::Duration,
) -> io::Result<Option<usize>> {
    use std::io::Read;
    let before = stream.read_timeout()?;
    stream.set_read_timeout(Some(limit))?;
    let result = stream.read(buf);
    stream.set_read_timeout(before)?;
    match result {
        Ok(n) => Ok(Some(n)),
        // Unix reports a read timeout as EAGAIN (WouldBlock), Windows as TimedOut.
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// How [`read_exact_within`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// Every byte asked for arrived.
    Full,
    /// The peer closed after this many bytes.
    Ended(usize),
    /// The time limit ran out after this many bytes.
    TimedOut(usize),
}

/// Reads exactly `buf.len()` bytes unless the peer closes first or `limit` (for the whole
/// read, not per `recv`) runs out, and says which happened and after how many bytes.
///
/// `read_exact` alone cannot tell a short message from a slow one, and a server that waits
/// without a limit can be held forever by a client that sends nothing. The stream's read
/// time limit is back as it was afterwards.
pub fn read_exact_within(
    stream: &mut TcpStream,
    buf: &mut [u8],
    limit: std::time::Duration,
) -> io::Result<Filled> {
    use std::io::Read;
    let before = stream.read_timeout()?;
    let deadline = std::time::Instant::now() + limit;
    let mut got = 0;
    let result = loop {
        if got == buf.len() {
            break Ok(Filled::Full);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            // Out of time: what already waits in the kernel is taken first (see
            // [`read_waiting`]); the limit ends the read only when nothing waits.
            match read_waiting(stream, &mut buf[got..]) {
                Ok(0) => break Ok(Filled::Ended(got)),
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(Filled::TimedOut(got)),
                Err(e) => break Err(e),
            }
            continue;
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buf[got..]) {
            Ok(0) => break Ok(Filled::Ended(got)),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                break Ok(Filled::TimedOut(got))
            }
            Err(e) => break Err(e),
        }
    };
    stream.set_read_timeout(before)?;
    result
}

/// A read that does not wait: the bytes already waiting in the kernel (`Ok(0)`: the peer
/// closed), or `WouldBlock` when none are. The stream is blocking again afterwards.
///
/// For a time limit that has run out: bytes waiting then came while this program was not
/// reading (stopped with SIGSTOP or Ctrl-Z, swapped out, busy), so the peer sent them in
/// time, and a limit that ends a message only when nothing waits does not blame the peer
/// for the reader's stall. (Found by attacks: a server stopped for 11 or 12 s woke, read
/// nothing, and refused an answer, an upload and a frame that had all come in time.) A
/// peer that drips gains nothing while the reader keeps up: each byte is read as it
/// comes, so nothing waits when the limit runs out. A reader too busy to keep up finds
/// what came meanwhile and takes it; each message is bounded by its size.
pub fn read_waiting(stream: &TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    use std::io::Read;
    stream.set_nonblocking(true)?;
    let read = loop {
        match (&mut &*stream).read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => break other,
        }
    };
    stream.set_nonblocking(false)?;
    read
}

/// The most bytes [`drop_unasked`] drops in one call: a server that floods cannot keep a
/// client dropping for ever (what is left is dropped before the next request).
pub const UNASKED_MOST: usize = 16 << 20;

/// For a client, just before it sends a request: the bytes the server sent that nobody
/// asked for (already waiting in the kernel, read without waiting, at most
/// [`UNASKED_MOST`]), dropped; returns how many. Over TCP, what comes after a request is its
/// answer only if nothing came before it: a server that sent an extra frame, or one before
/// any request, put every later answer of the course's clients one behind, silently (found
/// by an attack). A closed connection is left for the request's own read to find.
pub fn drop_unasked(stream: &TcpStream) -> io::Result<usize> {
    let mut buf = vec![0u8; 64 << 10];
    let mut dropped = 0;
    while dropped < UNASKED_MOST {
        match read_waiting(stream, &mut buf) {
            Ok(0) => break,
            Ok(n) => dropped += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) => return Err(e),
        }
    }
    Ok(dropped)
}

/// The line a client prints when [`drop_unasked`] dropped `n` bytes.
pub fn unasked_line(n: usize) -> String {
    crate::tr!(
        "the server sent {n} bytes nobody asked for before this request: dropped (they are no answer to it)"
            | "发这个请求之前，服务端发来了 {n} 字节没人要的数据：已丢掉（它们不是这个请求的回答）"
    )
}

/// The most reads [`drop_late_datagrams`] makes in one call: a server that floods
/// cannot keep a client dropping for ever.
pub const LATE_MOST: usize = 1000;

/// For a UDP client, just before it sends a request: the datagrams already waiting (late
/// answers to a request given up on, a second copy of an answer, a forged one from the
/// server's address), read without waiting and dropped, at most [`LATE_MOST`]; returns how
/// many and their bytes as sent. Taken as the answer to the next request, they put every
/// later answer one behind (found by an attack on lesson 12's time client). UDP has no
/// request numbers: what the client can tell is only "this came before I asked". A "port
/// unreachable" from an earlier send is taken on the way (Linux reports it before the
/// datagrams queued behind it, which are dropped too); if nothing listens still, the
/// request about to go usually gets one of its own (ICMP can be rate-limited or filtered).
pub fn drop_late_datagrams(socket: &socket2::Socket) -> io::Result<(usize, usize)> {
    let mut buf = vec![0u8; 64 << 10];
    let (mut count, mut bytes) = (0usize, 0usize);
    socket.set_nonblocking(true)?;
    // Reads that returned something (a datagram or a "port unreachable"): bounded too.
    let mut reads = 0usize;
    let drained = loop {
        if reads == LATE_MOST {
            break Ok(());
        }
        reads += 1;
        match crate::wire::udp::recv_datagram(socket, &mut buf) {
            Ok(d) => {
                count += 1;
                bytes += d.sent_len.unwrap_or(d.len);
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if crate::wire::udp::is_port_unreachable(&e)
                    || crate::wire::udp::is_icmp_error(&e) => {}
            Err(e) => break Err(e),
        }
    };
    socket.set_nonblocking(false)?;
    drained.map(|()| (count, bytes))
}

/// The line a UDP client prints when [`drop_late_datagrams`] dropped `count` datagrams.
pub fn late_datagrams_line(count: usize, bytes: usize) -> String {
    crate::tr!(
        "{count} datagram(s) ({bytes} bytes) came before this request, late or unasked: dropped (no answer to it)"
            | "发这个请求之前已经到了 {count} 个数据报（{bytes} 字节），是迟到的或者没人要的：已丢掉（不是这个请求的回答）"
    )
}

/// Waits until at least `n` bytes are queued in `stream`'s receive buffer, without taking
/// them (MSG_PEEK), and returns how many are there.
///
/// The sticky-packet demos use it to make "both sends are in the receiver's buffer before
/// the read" true by construction instead of by luck: the read that follows then sees
/// exactly what a slow reader would. Fails after `limit`, or if the peer closes first.
/// The stream's read time limit is back as it was afterwards.
pub fn wait_for_bytes(
    stream: &TcpStream,
    n: usize,
    limit: std::time::Duration,
) -> io::Result<usize> {
    let deadline = std::time::Instant::now() + limit;
    let mut buf = vec![0u8; n];
    let before = stream.read_timeout()?;
    loop {
        // peek blocks until at least one byte is there, then returns what is queued.
        stream.set_read_timeout(Some(limit))?;
        let queued = stream.peek(&mut buf);
        stream.set_read_timeout(before)?;
        let queued = queued?;
        if queued >= n {
            return Ok(queued);
        }
        if queued == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                crate::tr!(
                    "the peer closed before {n} bytes were queued"
                        | "对方在 {n} 字节到齐之前就关闭了"
                ),
            ));
        }
        if std::time::Instant::now() >= deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                crate::tr!(
                    "only {queued} of {n} bytes were queued after {limit:?}"
                        | "过了 {limit:?}，{n} 字节里只到了 {queued} 字节"
                ),
            ));
        }
        // Some bytes are there, not all: the rest is on its way (loopback delivers within
        // microseconds; Nagle may hold a small second segment until the first is ACKed).
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::net::{connect_addr, listen, ListenOptions};
    use std::io::{Read, Write};

    fn loopback() -> std::net::SocketAddr {
        "127.0.0.1:0".parse().unwrap()
    }

    /// A "port unreachable" waiting on a client's socket, and behind it a late datagram
    /// from the same address: Linux reports the error first. The drop went no further
    /// than the error, and the datagram became the next request's answer (found by a
    /// review). Both are taken now.
    #[cfg(target_os = "linux")]
    #[test]
    fn drop_late_datagrams_drops_what_waits_behind_a_port_unreachable() {
        // A port where nothing listens, for now.
        let port = std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = crate::wire::udp::bind(loopback()).unwrap();
        client.connect(&port.into()).unwrap();
        // On loopback the ICMP answer is queued before send returns.
        client.send(b"to nobody").unwrap();
        let server = std::net::UdpSocket::bind(port).unwrap();
        let client_addr = crate::wire::udp::local_addr(&client).unwrap();
        server.send_to(b"LATE", client_addr).unwrap();
        // Waits for the datagram without reading (a read would take the error first):
        // the socket's receive queue in /proc/net/udp.
        let queued = || {
            let table = std::fs::read_to_string("/proc/net/udp").unwrap();
            table.lines().skip(1).any(|row| {
                let f: Vec<&str> = row.split_whitespace().collect();
                f[1].ends_with(&format!(":{:04X}", client_addr.port()))
                    && f[4].split(':').nth(1) != Some("00000000")
            })
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !queued() {
            assert!(
                std::time::Instant::now() < deadline,
                "the datagram never came"
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(drop_late_datagrams(&client).unwrap(), (1, 4));
    }

    #[test]
    fn read_within_tells_nothing_from_something_and_leaves_the_stream_blocking() {
        let listener = listen(loopback(), ListenOptions::new()).unwrap();
        let mut client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let mut buf = [0; 8];
        let wait = std::time::Duration::from_millis(20);
        assert_eq!(read_within(&mut conn, &mut buf, wait).unwrap(), None);
        assert_eq!(conn.read_timeout().unwrap(), None);
        client.write_all(b"abc").unwrap();
        // Generous: the bytes are already on their way; the limit only bounds the test.
        let long = std::time::Duration::from_secs(30);
        assert_eq!(read_within(&mut conn, &mut buf, long).unwrap(), Some(3));
        drop(client);
        assert_eq!(read_within(&mut conn, &mut buf, long).unwrap(), Some(0));
    }

    #[test]
    fn wait_for_bytes_sees_two_writes_queued_without_consuming_them() {
        let listener = listen(loopback(), ListenOptions::new()).unwrap();
        let mut client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        client.write_all(b"hello").unwrap();
        client.write_all(b"world").unwrap();
        let limit = std::time::Duration::from_secs(30);
        assert_eq!(wait_for_bytes(&conn, 10, limit).unwrap(), 10);
        let mut buf = [0; 64];
        assert_eq!(conn.read(&mut buf).unwrap(), 10);
        drop(client);
        assert_eq!(
            wait_for_bytes(&conn, 1, limit).unwrap_err().kind(),
            io::ErrorKind::UnexpectedEof
        );
    }
}
