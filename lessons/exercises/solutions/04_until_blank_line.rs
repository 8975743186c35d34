//! The course's answer to exercise 04 (lessons/exercises/04_until_blank_line.rs).

use std::io::{self, Read};
use std::net::TcpStream;

/// Returns the next answer on `stream`, without the empty line that ends it.
pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    // Start with what the last call read past its answer: it is the start of this one
    // (or all of it).
    let mut pending = std::mem::take(leftover);
    // Where to resume the search for "\n\n": a delimiter may straddle two reads, so look
    // again from one byte before the end of what was already searched.
    let mut searched: usize = 0;
    let mut buf = [0u8; 4096];
    loop {
        let from = searched.saturating_sub(1);
        if let Some(at) = pending[from..].windows(2).position(|w| w == b"\n\n") {
            let end = from + at;
            // Everything after the empty line belongs to the next answer.
            *leftover = pending.split_off(end + 2);
            // Keep the answer's last "\n" (its last line's), drop the empty line's.
            pending.truncate(end + 1);
            return Ok(pending);
        }
        searched = pending.len();
        let n = match stream.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            // The end of the stream, and no empty line yet: the answer is cut. Keep the
            // bytes where the caller can see them, and say so.
            let got = pending.len();
            *leftover = pending;
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the stream ended after {got} bytes, before the empty line"),
            ));
        }
        pending.extend_from_slice(&buf[..n]);
    }
}
