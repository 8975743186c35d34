//! Wrong answer to exercise 01 (from a teacher's blind set): after a short write it sends
//! the rest once more with another write whose count and error are ignored: a second signal
//! (or an EINTR before the retry copied a byte) loses the rest of the message.
//! Rejected at: a 16 MiB message, its send interrupted by signals while the server is not reading yet

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};

pub fn ask(addr: SocketAddr, message: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(addr)?;
    let n = stream.write(message)?;
    if n < message.len() {
        // the peer's window is full: send the rest once more, then stop trying
        let _ = stream.write(&message[n..]);
    }
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply)?;
    Ok(reply)
}
