//! A right answer to exercise 04 in another style: reads of one byte, so that nothing is
//! ever read past the empty line (slow: a system call per byte; leftover is still looked at
//! first and still holds a cut answer).

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut answer = std::mem::take(leftover);
    if let Some(at) = answer.windows(2).position(|w| w == b"\n\n") {
        *leftover = answer.split_off(at + 2);
        answer.truncate(at + 1);
        return Ok(answer);
    }
    let mut byte = [0u8; 1];
    loop {
        if stream.read(&mut byte)? == 0 {
            *leftover = answer;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        answer.push(byte[0]);
        if answer.ends_with(b"\n\n") {
            answer.pop();
            return Ok(answer);
        }
    }
}
