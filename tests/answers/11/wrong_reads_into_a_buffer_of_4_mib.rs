//! Wrong answer to exercise 11: an outbox, partial writes kept, reading stopped at 32 KiB
//! pending, but every read goes into a buffer of 4 MiB "for speed": one read takes all the
//! socket's receive buffer holds, megabytes when it is big, and the outbox holds them.
//! Rejected at: client F sends 8 MiB and reads nothing until its sending blocks; meanwhile client G sends 200 messages
//! Says: reads into a buffer of megabytes, takes them
//! (Written by an independent teacher from the task text alone; it passed while the
//! server's receive buffer for F was small.)

use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut conns: Vec<(TcpStream, VecDeque<u8>, bool)> = Vec::new();
    let mut buf = vec![0u8; 4 << 20];
    loop {
        match listener.accept() {
            Ok((conn, _addr)) => {
                conn.set_nonblocking(true)?;
                conns.push((conn, VecDeque::new(), false));
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(_) => {}
        }
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
                    Err(_) => return false,
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
    }
}
