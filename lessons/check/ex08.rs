//! The check of exercise 08: scripted streams (as in ex06), each a list of chunks that one
//! `read` returns at a time, carrying notes D's answer: header length, JSON header, body.

use crate::harness::{shown, within, Failure, Outcome, Script, Steps, STUCK};
use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;
use std::sync::{Arc, Mutex};

type Receive = fn(&mut dyn Read) -> Result<Vec<u8>, String>;

pub fn check(solution: bool) -> Outcome {
    let (receive, limit): (Receive, usize) = if solution {
        (crate::solution_08::receive, crate::solution_08::MAX_HEADER)
    } else {
        (crate::learner_08::receive, crate::learner_08::MAX_HEADER)
    };
    Steps::run(|steps| run(receive, limit, steps))
}

/// notes D's header for `body`, with `md5` as given.
fn header(size: usize, md5: &str) -> Vec<u8> {
    format!(r#"{{"total_size":{size},"md5":"{md5}","filename":"stdout"}}"#).into_bytes()
}

/// A whole answer: header length, header, body.
fn message(header: &[u8], body: &[u8]) -> Vec<u8> {
    let mut wire = (header.len() as i32).to_le_bytes().to_vec();
    wire.extend_from_slice(header);
    wire.extend_from_slice(body);
    wire
}

/// Calls `receive` once on the scripted stream, under the time limit; with whether it
/// asked for bytes past `watch`.
fn call(
    receive: Receive,
    chunks: Vec<Vec<u8>>,
    watch: usize,
) -> Option<(Result<Vec<u8>, String>, bool)> {
    let read_past = Arc::new(Mutex::new(false));
    let flag = Arc::clone(&read_past);
    let result = within(STUCK, move || {
        let mut script = Script {
            chunks,
            given: 0,
            read_past: flag,
            watch,
        };
        receive(&mut script)
    })?;
    let past = *read_past.lock().unwrap();
    Some((result, past))
}

fn describe(result: &Result<Vec<u8>, String>) -> String {
    match result {
        Ok(body) => format!("Ok({})", shown(body)),
        Err(e) => format!("Err({e:?})"),
    }
}

/// What a step expects.
enum Expect<'a> {
    Body(&'a [u8]),
    /// An error whose message names `says` (and not `not`).
    Error {
        says: &'a str,
        not: &'a str,
    },
}

fn expect(
    receive: Receive,
    step: &str,
    chunks: Vec<Vec<u8>>,
    want: Expect,
    hint: &str,
) -> Result<(), Failure> {
    let wire = chunks.concat();
    let reads = if chunks.len() > 3 && chunks.iter().all(|c| c.len() == 1) {
        format!("in {} reads of 1 byte each", chunks.len())
    } else {
        let sizes: Vec<String> = chunks.iter().map(|c| c.len().to_string()).collect();
        format!("in reads of {} bytes", sizes.join(", "))
    };
    let stream = format!("the stream: {} {reads}", shown(&wire));
    let Some((got, _)) = call(receive, chunks, usize::MAX) else {
        return Err(Failure::new(step)
            .detail(stream)
            .detail(format!(
                "got: no return within {} s (a loop that never ends?)",
                STUCK.as_secs()
            ))
            .hint(hint));
    };
    let (right, expected) = match (&want, &got) {
        (Expect::Body(body), Ok(b)) => (b == body, format!("Ok({})", shown(body))),
        (Expect::Body(body), Err(_)) => (false, format!("Ok({})", shown(body))),
        (Expect::Error { says, not }, result) => {
            let right = matches!(result, Err(e)
                if e.to_lowercase().contains(says) && !e.to_lowercase().contains(not));
            (
                right,
                format!("Err(a message that names the {says} check, not the {not} one)"),
            )
        }
    };
    if !right {
        return Err(Failure::new(step)
            .detail(stream)
            .detail(format!("expected: {expected}"))
            .detail(format!("got: {}", describe(&got)))
            .hint(hint));
    }
    Ok(())
}

fn run(receive: Receive, limit: usize, steps: &mut Steps) -> Result<(), Failure> {
    let body = b"hello\n";
    let md5 = md5_hex(body);
    let honest = message(&header(body.len(), &md5), body);

    expect(
        receive,
        "an honest answer to `echo hello`, in one read",
        vec![honest.clone()],
        Expect::Body(body),
        "4 bytes of header length, that many bytes of JSON, then total_size bytes of body.",
    )?;
    steps.ok("an honest answer in one read: the body");

    expect(
        receive,
        "the same answer, one byte per read",
        honest.iter().map(|b| vec![*b]).collect(),
        Expect::Body(body),
        "one read is not the whole body: a read returns whatever has arrived, from 1 byte \
         up (the notes' recv(total_size) has the same flaw). Read until total_size bytes are \
         in: Read::take(total_size).read_to_end, or read_exact.",
    )?;
    steps.ok("the same answer one byte per read: the whole body");

    expect(
        receive,
        "a body one byte short, then the end of the stream",
        vec![message(&header(body.len(), &md5), b"hello")],
        Expect::Error {
            says: "size",
            not: "md5",
        },
        "the header promised total_size bytes; fewer came before the stream ended. That is \
         the size check failing: say so, and do not return the bytes as the answer \
         (docs/08, scene 2).",
    )?;
    steps.ok("a body cut short is an error that names the size");

    expect(
        receive,
        "a body with one byte changed (o -> p)",
        vec![message(&header(body.len(), &md5), b"hellp\n")],
        Expect::Error {
            says: "md5",
            not: "size",
        },
        "every byte came, but they are not the bytes the header describes: hash the body \
         (md5_hex) and compare it with the header's md5 before returning it.",
    )?;
    steps.ok("a changed body is an error that names the md5");

    // A header length over the limit, and nothing after it: the answer must come without
    // reading further.
    let huge = (limit as i32 + 1).to_le_bytes().to_vec();
    let step = &format!(
        "a header length of {} ({}), over MAX_HEADER ({limit} bytes)",
        limit + 1,
        socket_lessons::stage::transcript::hex(&huge)
    );
    let Some((got, read_past)) = call(receive, vec![huge], 4) else {
        return Err(Failure::new(step)
            .detail(format!("got: no return within {} s", STUCK.as_secs()))
            .hint("check the header length before reading the header."));
    };
    if got.is_ok() || read_past {
        let mut failure = Failure::new(step)
            .detail("expected: Err, before any read past the 4-byte length")
            .detail(format!("got: {}", describe(&got)));
        if read_past {
            failure = failure.detail("and receive tried to read the header after its length");
        }
        return Err(failure.hint(
            "the header length comes from the peer: compare it with MAX_HEADER (and refuse a \
             negative one) before allocating or reading the header.",
        ));
    }
    steps.ok("a header length over the limit is refused before the header is read");
    Ok(())
}
