//! Wrong answer to exercise 11: a client whose outbox is full is dropped ("it does not read,
//! it is not worth serving") instead of not being read from: a client that reads slowly
//! loses its connection.
//! Rejected at: client F sends 8 MiB and reads nothing until its sending blocks; meanwhile client G sends 200 messages

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

/// How many answer bytes a connection may have waiting before the server stops reading
/// from it (a client that sends and never reads cannot make the server's memory grow).
const OUTBOX_LIMIT: usize = 64 * 1024;

/// One client: its socket, the answer bytes not sent yet, and whether it has closed its
/// sending half.
struct Conn {
    stream: TcpStream,
    outbox: Vec<u8>,
    closed: bool,
}

impl Conn {
    /// Reads what is there, sends what fits; never waits. `false` when the connection is
    /// done: closed and answered, or failed.
    fn take_turn(&mut self, buf: &mut [u8]) -> bool {
        if self.outbox.len() >= OUTBOX_LIMIT {
            return false;
        }
        if !self.closed {
            match self.stream.read(buf) {
                // 0 bytes: the client will send nothing more. Answer what came before, then
                // drop it.
                Ok(0) => self.closed = true,
                Ok(n) => self.outbox.extend(buf[..n].to_ascii_uppercase()),
                // Nothing there now: not a failure, the next client's turn.
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return false,
            }
        }
        // A non-blocking write takes what fits in the socket's buffer, maybe less than all.
        while !self.outbox.is_empty() {
            match self.stream.write(&self.outbox) {
                Ok(0) => return false,
                Ok(n) => {
                    self.outbox.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => return false,
            }
        }
        !(self.closed && self.outbox.is_empty())
    }
}

/// Serves every connected client from this one thread, for ever: each message upper-cased
/// back.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<Conn> = Vec::new();
    let mut buf = [0u8; 1024];
    // The notes' way: never sleeps, so it burns a core even with nobody connected (lesson
    // 11's way `busy`; ways `threads` and `poll` do not).
    loop {
        match listener.accept() {
            Ok((stream, _addr)) => {
                // The fix: on Linux an accepted socket does not inherit the listener's
                // O_NONBLOCK. Left blocking, the first read on a silent client would stop
                // this one thread, and every other client with it.
                if stream.set_nonblocking(true).is_ok() {
                    conns.push(Conn {
                        stream,
                        outbox: Vec::new(),
                        closed: false,
                    });
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            // A client that reset before it was taken, or no descriptor left: that
            // client's problem, not everyone's. Go on serving the connected ones.
            Err(_) => {}
        }
        conns.retain_mut(|conn| conn.take_turn(&mut buf));
    }
}
