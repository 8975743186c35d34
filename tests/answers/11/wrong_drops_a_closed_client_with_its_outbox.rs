//! Wrong answer to exercise 11 (from a teacher's blind set): an outbox and a high-water
//! mark, but a client is dropped as soon as read returns 0, with what its outbox still
//! holds: a client that shuts down its sending side and then reads (lesson 01's) loses the
//! end of its echo. Client F shuts down after sending too: when the server reads F's end
//! before it has flushed F's outbox (the kernel's timing decides), F already loses the end
//! of its echo, so either step may reject it (a CI run on a busy machine saw F's).
//! Rejected at: client H sends 40 KiB, shuts down its sending side at once, and reads only after your server has taken every byte
//! Rejected at: client F sends 8 MiB and reads nothing until its sending blocks; meanwhile client G sends 200 messages

use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

const HIGH_WATER: usize = 64 * 1024;

struct Client {
    conn: TcpStream,
    out: Vec<u8>,
    sent: usize,
    eof: bool,
    dead: bool,
}

impl Client {
    fn pending(&self) -> usize {
        self.out.len() - self.sent
    }
    fn flush(&mut self) {
        while self.sent < self.out.len() {
            match self.conn.write(&self.out[self.sent..]) {
                Ok(0) => {
                    self.dead = true;
                    return;
                }
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.dead = true;
                    return;
                }
            }
        }
        if self.sent == self.out.len() {
            self.out.clear();
            self.sent = 0;
        } else if self.sent > HIGH_WATER {
            self.out.drain(..self.sent);
            self.sent = 0;
        }
    }
    fn turn(&mut self, buf: &mut [u8]) {
        self.flush();
        if self.dead || self.eof || self.pending() >= HIGH_WATER {
            return;
        }
        match self.conn.read(buf) {
            Ok(0) => self.eof = true,
            Ok(n) => {
                self.out.extend(buf[..n].iter().map(u8::to_ascii_uppercase));
                self.flush();
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
            Err(_) => self.dead = true,
        }
    }
}

pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut clients: Vec<Client> = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        loop {
            match listener.accept() {
                Ok((conn, _)) => {
                    if conn.set_nonblocking(true).is_ok() {
                        clients.push(Client {
                            conn,
                            out: Vec::new(),
                            sent: 0,
                            eof: false,
                            dead: false,
                        });
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => break,
            }
        }
        for c in clients.iter_mut() {
            c.turn(&mut buf);
        }
        clients.retain(|c| !c.dead && !c.eof);
    }
}
