//! Wrong answer to exercise 04 (from a teacher's blind set): strips the newlines at the
//! start of leftover, taking them for what is left of the empty line before: an answer that
//! begins with an empty line (echo; echo hi) comes back as b"hi\n" instead of b"\nhi\n".
//! Rejected at: an answer that begins with an empty line (`echo; echo hi`), then `echo ok`

use std::io::{self, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut buf = [0u8; 1024];
    loop {
        while leftover.first() == Some(&b'\n') {
            leftover.remove(0);
        }
        if let Some(i) = leftover.windows(2).position(|w| w == b"\n\n") {
            let rest = leftover.split_off(i + 2);
            let mut answer = std::mem::replace(leftover, rest);
            answer.truncate(i + 1);
            return Ok(answer);
        }
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        leftover.extend_from_slice(&buf[..n]);
    }
}
