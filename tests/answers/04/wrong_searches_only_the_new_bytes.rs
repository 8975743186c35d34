//! Wrong answer to exercise 04: the empty line is searched for in each read's bytes alone:
//! a "\n\n" whose two halves arrive in two reads is never found.
//! Rejected at: two answers arriving one byte per read

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut pending = std::mem::take(leftover);
    if let Some(at) = pending.windows(2).position(|w| w == b"\n\n") {
        *leftover = pending.split_off(at + 2);
        pending.truncate(at + 1);
        return Ok(pending);
    }
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            *leftover = pending;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let start = pending.len();
        pending.extend_from_slice(&buf[..n]);
        if let Some(at) = buf[..n].windows(2).position(|w| w == b"\n\n") {
            let end = start + at;
            *leftover = pending.split_off(end + 2);
            pending.truncate(end + 1);
            return Ok(pending);
        }
    }
}
