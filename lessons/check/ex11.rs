//! The check of exercise 11: a client that connects and stays silent, and the clients that
//! must be served meanwhile by the same one thread.

use crate::harness::{shown, start, Failure, Outcome, Steps, STUCK};
use socket_lessons::net::{self, ListenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::Receiver;

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
    let mut steps = Steps::default();
    let result = run(serve, &mut steps);
    steps.outcome(result)
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let listener = net::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ListenOptions::new())
        .map_err(|e| Failure::new(format!("set up a listener: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(e.to_string()))?;
    let server = start(move || serve(listener));

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

/// Sends `message` and expects exactly `want` back, within [`STUCK`].
fn exchange(
    stream: &mut TcpStream,
    message: &[u8],
    want: &[u8],
    who: &str,
    server: &Receiver<io::Result<()>>,
) -> Result<(), Failure> {
    let step = format!("{who}: send {}, expect {}", shown(message), shown(want));
    let fail = |got: String| {
        let mut failure = Failure::new(step.clone()).detail(format!("got: {got}"));
        match server.try_recv() {
            Ok(Ok(())) => {
                failure = failure.detail("and your serve() returned Ok(()): the server stopped")
            }
            Ok(Err(e)) => {
                failure = failure.detail(format!(
                    "and your serve() returned an error: {e}: the server stopped"
                ))
            }
            Err(_) => {}
        }
        failure
    };
    if let Err(e) = stream.write_all(message) {
        return Err(fail(format!("the send failed: {e}")));
    }
    stream
        .set_read_timeout(Some(STUCK))
        .map_err(|e| Failure::new(e.to_string()))?;
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while got.len() < want.len() {
        match stream.read(&mut buf) {
            Ok(0) => {
                return Err(fail(format!(
                    "{} and then the server closed the connection",
                    shown(&got)
                )))
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if socket_lessons::limits::is_timeout(&e) => {
                return Err(fail(format!(
                    "{} and then nothing within {} s: the server is not answering",
                    shown(&got),
                    STUCK.as_secs()
                )))
            }
            Err(e) => return Err(fail(format!("{} and then an error: {e}", shown(&got)))),
        }
    }
    if got != want {
        return Err(fail(shown(&got)));
    }
    Ok(())
}
