//! Wrong answer to exercise 04: an answer taken from leftover leaves leftover as it was
//! when nothing follows it: the next call returns the same answer again.
//! Rejected at: three answers in one read, then the end of the stream
use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut pending = leftover.clone();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(at) = pending.windows(2).position(|w| w == b"\n\n") {
            let rest = pending.split_off(at + 2);
            if !rest.is_empty() {
                *leftover = rest;
            }
            pending.truncate(at + 1);
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
