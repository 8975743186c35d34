//! Wrong answer to exercise 04 (once kept as a right one): one byte at a time, line by
//! line, an answer ending at its first empty line. But an answer may begin with an empty
//! line (`echo; echo hi`, on the wire b"\nhi\n\n"): that line is taken for the end, and
//! the call returns b"" instead of b"\nhi\n". Only the first \n\n on the stream ends an
//! answer.
//! Rejected at: an answer that begins with an empty line (`echo; echo hi`), then `echo ok`

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut answer = Vec::new();
    let mut buf = [0u8; 1];
    let mut line = std::mem::take(leftover);
    loop {
        if stream.read(&mut buf)? == 0 {
            *leftover = [answer, line].concat();
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        line.push(buf[0]);
        if buf[0] == b'\n' {
            if line == b"\n" {
                return Ok(answer);
            }
            answer.extend_from_slice(&line);
            line.clear();
        }
    }
}
