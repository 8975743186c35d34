//! The check of exercise 01: servers as in notes A §2, each taking one message and
//! sending one reply, then closing: a short reply, no reply at all, and a reply of more
//! than 2000 bytes.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use socket_lessons::stage::transcript::describe_ends;
use socket_lessons::wire::net::{self, ListenOptions};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread;

type Ask = fn(SocketAddr, &[u8]) -> io::Result<Vec<u8>>;

/// What the client says (notes A §2).
const GREETING: &str = "你好!我是客户端!";

pub fn check(solution: bool) -> Outcome {
    let ask: Ask = if solution {
        crate::solution_01::ask
    } else {
        crate::learner_01::ask
    };
    Steps::run(|steps| run(ask, steps))
}

fn run(ask: Ask, steps: &mut Steps) -> Result<(), Failure> {
    let short = "你好!我是服务端!".as_bytes().to_vec();
    exchange(
        ask,
        "a server that replies with a short text",
        &short,
        "send the whole message (write_all), then read the reply.",
    )?;
    steps.ok(format!("a short reply comes back whole: {}", shown(&short)));

    exchange(
        ask,
        "a server that reads the message and closes without replying",
        b"",
        "recv returning 0 bytes is the server's close: the reply is everything before it, \
         here nothing.",
    )?;
    steps.ok("a server that closes without a word: an empty reply, b\"\"");

    let long: Vec<u8> = (1..=70)
        .map(|i| format!("第{i}行:你好!我是服务端!\n"))
        .collect::<String>()
        .into_bytes();
    exchange(
        ask,
        &format!(
            "a server that replies with {} bytes of UTF-8 text",
            long.len()
        ),
        &long,
        "recv(1024) is an upper bound: one call returns at most 1024 bytes, whatever the \
         server sent, and often less. The server ends its reply by closing: read until recv \
         returns 0 (read_to_end) (docs/01, \"recv(1024) is a maximum, not a message\").",
    )?;
    steps.ok(format!(
        "a reply of {} bytes comes back whole, up to the server's close",
        long.len()
    ));
    Ok(())
}

/// A server that reads the greeting (exactly its length), sends `reply`, and closes; and
/// the learner's `ask` against it, under the time limit.
fn exchange(ask: Ask, step: &str, reply: &[u8], hint: &str) -> Result<(), Failure> {
    let listener = net::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ListenOptions::new())
        .map_err(|e| Failure::new(format!("set up a listener: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::new(e.to_string()))?;
    let (heard_tx, heard) = mpsc::channel();
    let answer = reply.to_vec();
    let want_len = GREETING.len();
    thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        let _ = conn.set_read_timeout(Some(STUCK));
        // recv until the whole message is here (or the client stops sending).
        let mut got = Vec::new();
        let mut buf = [0u8; 1024];
        while got.len() < want_len {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let _ = heard_tx.send(got);
        let _ = conn.write_all(&answer);
        // close: the end of the reply.
    });

    let Some(result) = within(STUCK, move || ask(addr, GREETING.as_bytes())) else {
        return Err(Failure::new(step)
            .detail(format!(
                "got: no return from ask within {} s (a read that waits for bytes that never \
                 come?)",
                STUCK.as_secs()
            ))
            .hint(hint));
    };
    let heard = heard.recv_timeout(STUCK).unwrap_or_default();
    if heard != GREETING.as_bytes() {
        return Err(Failure::new(step)
            .detail(format!(
                "the server expected: {}",
                shown(GREETING.as_bytes())
            ))
            .detail(format!("the server received: {}", shown(&heard)))
            .hint(
                "send the whole message: write (Python's send) may take only part of it; \
                 write_all (sendall) loops until every byte is taken.",
            ));
    }
    let got = match result {
        Ok(got) => got,
        Err(e) => {
            return Err(Failure::new(step)
                .detail(format!("expected: {}", describe_ends(reply, 24)))
                .detail(format!("got: an error: {e}"))
                .hint(hint))
        }
    };
    if got != reply {
        let mut failure = Failure::new(step)
            .detail(format!("expected: {}", describe_ends(reply, 24)))
            .detail(format!("got:      {}", describe_ends(&got, 24)));
        if got.len() < reply.len() && reply.starts_with(&got) {
            failure = failure.detail(format!(
                "the first {} bytes of the reply; the other {} were sent too, and ask \
                 returned before reading them",
                got.len(),
                reply.len() - got.len()
            ));
            if let Err(e) = std::str::from_utf8(&got) {
                let cut = std::str::from_utf8(&reply[e.valid_up_to()..])
                    .ok()
                    .and_then(|rest| rest.chars().next());
                if let (None, Some(c)) = (e.error_len(), cut) {
                    failure = failure.detail(format!(
                        "and they end inside a character: {} of the {} bytes of {c:?}, so \
                         decoding them fails",
                        got.len() - e.valid_up_to(),
                        c.len_utf8()
                    ));
                }
            }
        }
        return Err(failure.hint(hint));
    }
    Ok(())
}
