//! The check of exercise 04: a command server whose answers each end with an empty line,
//! talking to the learner's `next_answer` over loopback. The server's writes are ordered
//! against the client's reads by what is queued in the client's receive buffer, never by
//! sleeping: two answers both queued before the first call; bytes written one at a time,
//! each after the client has taken the one before; a delimiter split across two reads.

use crate::harness::{shown, start, Failure, Outcome, Steps, STUCK};
use socket_lessons::stage::transcript::describe_ends;
use socket_lessons::wire::net::{self, ListenOptions};
use std::io::{self, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

type NextAnswer = fn(&mut TcpStream, &mut Vec<u8>) -> io::Result<Vec<u8>>;

pub fn check(solution: bool) -> Outcome {
    let next_answer: NextAnswer = if solution {
        crate::solution_04::next_answer
    } else {
        crate::learner_04::next_answer
    };
    Steps::run(|steps| run(next_answer, steps))
}

/// The output of `seq n`, as the shell prints it.
fn seq(n: u32) -> Vec<u8> {
    (1..=n)
        .map(|i| format!("{i}\n"))
        .collect::<String>()
        .into_bytes()
}

/// An answer on the wire: its lines, then the empty line.
fn wire(answer: &[u8]) -> Vec<u8> {
    let mut bytes = answer.to_vec();
    bytes.push(b'\n');
    bytes
}

/// Bytes as the check shows them: whole when short, by their ends when long.
fn show(bytes: &[u8]) -> String {
    describe_ends(bytes, 24)
}

/// A connected pair over loopback: (the client's end, the server's end). Connected before
/// anything is written, so "the client has connected" is true by construction.
fn pair() -> Result<(TcpStream, TcpStream), Failure> {
    let setup = |e: io::Error| Failure::new(format!("set up a connection: {e}"));
    let listener =
        net::listen(SocketAddr::from(([127, 0, 0, 1], 0)), ListenOptions::new()).map_err(setup)?;
    let client = net::connect_addr(listener.local_addr().map_err(setup)?).map_err(setup)?;
    let (server, _) = listener.accept().map_err(setup)?;
    server.set_nodelay(true).map_err(setup)?;
    // A read that waits longer than this fails, so a wrong answer's thread ends too.
    client.set_read_timeout(Some(STUCK)).map_err(setup)?;
    Ok((client, server))
}

/// How many bytes wait unread in `stream`'s receive buffer (FIONREAD), without taking any.
#[cfg(unix)]
fn queued(stream: &TcpStream) -> usize {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer, which points at `n`.
    let rc = unsafe { libc::ioctl(stream.as_raw_fd(), libc::FIONREAD, &mut n) };
    if rc == 0 {
        n.max(0) as usize
    } else {
        0
    }
}

/// Elsewhere the check cannot see the receive buffer: it writes without waiting.
#[cfg(not(unix))]
fn queued(_stream: &TcpStream) -> usize {
    0
}

/// Waits until the client has taken every byte written so far, or its calls are over, or
/// [`STUCK`] has passed. Polls: the client's reads cannot signal the check.
fn until_taken(client: &TcpStream, over: &AtomicBool) {
    let deadline = Instant::now() + STUCK;
    while queued(client) > 0 && !over.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// What one call returned, for expected-vs-got lines.
fn describe(result: &io::Result<Vec<u8>>) -> String {
    match result {
        Ok(answer) => format!("Ok({})", show(answer)),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// The server's writes: those made before the client's first call, and those made while
/// the calls run.
type Writes<'a> = Box<dyn FnOnce(&mut TcpStream, &TcpStream, &AtomicBool) -> io::Result<()> + 'a>;

/// Runs `before` (the server writes; the client has not called yet), then calls
/// `next_answer` `calls` times (stopping at an error) on its own thread while `during`
/// writes; returns every result, or `None` when the calls did not end within [`STUCK`].
fn calls(
    next_answer: NextAnswer,
    calls: usize,
    before: Writes,
    during: Writes,
) -> Result<Option<Vec<io::Result<Vec<u8>>>>, Failure> {
    let (client, mut server) = pair()?;
    let setup = |e: io::Error| Failure::new(format!("set up a connection: {e}"));
    let watch = client.try_clone().map_err(setup)?;
    let over = Arc::new(AtomicBool::new(false));
    let done = Arc::clone(&over);
    before(&mut server, &watch, &over)
        .map_err(|e| Failure::new(format!("the check's server writes: {e}")))?;
    client.set_read_timeout(Some(STUCK)).map_err(setup)?;
    let results = start(move || {
        let mut client = client;
        let mut leftover = Vec::new();
        let mut results = Vec::new();
        for _ in 0..calls {
            let result = next_answer(&mut client, &mut leftover);
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        done.store(true, Ordering::SeqCst);
        results
    });
    during(&mut server, &watch, &over)
        .map_err(|e| Failure::new(format!("the check's server writes: {e}")))?;
    let got = results.recv_timeout(STUCK).ok();
    drop(server);
    Ok(got)
}

/// Compares each call's result with what it should have been.
fn compare(
    step: &str,
    sent: &str,
    got: Option<Vec<io::Result<Vec<u8>>>>,
    want: &[Result<&[u8], io::ErrorKind>],
    hint: &str,
) -> Result<(), Failure> {
    let Some(got) = got else {
        return Err(Failure::new(step)
            .detail(format!("the server sent: {sent}"))
            .detail(format!(
                "got: no return within {} s (a read that waits for bytes that will never come, \
                 or a loop that never ends)",
                STUCK.as_secs()
            ))
            .hint(format!(
                "{hint} If the answer is already in `leftover` (it came with the previous \
                 one), look there before you read: the server sends nothing more for it."
            )));
    };
    for (i, expect) in want.iter().enumerate() {
        let result = got.get(i);
        let right = match (expect, result) {
            (Ok(answer), Some(Ok(a))) => a == answer,
            (Err(kind), Some(Err(e))) => e.kind() == *kind,
            _ => false,
        };
        if !right {
            let expected = match expect {
                Ok(answer) => format!("Ok({})", show(answer)),
                Err(kind) => format!("Err of kind {kind:?}"),
            };
            let mut failure = Failure::new(step)
                .detail(format!("the server sent: {sent}"))
                .detail(format!("call {}: expected {expected}", i + 1))
                .detail(format!(
                    "call {}: got {}",
                    i + 1,
                    result.map_or("no call (the call before failed)".into(), describe)
                ));
            // Show where the bytes of this answer went, when they went to the next one.
            if let (Ok(answer), Some(Ok(a))) = (expect, result) {
                if a.len() < answer.len() && answer.starts_with(a) {
                    if let (Some(Ok(next)), Some(Ok(_))) = (got.get(i + 1), want.get(i + 1)) {
                        failure = failure.detail(format!(
                            "call {}: got Ok({}): the rest of answer {} leaked into answer {} (粘包)",
                            i + 2,
                            show(next),
                            i + 1,
                            i + 2
                        ));
                    }
                }
            }
            return Err(failure.hint(hint));
        }
    }
    Ok(())
}

fn run(next_answer: NextAnswer, steps: &mut Steps) -> Result<(), Failure> {
    // 1. Two answers, both in the client's receive buffer before its first call: the
    // client is late, as in lesson 04's scene 3.
    let seq300 = seq(300);
    let both = [wire(&seq300), wire(b"hi\n")].concat();
    let total = both.len();
    let got = calls(
        next_answer,
        2,
        Box::new(|server, client, _| {
            server.write_all(&both)?;
            socket_lessons::guard::timed::wait_for_bytes(client, total, STUCK).map(|_| ())
        }),
        Box::new(|_, _, _| Ok(())),
    )?;
    compare(
        "two answers waiting in the receive buffer: `seq 300`, then `echo hi`",
        &format!(
            "answer 1, the 1092 bytes of `seq 300` and the empty line; answer 2, b\"hi\\n\" and \
             the empty line: {total} bytes, all in the client's receive buffer before call 1"
        ),
        got,
        &[Ok(&seq300), Ok(b"hi\n")],
        "one recv(1024) is not one answer: it takes whatever is queued, up to 1024 bytes, \
         wherever the answers begin and end (docs/04, scene 3). Read until the empty line \
         (\"\\n\\n\"), and keep what comes after it in `leftover` for the next call.",
    )?;
    steps.ok("two answers queued together come back as two answers: 1092 bytes, then b\"hi\\n\"");

    // 2. Two answers written one byte at a time, each byte after the client took the one
    // before: every read returns 1 byte.
    let answers = [wire(&seq(3)), wire(b"hi\n")].concat();
    let bytes = answers.clone();
    let got = calls(
        next_answer,
        2,
        Box::new(|_, _, _| Ok(())),
        Box::new(move |server, client, over| {
            for byte in &bytes {
                server.write_all(std::slice::from_ref(byte))?;
                until_taken(client, over);
            }
            Ok(())
        }),
    )?;
    compare(
        "two answers arriving one byte per read",
        &format!(
            "{}, one byte per write, each after the client had read the one before",
            shown(&answers)
        ),
        got,
        &[Ok(b"1\n2\n3\n"), Ok(b"hi\n")],
        "a read returns whatever has arrived, from 1 byte up. Loop until the bytes read so \
         far contain the empty line.",
    )?;
    steps.ok("answers arriving one byte per read are put together");

    // 3. The empty line's two "\n" in two reads.
    let got = calls(
        next_answer,
        2,
        Box::new(|_, _, _| Ok(())),
        Box::new(|server, client, over| {
            server.write_all(b"hello\n")?;
            until_taken(client, over);
            server.write_all(b"\nbye\n\n")
        }),
    )?;
    compare(
        "an answer whose \"\\n\\n\" is split across two reads",
        "b\"hello\\n\", then (after the client read it) b\"\\nbye\\n\\n\"",
        got,
        &[Ok(b"hello\n"), Ok(b"bye\n")],
        "the delimiter can straddle two reads: look for \"\\n\\n\" in all the bytes read so \
         far (or at least from one byte before the new ones), not in each read alone.",
    )?;
    steps.ok("a delimiter split across two reads is found");

    // 4. The server closes in the middle of an answer.
    let got = calls(
        next_answer,
        1,
        Box::new(|_, _, _| Ok(())),
        Box::new(|server, client, over| {
            server.write_all(b"partial\n")?;
            until_taken(client, over);
            server.shutdown(std::net::Shutdown::Write)
        }),
    )?;
    compare(
        "the server closes before the empty line",
        "b\"partial\\n\", then the end of the stream (FIN)",
        got,
        &[Err(io::ErrorKind::UnexpectedEof)],
        "a read that returns 0 bytes is the end of the stream: no empty line will ever come. \
         Return an Err of kind UnexpectedEof instead of reading again.",
    )?;
    steps.ok("a stream that ends inside an answer is an UnexpectedEof error");
    Ok(())
}
