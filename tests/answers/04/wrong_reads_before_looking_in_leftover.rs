//! Wrong answer to exercise 04: leftover is kept, and the answer is searched for in all
//! the bytes, but each call reads before it looks: when leftover already holds the whole
//! answer, the call waits for bytes the server will never send.
//! Rejected at: two answers waiting in the receive buffer: `seq 300`, then `echo hi`

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut pending = std::mem::take(leftover);
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            *leftover = pending;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        pending.extend_from_slice(&buf[..n]);
        if let Some(at) = pending.windows(2).position(|w| w == b"\n\n") {
            *leftover = pending.split_off(at + 2);
            pending.truncate(at + 1);
            return Ok(pending);
        }
    }
}
