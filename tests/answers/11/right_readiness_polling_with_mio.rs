//! A right answer to exercise 11 in another style: one thread that sleeps in mio's poll
//! until a socket is ready (lesson 11's way `poll`) instead of spinning, with an outbox per
//! client and no reading from a client whose outbox is full.

use mio::net::{TcpListener as MioListener, TcpStream as MioStream};
use mio::{Events, Interest, Poll, Token};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::TcpListener;

const LISTENER: Token = Token(0);
const OUTBOX_LIMIT: usize = 64 * 1024;

struct Client {
    stream: MioStream,
    outbox: Vec<u8>,
    closed: bool,
}

impl Client {
    /// Reads and writes what it can; false when the client is done with.
    fn turn(&mut self, buf: &mut [u8]) -> bool {
        loop {
            while !self.outbox.is_empty() {
                match self.stream.write(&self.outbox) {
                    Ok(0) => return false,
                    Ok(n) => {
                        self.outbox.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => return false,
                }
            }
            if self.closed || self.outbox.len() >= OUTBOX_LIMIT {
                return !(self.closed && self.outbox.is_empty());
            }
            match self.stream.read(buf) {
                Ok(0) => self.closed = true,
                Ok(n) => self.outbox.extend(buf[..n].to_ascii_uppercase()),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }
}

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut listener = MioListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut events = Events::with_capacity(256);
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next = 1;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next);
                            next += 1;
                            let interest = Interest::READABLE | Interest::WRITABLE;
                            if poll
                                .registry()
                                .register(&mut stream, token, interest)
                                .is_ok()
                            {
                                clients.insert(
                                    token,
                                    Client {
                                        stream,
                                        outbox: Vec::new(),
                                        closed: false,
                                    },
                                );
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(_) => break,
                    }
                }
                continue;
            }
            let token = event.token();
            let keep = clients.get_mut(&token).is_some_and(|c| c.turn(&mut buf));
            if !keep {
                if let Some(mut client) = clients.remove(&token) {
                    let _ = poll.registry().deregister(&mut client.stream);
                }
            }
        }
        // A client held back by a full outbox is read again once its writes drain: mio's
        // edge-triggered events say "writable" then, and turn() reads on after writing.
    }
}
