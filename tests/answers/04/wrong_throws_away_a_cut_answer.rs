//! Wrong answer to exercise 04: right until the stream ends early: then the bytes of the
//! cut answer are dropped with the error, and the caller cannot see what came.
//! Rejected at: the server closes before the empty line

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
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        pending.extend_from_slice(&buf[..n]);
    }
}
