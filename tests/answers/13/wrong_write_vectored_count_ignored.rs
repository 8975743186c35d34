//! Wrong answer to exercise 13: header and body in one write_vectored, its count ignored:
//! a big request that the kernel takes only in part is sent cut.
//! Rejected at: a request with a 16 MiB body, its write interrupted by signals while the server is not reading yet

use std::io::{self, IoSlice, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    let header = len.to_le_bytes();
    stream.write_vectored(&[IoSlice::new(&header), IoSlice::new(body)])?;
    Ok(())
}
