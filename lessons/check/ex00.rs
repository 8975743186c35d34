//! The check of exercise 00: clients that send a message, read the answer, close their
//! side, and wait for the server to close its side too.

use crate::harness::{exchange, server_ended, shown, start_server, Failure, Outcome, Steps, STUCK};
use socket_lessons::stage::tcp_state;
use socket_lessons::wire::net;
use std::io::{self, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::Receiver;

type Serve = fn(TcpListener) -> io::Result<()>;

const HINT: &str = "CLOSE_WAIT lasts until the application closes: the client's FIN only \
    tells your server's kernel that the client is done. Once recv returns 0, close the \
    connection (drop it; Python: conn.close()): that sends your FIN, and the client's end \
    leaves FIN_WAIT2 (docs/00, \"Closing is one-sided\").";

pub fn check(solution: bool) -> Outcome {
    let serve: Serve = if solution {
        crate::solution_00::serve
    } else {
        crate::learner_00::serve
    };
    Steps::run(|steps| run(serve, steps))
}

fn run(serve: Serve, steps: &mut Steps) -> Result<(), Failure> {
    let (addr, server) = start_server(serve)?;

    for (who, message) in [("client 1", &b"hi"[..]), ("client 2", &b"hello!"[..])] {
        let mut stream = net::connect_addr(addr)
            .map_err(|e| Failure::new(format!("{who} connects")).detail(e.to_string()))?;
        stream
            .set_read_timeout(Some(STUCK))
            .map_err(|e| Failure::new(e.to_string()))?;
        let want = format!("got {} bytes\n", message.len()).into_bytes();
        exchange(&mut stream, message, &want, who, &server)?;
        steps.ok(format!(
            "{who} sends {} and gets {}",
            shown(message),
            shown(&want)
        ));
        wait_for_close(&mut stream, who, &server)?;
        steps.ok(format!(
            "{who} shuts down its sending side; the server closes its side too (recv -> 0)"
        ));
    }
    Ok(())
}

/// The client closes its sending side (its FIN goes out) and must then read 0: the
/// server's FIN, sent when the server program closed the connection.
fn wait_for_close(
    stream: &mut TcpStream,
    who: &str,
    server: &Receiver<io::Result<()>>,
) -> Result<(), Failure> {
    let step = format!(
        "{who}: shutdown(SHUT_WR), then recv must return 0 bytes (the server closed its side)"
    );
    if let Err(e) = stream.shutdown(Shutdown::Write) {
        return Err(Failure::new(step).detail(format!("shutdown failed: {e}")));
    }
    let mut buf = [0u8; 1024];
    let got = match stream.read(&mut buf) {
        Ok(0) => return Ok(()),
        Ok(n) => format!("{} more bytes: {}", n, shown(&buf[..n])),
        Err(e) if socket_lessons::guard::limits::is_timeout(&e) => format!(
            "nothing within {} s: no FIN from the server, its side is still open",
            STUCK.as_secs()
        ),
        Err(e) => format!("an error: {e}"),
    };
    let mut failure = Failure::new(step)
        .detail("expected: 0 bytes, the server's FIN")
        .detail(format!("got: {got}"));
    if tcp_state::OBSERVABLE {
        let client_end = tcp_state::of(&*stream).ok().flatten();
        failure = failure.detail(format!(
            "the client's end, as its kernel reports it: {} (its FIN was ACKed, the server's \
             FIN has not come)",
            tcp_state::show(client_end)
        ));
        if let (Ok(mine), Ok(theirs)) = (stream.local_addr(), stream.peer_addr()) {
            let server_end = tcp_state::lookup(theirs, mine).ok().flatten();
            failure = failure.detail(format!(
                "the server's end, {theirs} <- {mine} in the kernel's table: {} (the \
                 client's FIN arrived; your program has not closed)",
                tcp_state::show(server_end)
            ));
        }
    }
    Err(server_ended(failure, server).hint(HINT))
}
