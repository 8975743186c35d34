//! Wrong answer to exercise 04: one answer per call, but with its empty line: the answer to
//! `seq 3` comes back as b"1\n2\n3\n\n".
//! Rejected at: two answers waiting in the receive buffer: `seq 300`, then `echo hi`

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut pending = std::mem::take(leftover);
    let mut buf = [0u8; 4096];
    loop {
        if let Some(at) = pending.windows(2).position(|w| w == b"\n\n") {
            *leftover = pending.split_off(at + 2);
            return Ok(pending);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            *leftover = pending;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        pending.extend_from_slice(&buf[..n]);
    }
}
