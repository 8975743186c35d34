//! Wrong answer to exercise 04 (from a teacher's blind set): reads line by line and ends
//! the answer at any empty line, one at the very start of an answer included: the stream
//! b"\nhi\n\n" (echo; echo hi) gives b"" and then b"hi\n", one answer too many.
//! Rejected at: an answer that begins with an empty line (`echo; echo hi`), then `echo ok`

use std::io::{self, BufRead, BufReader, Read};
use std::net::TcpStream;

pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let prefix = std::mem::take(leftover);
    let mut reader = BufReader::new(io::Cursor::new(prefix).chain(&mut *stream));
    let mut answer = Vec::new();
    let result = loop {
        let start = answer.len();
        let n = match reader.read_until(b'\n', &mut answer) {
            Ok(n) => n,
            Err(e) => break Err(e),
        };
        if n == 0 || answer.last() != Some(&b'\n') {
            break Err(io::Error::from(io::ErrorKind::UnexpectedEof));
        }
        if answer.len() - start == 1 && (start == 0 || answer[start - 1] == b'\n') {
            // an empty line: the answer ends here (drop it)
            answer.pop();
            break Ok(());
        }
    };
    // whatever the reader had buffered but not consumed belongs to the next answer
    let buffered = reader.buffer().to_vec();
    let (cursor, _) = reader.into_inner().into_inner();
    let pos = cursor.position() as usize;
    let mut rest = cursor.into_inner().split_off(pos.min(usize::MAX));
    let _ = &mut rest;
    // cursor bytes not yet pulled into the BufReader plus the buffered ones
    let mut keep = buffered;
    keep.extend_from_slice(&rest);
    match result {
        Ok(()) => {
            *leftover = keep;
            Ok(answer)
        }
        Err(e) => {
            answer.extend_from_slice(&keep);
            *leftover = answer;
            Err(e)
        }
    }
}
