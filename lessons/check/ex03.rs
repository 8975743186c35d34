//! The check of exercise 03: a server built with the learner's `listen` closes a
//! connection first (its end goes to TIME_WAIT), closes its listener, and is started again
//! on the same port at once.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use socket_lessons::stage::tcp_state::{self, TcpState};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

type Listen = fn(SocketAddr) -> io::Result<TcpListener>;

const HINT: &str = "notes A §5 端口占用问题解决方案: set SO_REUSEADDR on the socket, \
    set_reuse_address(true) before bind. On Linux it must be on both sockets: the new \
    listener, and the old connection in TIME_WAIT, which inherited the flag from the \
    listener that accepted it; both come from your listen (docs/03, part 2).";

pub fn check(solution: bool) -> Outcome {
    let listen: Listen = if solution {
        crate::solution_03::listen
    } else {
        crate::learner_03::listen
    };
    Steps::run(|steps| run(listen, steps))
}

/// The learner's `listen`, under the time limit.
fn call(listen: Listen, addr: SocketAddr, step: &str) -> Result<TcpListener, Failure> {
    let got = match within(STUCK, move || listen(addr)) {
        Some(Ok(listener)) => return Ok(listener),
        Some(Err(e)) => format!("got: an error: {e}"),
        None => format!("got: no return from listen within {} s", STUCK.as_secs()),
    };
    Err(Failure::new(step)
        .detail(format!("expected: a listener on {addr}"))
        .detail(got))
}

fn run(listen: Listen, steps: &mut Steps) -> Result<(), Failure> {
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = call(listen, any, "listen(127.0.0.1:0)")?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(e.to_string()))?;
    steps.ok(format!("listen(127.0.0.1:0) listens on {addr}"));

    // A client; the server closes its connection first, then the listener.
    let step = "a client connects; the server closes the connection first, then the client";
    let fail = |e: io::Error| Failure::new(step).detail(e.to_string());
    let mut client = TcpStream::connect(addr).map_err(fail)?;
    let (conn, client_addr) = listener.accept().map_err(fail)?;
    drop(conn);
    drop(listener);
    client.set_read_timeout(Some(STUCK)).map_err(fail)?;
    let mut buf = [0u8; 16];
    match client.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => {
            return Err(Failure::new(step).detail(format!(
                "the client expected 0 bytes (the server's close), got {n}"
            )))
        }
        Err(e) => return Err(fail(e)),
    }
    drop(client);
    // The server's end goes to TIME_WAIT when the client's FIN arrives: wait for it.
    let old_end = if tcp_state::OBSERVABLE {
        let state = tcp_state::settle(&[Some(TcpState::TimeWait)], STUCK, || {
            tcp_state::lookup(addr, client_addr)
        })
        .map_err(fail)?;
        format!(
            "the old connection {addr} -> {client_addr}: {}",
            tcp_state::show(state)
        )
    } else {
        "the old connection is in TIME_WAIT (the server closed first)".to_owned()
    };
    steps.ok(format!(
        "the server closed first and the client after: {old_end}"
    ));

    // Restart: the same port, at once.
    let step = format!("listen({addr}) again, at once: the restarted server");
    let listener = call(listen, addr, &step).map_err(|f| {
        f.detail(format!(
            "{old_end}, still holding port {} for a minute",
            addr.port()
        ))
        .hint(HINT)
    })?;
    steps.ok(format!(
        "listen({addr}) succeeds while the old connection waits"
    ));

    // And it serves.
    let step = "a client of the restarted server sends b\"hello again\" and closes";
    let fail = |e: io::Error| Failure::new(step).detail(e.to_string());
    let mut client = TcpStream::connect(addr).map_err(fail)?;
    client.write_all(b"hello again").map_err(fail)?;
    drop(client);
    let (mut conn, _) = listener.accept().map_err(fail)?;
    conn.set_read_timeout(Some(STUCK)).map_err(fail)?;
    let mut got = Vec::new();
    conn.read_to_end(&mut got).map_err(fail)?;
    if got != b"hello again" {
        return Err(Failure::new(step)
            .detail("expected: b\"hello again\"")
            .detail(format!("got: {}", shown(&got))));
    }
    steps.ok("the restarted server accepts a client and receives b\"hello again\"");
    Ok(())
}
