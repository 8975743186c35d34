//! Wrong answer to exercise 13: a loop over write that calls again on a short count and on
//! Interrupted, but always with the whole request, never advanced past what was written:
//! bytes already sent go out again.
//! Rejected at: a request with a 16 MiB body, its write interrupted by signals while the server is not reading yet
//! Says: more than the request
//! (Written by an independent teacher from the task text alone; the check rejected it, but
//! said at once that send_request returned and that it did not return.)

use std::io::{self, IoSlice, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long for the header"))?;
    let header = len.to_le_bytes();
    let total = 4 + body.len();
    let mut sent = 0;
    while sent < total {
        match stream.write_vectored(&[IoSlice::new(&header), IoSlice::new(body)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
