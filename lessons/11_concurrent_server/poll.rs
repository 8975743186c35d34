//! The server, way 3: readiness polling. One thread, non-blocking sockets, and one call
//! that sleeps until the kernel says which of them are ready (epoll on Linux, kqueue on BSD
//! and macOS), through the `mio` crate.

use crate::clients::{Arrival, Clients};
use crate::conn::{AcceptTrouble, Conn, Ending, Queued, Turn};
use crate::ACCEPT_BACKOFF;
use socket_lessons::guard::limits::Limits;
use socket_lessons::stage::echo::RECV_SIZE;
use std::collections::HashMap;
use std::io::{self, ErrorKind};
use std::net::TcpListener;
use std::time::Instant;

/// mio rather than the smaller `polling` crate: mio's registration API is safe Rust (with
/// `polling` 3, adding a socket is `unsafe`, since the caller must remove it before
/// closing), its sockets are non-blocking by construction, and it is the layer under tokio,
/// so what a learner sees here is what async Rust does underneath.
pub(crate) fn serve_poll(
    listener: TcpListener,
    clients: &Clients,
    waits: &Limits,
) -> io::Result<()> {
    use mio::{Events, Interest, Poll, Token};

    const LISTENER: Token = Token(0);

    // 1. The listener, non-blocking, handed to mio and registered: "wake me when a client
    //    is waiting to be accepted".
    listener.set_nonblocking(true)?;
    let mut listener = mio::net::TcpListener::from_std(listener);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;

    let mut conns: HashMap<Token, Conn<mio::net::TcpStream>> = HashMap::new();
    let mut next_token = 1;
    let mut events = Events::with_capacity(256);
    let mut buf = [0u8; RECV_SIZE];
    let mut trouble = AcceptTrouble::default();
    let mut queued = Queued::default();
    loop {
        // 2. Sleep until the kernel has news (epoll_wait): zero CPU while nothing happens.
        //    Out of descriptors, the clients still queued get no new event (it came, once,
        //    when they connected): wake up after a moment to try them again.
        //    Or when the first connection runs out of time (the idle or the write limit).
        let now = Instant::now();
        let first_deadline = conns.values().map(|conn| conn.deadline(waits)).min();
        let wait = [
            trouble.out_of_descriptors.then_some(ACCEPT_BACKOFF),
            first_deadline.map(|at| at.saturating_duration_since(now)),
        ]
        .into_iter()
        .flatten()
        .min();
        if let Err(e) = poll.poll(&mut events, wait) {
            if e.kind() == ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        let retry = trouble.out_of_descriptors.then_some(LISTENER);
        let tokens: Vec<Token> = events.iter().map(|e| e.token()).chain(retry).collect();
        for token in tokens {
            if token == LISTENER {
                // 3. Accept everyone waiting: the event says "ready" once for all of them.
                loop {
                    let (mut stream, addr) = match listener.accept() {
                        Ok(pair) => {
                            trouble.ok();
                            pair
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                        Err(e) => {
                            trouble.failed(&e);
                            break;
                        }
                    };
                    match clients.arrive(addr) {
                        Arrival::Stop => return Ok(()),
                        Arrival::Full => continue,
                        Arrival::Welcome => {}
                    }
                    let token = Token(next_token);
                    next_token += 1;
                    // Readable: bytes came (or the client closed). Writable: room freed
                    // for an answer that did not fit before.
                    let registered = poll.registry().register(
                        &mut stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    );
                    match registered {
                        Ok(()) => {
                            conns.insert(token, Conn::new(stream, addr));
                        }
                        // One connection's trouble ends that connection, not the server.
                        Err(e) => clients.leave(addr, &crate::conn::dropped(&e)),
                    }
                }
            } else if let Some(conn) = conns.get_mut(&token) {
                // 4. A turn for the connection the kernel named, and only for it.
                if let Turn::Over(why) = conn.take_turn(&mut buf, &mut queued) {
                    let mut conn = conns.remove(&token).expect("it was just found");
                    conn.release(&mut queued);
                    // Closing would deregister it too; saying so keeps the two in step.
                    let _ = poll.registry().deregister(&mut conn.stream);
                    clients.leave(conn.addr, &why);
                }
            }
        }
        // 5. Connections whose time ran out: no event will come for a silent client.
        let now = Instant::now();
        let expired: Vec<(Token, Ending)> = conns
            .iter()
            .filter_map(|(token, conn)| Some((*token, conn.expired(now, waits)?)))
            .collect();
        for (token, why) in expired {
            if let Some(mut conn) = conns.remove(&token) {
                let _ = poll.registry().deregister(&mut conn.stream);
                conn.release(&mut queued);
                clients.leave(conn.addr, &why);
            }
        }
    }
}
