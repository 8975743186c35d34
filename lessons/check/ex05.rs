//! The check of exercise 05: a peer sends datagrams of 5, 0, 3000 and 65507 bytes, one at
//! a time; each must come back whole, in order, with the peer's address.

use crate::harness::{within, Failure, Outcome, Steps, STUCK};
use socket_lessons::stage::transcript::describe_ends;
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;

type Receive = fn(&UdpSocket) -> io::Result<(Vec<u8>, SocketAddr)>;

const HINT: &str = "one recvfrom returns one datagram, and the part that does not fit in the \
    buffer is thrown away: UDP keeps nothing for the next call. recvfrom(1024) loses \
    everything past 1024 bytes. The largest IPv4 UDP payload is 65507 bytes \
    (65535 - 20 - 8): a buffer that big holds any datagram whole (docs/05, step 4 and 5).";

pub fn check(solution: bool) -> Outcome {
    let receive: Receive = if solution {
        crate::solution_05::receive
    } else {
        crate::learner_05::receive
    };
    Steps::run(|steps| run(receive, steps))
}

/// Datagram `len` bytes long: lines of text, each line numbered, so a cut shows where.
fn datagram(len: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(len + 16);
    let mut line = 1;
    while bytes.len() < len {
        bytes.extend_from_slice(format!("line {line}\n").as_bytes());
        line += 1;
    }
    bytes.truncate(len);
    bytes
}

/// The learner's `receive` on `socket`, under the time limit.
fn receive_within(
    receive: Receive,
    socket: &Arc<UdpSocket>,
) -> Option<io::Result<(Vec<u8>, SocketAddr)>> {
    let socket = Arc::clone(socket);
    within(STUCK, move || receive(&socket))
}

fn run(receive: Receive, steps: &mut Steps) -> Result<(), Failure> {
    let setup = |e: io::Error| Failure::new(format!("set up two UDP sockets: {e}"));
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    // A receive the learner left blocking still ends: the check's own limit.
    socket.set_read_timeout(Some(STUCK)).map_err(setup)?;
    let to = socket.local_addr().map_err(setup)?;
    let socket = Arc::new(socket);
    let peer = UdpSocket::bind("127.0.0.1:0").map_err(setup)?;
    let from = peer.local_addr().map_err(setup)?;

    let cases: [(Vec<u8>, &str); 4] = [
        (b"hello".to_vec(), ""),
        (Vec::new(), " (an empty datagram is a message too)"),
        (datagram(3000), ""),
        (
            datagram(65_507),
            " (the largest an IPv4 datagram can carry)",
        ),
    ];
    for (sent, note) in cases {
        let what = format!("{} bytes", sent.len());
        let step =
            format!("the peer sends one datagram of {what}{note}; receive must return it whole");
        peer.send_to(&sent, to)
            .map_err(|e| Failure::new(&step).detail(format!("the peer's sendto failed: {e}")))?;
        let expected = format!("expected: {} from {from}", describe_ends(&sent, 16));
        let got = match receive_within(receive, &socket) {
            None => {
                return Err(Failure::new(&step)
                    .detail(expected)
                    .detail(format!("got: no return within {} s", STUCK.as_secs()))
                    .hint(HINT))
            }
            Some(Err(e)) => {
                return Err(Failure::new(&step)
                    .detail(expected)
                    .detail(format!("got: an error: {e}"))
                    .hint(HINT))
            }
            Some(Ok(got)) => got,
        };
        if got.0 != sent || got.1 != from {
            let mut failure = Failure::new(&step).detail(expected).detail(format!(
                "got:      {} from {}",
                describe_ends(&got.0, 16),
                got.1
            ));
            if got.0.len() < sent.len() && sent.starts_with(&got.0) {
                failure = failure.detail(format!(
                    "the first {} bytes of the datagram; the other {} were thrown away",
                    got.0.len(),
                    sent.len() - got.0.len()
                ));
                // Prove it: the next call returns the next datagram, not the lost tail.
                if peer.send_to(b"next", to).is_ok() {
                    if let Some(Ok((next, _))) = receive_within(receive, &socket) {
                        failure = failure.detail(format!(
                            "the peer then sent b\"next\", and the next receive returned {}: \
                             the lost bytes are not waiting for it",
                            describe_ends(&next, 16)
                        ));
                    }
                }
            }
            return Err(failure.hint(HINT));
        }
        steps.ok(format!(
            "a datagram of {what}{note} comes back whole, from {from}"
        ));
    }
    Ok(())
}
