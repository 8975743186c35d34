//! Exercise 04: one answer per call, however the bytes arrive.
//!
//! A command server sends each answer as lines, each ending in `\n`, and then an empty
//! line: the answer to `seq 3` is `b"1\n2\n3\n\n"`. So an answer ends at the first `\n\n`
//! on the stream. `next_answer` below reads the way the notes' clients do: one
//! `recv(1024)` per answer. The answer to `seq 300` is 1092 bytes, so the first call
//! returns 1024 of them and the other 68 come back as the start of the next answer (粘包).
//!
//! Make it return exactly one answer per call, without its empty line: the answer to
//! `seq 3` is `b"1\n2\n3\n"`.
//!
//! - an answer may begin with an empty line (`echo; echo hi` answers `b"\nhi\n"`, on the
//!   wire `b"\nhi\n\n"`): only the first `\n\n` ends it;
//! - keep reading until the stream holds a `\n\n` (a read may return 1 byte, the end of
//!   one answer and the start of the next, or several answers; the two `\n` of the empty
//!   line may come in two reads);
//! - bytes read past that belong to the next answer: keep them in `leftover`, which the
//!   caller passes back on the next call, and look there first (it may hold a whole
//!   answer, or more than one: then the server sends nothing more for it);
//! - the stream ending before the empty line is an `Err` of kind `UnexpectedEof`, and the
//!   bytes read of the cut answer stay in `leftover`, where the caller can see them;
//! - the stream ending between answers (nothing read, nothing in `leftover`) is an
//!   `UnexpectedEof` error too, with `leftover` left empty.
//!
//! Check it: `cargo run --example check -- 04` (`--watch` checks again on every save).
//! The page: docs/04_sticky_demo.md (中文: docs/zh-CN/04_sticky_demo.md).

use std::io::{self, Read};
use std::net::TcpStream;

/// Returns the next answer on `stream`, without the empty line that ends it.
pub fn next_answer(stream: &mut TcpStream, leftover: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    let mut answer = std::mem::take(leftover);
    // The notes' client: one recv(1024) per answer.
    let mut buf = [0u8; 1024];
    let n = stream.read(&mut buf)?;
    answer.extend_from_slice(&buf[..n]);
    // Drop the empty line at the end, if it is there.
    if answer.ends_with(b"\n\n") {
        answer.pop();
    }
    Ok(answer)
}
