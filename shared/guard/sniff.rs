//! Telling a bare text request from a length-prefixed one by its first bytes, for servers
//! that take both on one port (lesson 06: the notes' bare command or a framed one; lesson
//! 09: a bare file name or an upload's header).
//!
//! A length prefix is `struct.pack('i', n)`, little-endian: for any length the server
//! accepts, its high bytes are 0, a control character that typed text never contains. A
//! negative or absurd length (`ff ff ff ff`) is not UTF-8 at all. So a request whose first
//! bytes are printable text is bare text, and anything else goes to the frame reader, which
//! says what is wrong with it.

use crate::guard::limits::Limits;
use std::io;
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long a server waits, after fewer printable bytes than decide, for more before taking
/// them for a whole (short) text request. A request typed by a person arrives in one piece;
/// only a length prefix sent a byte at a time arrives slower.
pub const SHORT_TEXT_WAIT: Duration = Duration::from_secs(2);

/// Whether `first` can be the start of typed text: UTF-8 (the end may be cut mid-character)
/// with no control character.
pub fn is_text_start(first: &[u8]) -> bool {
    let text = match std::str::from_utf8(first) {
        Ok(text) => text,
        // Cut off mid-character at the end of the peek: judge the part before it.
        Err(e) if e.error_len().is_none() => {
            // valid_up_to() is a character boundary, so this slice is valid UTF-8.
            std::str::from_utf8(&first[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return false,
    };
    !text.chars().any(char::is_control)
}

/// Peeks at the next request's first bytes without taking them: waits up to the idle limit
/// for the first, then, while the bytes so far are printable and fewer than `decisive`
/// (the position of the first byte that is 0 in every accepted length prefix, plus one),
/// for more, up to [`SHORT_TEXT_WAIT`] of quiet. `whole` is a request that is complete as
/// it is (the quit word `q`): no wait for it. Returns how many bytes are in `buf` (0: the
/// peer closed); the message limit applies from the first byte on.
pub fn peek_start(
    conn: &TcpStream,
    buf: &mut [u8; 4],
    decisive: usize,
    whole: &[u8],
    limits: &Limits,
) -> io::Result<usize> {
    limits.await_request(conn)?;
    // A signal (the server stopped and continued) is not the peer's doing: the wait goes
    // on with the time that was left (`limits::peek`).
    let mut seen = crate::guard::limits::peek(conn, buf)?;
    if seen == 0 {
        return Ok(0);
    }
    limits.in_message(conn)?;
    let mut quiet_since = Instant::now();
    while seen < decisive && &buf[..seen] != whole && is_text_start(&buf[..seen]) {
        if quiet_since.elapsed() >= SHORT_TEXT_WAIT {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        let now = crate::guard::limits::peek(conn, buf)?;
        if now > seen {
            seen = now;
            quiet_since = Instant::now();
        }
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_length_prefixes_are_told_apart() {
        assert!(is_text_start(b"seq 300"));
        assert!(is_text_start("你好".as_bytes()));
        assert!(is_text_start(&"你".as_bytes()[..2])); // cut mid-character
        assert!(!is_text_start(&7i32.to_le_bytes()));
        assert!(!is_text_start(&(-1i32).to_le_bytes()));
        assert!(!is_text_start(&i32::MAX.to_le_bytes()));
        // 6,581,362 bytes: "rld" and a 0, printable until the fourth byte.
        assert!(is_text_start(&6_581_362i32.to_le_bytes()[..3]));
        assert!(!is_text_start(&6_581_362i32.to_le_bytes()));
    }
}
