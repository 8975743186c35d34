//! Wrong answer to exercise 11: answers that do not fit wait in a per-client outbox, but
//! the server keeps reading from a client whatever its outbox holds: a client that sends
//! and never reads makes the server's memory grow by everything it sends.
//! Rejected at: client F sends 8 MiB and reads nothing until its sending blocks; meanwhile client G sends 200 messages
//! Says: your server held

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

struct Conn {
    stream: TcpStream,
    outbox: Vec<u8>,
    closed: bool,
}

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<Conn> = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Ok((stream, _addr)) = listener.accept() {
            if stream.set_nonblocking(true).is_ok() {
                conns.push(Conn {
                    stream,
                    outbox: Vec::new(),
                    closed: false,
                });
            }
        }
        conns.retain_mut(|c| {
            if !c.closed {
                match c.stream.read(&mut buf) {
                    Ok(0) => c.closed = true,
                    Ok(n) => c.outbox.extend(buf[..n].to_ascii_uppercase()),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => return false,
                }
            }
            while !c.outbox.is_empty() {
                match c.stream.write(&c.outbox) {
                    Ok(0) => return false,
                    Ok(n) => {
                        c.outbox.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => return false,
                }
            }
            !(c.closed && c.outbox.is_empty())
        });
    }
}
