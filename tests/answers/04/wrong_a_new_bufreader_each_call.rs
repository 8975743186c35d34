//! Wrong answer to exercise 04: a BufReader made in each call reads lines until an empty
//! one. It reads ahead into its own buffer, and the bytes it read past the answer vanish
//! with it when the call returns.
//! Rejected at: two answers waiting in the receive buffer: `seq 300`, then `echo hi`

use std::io::{self, BufRead, BufReader};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut reader = BufReader::new(stream);
    let mut answer = std::mem::take(leftover);
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            *leftover = answer;
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if line == b"\n" {
            return Ok(answer);
        }
        answer.extend_from_slice(&line);
    }
}
