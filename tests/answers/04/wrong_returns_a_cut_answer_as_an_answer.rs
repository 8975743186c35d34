//! Wrong answer to exercise 04: when the stream ends before the empty line, what came is
//! returned as if it were the whole answer.
//! Rejected at: three answers in one read, then the end of the stream

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut pending = std::mem::take(leftover);
    let mut buf = [0u8; 4096];
    loop {
        if let Some(at) = pending.windows(2).position(|w| w == b"\n\n") {
            *leftover = pending.split_off(at + 2);
            pending.truncate(at + 1);
            return Ok(pending);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(pending);
        }
        pending.extend_from_slice(&buf[..n]);
    }
}
