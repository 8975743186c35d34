//! The course's answer to exercise 13 (lessons/exercises/13_one_write.rs).

use std::io::{self, IoSlice, Write};
use std::net::TcpStream;

/// Sends one framed request: a 4-byte little-endian i32 length, then `body`.
pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long for the header"))?;
    let header = len.to_le_bytes();
    // Header and body in one writev: one system call, and for a small request one
    // segment, so nothing is left for Nagle to hold back. (framing::write_frame does the
    // same; `[header, body].concat()` and one write_all would too, at the price of a copy.)
    let mut slices = [IoSlice::new(&header), IoSlice::new(body)];
    let mut slices = &mut slices[..];
    while !slices.is_empty() {
        match stream.write_vectored(slices) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            // A big body may be taken in part: go on with what is left.
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
