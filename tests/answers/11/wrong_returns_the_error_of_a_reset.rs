//! Wrong answer to exercise 11: an outbox, partial writes kept, but an error on a
//! client's read or write (a reset) is returned from serve with `?`: one client's reset
//! stops the server for everyone.
//! Rejected at: client E, after client D reset
//! Says: your serve() returned an error

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<(TcpStream, VecDeque<u8>, bool)> = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match listener.accept() {
            Ok((conn, _addr)) => {
                conn.set_nonblocking(true)?;
                conns.push((conn, VecDeque::new(), false));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => {}
        }
        let mut fatal: Option<io::Error> = None;
        conns.retain_mut(|(conn, outbox, eof)| {
            if !*eof && outbox.len() < 32 * 1024 {
                match conn.read(&mut buf) {
                    Ok(0) => *eof = true,
                    Ok(n) => {
                        buf[..n].make_ascii_uppercase();
                        outbox.extend(&buf[..n]);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => {
                        fatal = Some(e);
                        return false;
                    }
                }
            }
            while !outbox.is_empty() {
                let (front, _) = outbox.as_slices();
                match conn.write(front) {
                    Ok(0) => return false,
                    Ok(n) => {
                        outbox.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => return false,
                }
            }
            !(*eof && outbox.is_empty())
        });
        if let Some(e) = fatal {
            return Err(e);
        }
    }
}
