//! The check of exercise 02: clients that leave, reset, and send bytes that are not UTF-8,
//! each followed by one that expects its answer.

use crate::harness::{exchange, start_server, Failure, Outcome, Steps, STUCK};
use socket_lessons::wire::net;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::Receiver;

type Serve = fn(TcpListener) -> io::Result<()>;

pub fn check(solution: bool) -> Outcome {
    let serve: Serve = if solution {
        crate::solution_02::serve
    } else {
        crate::learner_02::serve
    };
    Steps::run(|steps| run(serve, steps))
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let (addr, server) = start_server(serve)?;

    // 1. An ordinary client.
    let mut a = connect(addr, "client 1", &server)?;
    exchange(&mut a, b"hello", b"HELLO", "client 1", &server)?;
    steps.ok("client 1 sends b\"hello\" and gets b\"HELLO\"");

    // 2. It leaves: a normal close (FIN). The next client must be served.
    drop(a);
    let mut b = connect(addr, "client 2", &server)?;
    exchange(
        &mut b,
        b"abc",
        b"ABC",
        "client 2, after client 1 closed",
        &server,
    )
    .map_err(|f| {
        f.hint(
            "recv returning 0 bytes means the client closed its end: it is not an empty \
             message. Stop reading that connection and go back to accept (docs/02, \"recv \
             returning 0\").",
        )
    })?;
    steps.ok("client 1 closes; client 2 is served");

    // 3. It resets the connection (RST): the server's next read or write fails.
    net::close_with_reset(b).map_err(|e| Failure::new(e.to_string()))?;
    let mut c = connect(addr, "client 3", &server)?;
    exchange(
        &mut c,
        b"xyz",
        b"XYZ",
        "client 3, after client 2 reset",
        &server,
    )
    .map_err(|f| {
        f.hint(
            "a reset makes recv (or send) fail with \"connection reset\". That error belongs \
             to one client: end that client, not the server (no `?` on a client's read).",
        )
    })?;
    steps.ok("client 2 resets the connection; client 3 is served");

    // 4. Bytes that are not UTF-8 (Latin-1 "café"), then an ordinary line.
    exchange(
        &mut c,
        b"caf\xe9",
        b"CAF\xe9",
        "client 3, Latin-1 bytes",
        &server,
    )
    .map_err(|f| {
        f.hint(
            "the wire carries bytes, not text. Decoding them (Python's .decode(), Rust's \
             from_utf8) fails on bytes that are not UTF-8; upper-case the ASCII letters of the \
             bytes instead (to_ascii_uppercase).",
        )
    })?;
    drop(c);
    let mut d = connect(addr, "client 4", &server)?;
    exchange(
        &mut d,
        b"still there?",
        b"STILL THERE?",
        "client 4",
        &server,
    )?;
    steps.ok("client 3 sends b\"caf\\xe9\" and gets b\"CAF\\xe9\"; client 4 is served");
    Ok(())
}

/// Connects, or fails saying why, and whether the server function had already returned
/// (a server that stopped has no listener left: the connection is refused).
fn connect(
    addr: SocketAddr,
    who: &str,
    server: &Receiver<io::Result<()>>,
) -> Result<TcpStream, Failure> {
    net::connect_addr(addr).map_err(|e| {
        let failure = Failure::new(format!("{who} connects")).detail(format!("got: {e}"));
        match server.recv_timeout(STUCK) {
            Ok(Ok(())) => {
                failure.detail("because your serve() returned Ok(()): the server stopped")
            }
            Ok(Err(e)) => failure
                .detail(format!(
                    "because your serve() returned an error: {e}: the server stopped"
                ))
                .hint(
                    "an error on one client's connection (a reset, a failed send) belongs to \
                     that client: end that client, not the server (no `?` on a client's read \
                     or write).",
                ),
            Err(_) => failure,
        }
    })
}
