//! Wrong answer to exercise 13 (from a teacher's blind set): a write_vectored loop that
//! goes on after short counts, but passes ErrorKind::Interrupted up with ?: a signal that
//! comes before a write has taken a byte ends the request part-way, the connection out of
//! frame.
//! Rejected at: a request with a 16 MiB body, its write interrupted by signals while the server is not reading yet

use std::io::{self, ErrorKind, IoSlice, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "body too long for the header"))?;
    let header = len.to_le_bytes();
    let mut slices = [IoSlice::new(&header), IoSlice::new(body)];
    let mut bufs: &mut [IoSlice<'_>] = &mut slices;
    while !bufs.is_empty() {
        let n = stream.write_vectored(bufs)?;
        if n == 0 {
            return Err(ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut bufs, n);
    }
    Ok(())
}
