//! Wrong answer to exercise 13: header and body copied into one Vec and sent with one
//! `write`, its count ignored.
//! Rejected at: a request with a 16 MiB body, its write interrupted by signals while the server is not reading yet

use std::io::{self, Write};
use std::net::TcpStream;

pub fn send_request(stream: &mut TcpStream, body: &[u8]) -> io::Result<()> {
    let len = i32::try_from(body.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "body too long"))?;
    let mut request = len.to_le_bytes().to_vec();
    request.extend_from_slice(body);
    stream.write(&request)?;
    Ok(())
}
