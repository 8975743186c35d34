//! A right answer to exercise 13 in another style (from a teacher's blind set): a hand-
//! written write_vectored loop with IoSlice::advance_slices, calling again on Interrupted,
//! WriteZero on a write of 0 bytes.

use std::io::{self, ErrorKind, IoSlice, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(ErrorKind::InvalidInput, "body too long for the header"))?;
    let header = len.to_le_bytes();
    let mut slices = [IoSlice::new(&header), IoSlice::new(body)];
    let mut bufs: &mut [IoSlice<'_>] = &mut slices;
    IoSlice::advance_slices(&mut bufs, 0);
    while !bufs.is_empty() {
        match stream.write_vectored(bufs) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
