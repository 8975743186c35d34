//! The check of exercise 11: a client that connects and stays silent, and the clients that
//! must be served meanwhile by the same one thread.

use crate::harness::{exchange, start_server, Failure, Outcome, Steps};
use socket_lessons::wire::net;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};

type Serve = fn(TcpListener) -> io::Result<()>;

const SILENT_HINT: &str = "on Linux an accepted socket does not inherit the listener's \
    O_NONBLOCK: the connection from accept() is blocking, so read() on a client that has sent \
    nothing waits there, and this one thread serves nobody else meanwhile. Call \
    set_nonblocking(true) on every accepted connection, and treat WouldBlock as \"nothing \
    yet\" (docs/11, the way `busy`, and the notes' first slip: conn.setblocking(False)).";

pub fn check(solution: bool) -> Outcome {
    let serve: Serve = if solution {
        crate::solution_11::serve
    } else {
        crate::learner_11::serve
    };
    Steps::run(|steps| run(serve, steps))
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let (addr, server) = start_server(serve)?;

    // 1. A connects first and says nothing; B connects after it and talks.
    let mut a = connect(addr, "client A")?;
    let mut b = connect(addr, "client B")?;
    exchange(
        &mut b,
        b"hi",
        b"HI",
        "client B, while client A is connected and silent",
        &server,
    )
    .map_err(|f| f.hint(SILENT_HINT))?;
    steps.ok("client A connects and sends nothing; client B sends b\"hi\" and gets b\"HI\"");

    // 2. A speaks at last.
    exchange(
        &mut a,
        b"late",
        b"LATE",
        "client A, after client B",
        &server,
    )?;
    steps.ok("client A sends b\"late\" and gets b\"LATE\"");

    // 3. B leaves; C arrives while A is still connected.
    drop(b);
    let mut c = connect(addr, "client C")?;
    exchange(
        &mut c,
        b"c here",
        b"C HERE",
        "client C, after client B closed",
        &server,
    )
    .map_err(|f| {
        f.hint(
            "read() returning 0 bytes means that client closed: drop that connection and go \
             on with the others; a closed client is no reason to stop the loop.",
        )
    })?;
    exchange(
        &mut a,
        b"still here",
        b"STILL HERE",
        "client A, after client C",
        &server,
    )?;
    steps.ok("client B closes; client C is served, and client A still is");
    Ok(())
}

fn connect(addr: SocketAddr, who: &str) -> Result<TcpStream, Failure> {
    net::connect_addr(addr)
        .map_err(|e| Failure::new(format!("{who} connects")).detail(e.to_string()))
}
