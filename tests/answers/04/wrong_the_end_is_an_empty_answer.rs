//! Wrong answer to exercise 04: right in the middle of an answer, but a stream that ends
//! between answers gives Ok(empty) instead of an error, and a caller that loops on
//! next_answer never learns that the server has gone.
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
            if pending.is_empty() {
                return Ok(pending);
            }
            *leftover = pending;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        pending.extend_from_slice(&buf[..n]);
    }
}
