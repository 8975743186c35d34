//! The check of exercise 06: scripted streams, each a list of chunks that one `read` call
//! returns at a time, fed to the learner's `read_frame`.

use crate::harness::{shown, within, Failure, Outcome, Script, Steps, STUCK};
use std::io::{self, Read};
use std::sync::{Arc, Mutex};

type ReadFrame = fn(&mut dyn Read) -> io::Result<Option<Vec<u8>>>;

/// What each call of `read_frame` returned, in order.
type Results = Vec<io::Result<Option<Vec<u8>>>>;

pub fn check(solution: bool) -> Outcome {
    let (read_frame, limit): (ReadFrame, usize) = if solution {
        (crate::solution_06::read_frame, crate::solution_06::MAX_LEN)
    } else {
        (crate::learner_06::read_frame, crate::learner_06::MAX_LEN)
    };
    Steps::run(|steps| run(read_frame, limit, steps))
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut wire = (body.len() as i32).to_le_bytes().to_vec();
    wire.extend_from_slice(body);
    wire
}

/// What one call returned, for expected-vs-got lines.
fn describe(result: &io::Result<Option<Vec<u8>>>) -> String {
    match result {
        Ok(Some(body)) => format!("Ok(Some({}))", shown(body)),
        Ok(None) => "Ok(None)".into(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// Calls `read_frame` until it returns `Ok(None)` or an error (at most `calls` times),
/// under the time limit; returns every result.
fn calls(
    read_frame: ReadFrame,
    chunks: Vec<Vec<u8>>,
    calls: usize,
    watch: usize,
) -> Option<(Results, bool)> {
    let read_past = Arc::new(Mutex::new(false));
    let flag = Arc::clone(&read_past);
    let results = within(STUCK, move || {
        let mut script = Script {
            chunks,
            given: 0,
            read_past: flag,
            watch,
        };
        let mut results = Vec::new();
        for _ in 0..calls {
            let result = read_frame(&mut script);
            let done = !matches!(result, Ok(Some(_)));
            results.push(result);
            if done {
                break;
            }
        }
        results
    })?;
    let past = *read_past.lock().unwrap();
    Some((results, past))
}

/// One scripted stream: `want` is what each call should return, in order.
fn expect(
    read_frame: ReadFrame,
    step: &str,
    chunks: Vec<Vec<u8>>,
    want: &[Expect],
    hint: &str,
) -> Result<(), Failure> {
    let wire: Vec<u8> = chunks.concat();
    let pieces: Vec<String> = chunks.iter().map(|c| c.len().to_string()).collect();
    let reads = if chunks.len() > 3 && chunks.iter().all(|c| c.len() == 1) {
        format!("in {} reads of 1 byte each", chunks.len())
    } else {
        format!("in reads of {} bytes", pieces.join(", "))
    };
    let Some((got, _)) = calls(read_frame, chunks, want.len(), usize::MAX) else {
        return Err(Failure::new(step)
            .detail(format!("the stream: {}", shown(&wire)))
            .detail(format!(
                "got: no return within {} s (a loop that never ends, or a read that waits for bytes that will never come)",
                STUCK.as_secs()
            ))
            .hint(hint));
    };
    for (i, want) in want.iter().enumerate() {
        let result = got.get(i);
        let right = match (want, result) {
            (Expect::Frame(body), Some(Ok(Some(b)))) => b == body,
            (Expect::End, Some(Ok(None))) => true,
            (Expect::Error(kind), Some(Err(e))) => e.kind() == *kind,
            _ => false,
        };
        if !right {
            return Err(Failure::new(step)
                .detail(format!("the stream: {} {reads}", shown(&wire)))
                .detail(format!("call {}: expected {}", i + 1, want.text()))
                .detail(format!(
                    "call {}: got {}",
                    i + 1,
                    result.map_or("no call".into(), describe)
                ))
                .hint(hint));
        }
    }
    Ok(())
}

enum Expect {
    Frame(Vec<u8>),
    End,
    Error(io::ErrorKind),
}

impl Expect {
    fn text(&self) -> String {
        match self {
            Expect::Frame(body) => format!("Ok(Some({}))", shown(body)),
            Expect::End => "Ok(None): the stream ended between frames".into(),
            Expect::Error(kind) => format!("Err of kind {kind:?}"),
        }
    }
}

fn run(read_frame: ReadFrame, limit: usize, steps: &mut Steps) -> Result<(), Failure> {
    use Expect::{End, Error, Frame};
    let hello = frame(b"hello");
    let world = frame(b"world!");

    expect(
        read_frame,
        "one frame in one read, then the end",
        vec![hello.clone()],
        &[Frame(b"hello".to_vec()), End],
        "a 4-byte header, then exactly that many body bytes; Ok(None) when nothing more comes.",
    )?;
    steps.ok("one frame in one read, then Ok(None) at the end");

    expect(
        read_frame,
        "two frames in one read (lesson 04's scene 1)",
        vec![[hello.clone(), world.clone()].concat()],
        &[Frame(b"hello".to_vec()), Frame(b"world!".to_vec()), End],
        "read exactly the body's length, no more: the rest of the buffer is the next frame.",
    )?;
    steps.ok("two frames in one read stay two frames");

    let bytes: Vec<Vec<u8>> = [hello.clone(), world.clone()]
        .concat()
        .into_iter()
        .map(|b| vec![b])
        .collect();
    expect(
        read_frame,
        "two frames arriving one byte per read",
        bytes,
        &[Frame(b"hello".to_vec()), Frame(b"world!".to_vec()), End],
        "a read returns whatever has arrived, from 1 byte up: recv(4) may give 1 byte, \
         recv(n) part of the body. Loop until the header, then the body, is complete \
         (read_exact does it for the body).",
    )?;
    steps.ok("a frame arriving one byte per read is put together");

    expect(
        read_frame,
        "a stream that ends inside the header (2 of 4 bytes)",
        vec![b"\x05\x00".to_vec()],
        &[Error(io::ErrorKind::UnexpectedEof)],
        "only a stream that ends before the first header byte ended cleanly; two header \
         bytes and then the end is a cut frame, an error.",
    )?;
    steps.ok("a stream cut inside the header is an UnexpectedEof error");

    expect(
        read_frame,
        "a stream that ends inside the body (3 of 5 bytes)",
        vec![hello[..7].to_vec()],
        &[Error(io::ErrorKind::UnexpectedEof)],
        "the header promised 5 bytes; 3 came, then the end. A short body is an error, never \
         a frame.",
    )?;
    steps.ok("a stream cut inside the body is an UnexpectedEof error");

    expect(
        read_frame,
        "a negative length, ff ff ff ff (-1)",
        vec![b"\xff\xff\xff\xff".to_vec()],
        &[Error(io::ErrorKind::InvalidData)],
        "struct.pack('i') is signed: ff ff ff ff is -1, not 4 GiB. Refuse a negative length.",
    )?;
    steps.ok("a negative length is refused (InvalidData)");

    // A 2 GiB length with no body: the answer must come without reading (or allocating) it.
    let step = &format!("a length of 2147483647 (ff ff ff 7f), over MAX_LEN ({limit} bytes)");
    let Some((got, read_past)) = calls(read_frame, vec![b"\xff\xff\xff\x7f".to_vec()], 1, 4) else {
        return Err(Failure::new(step)
            .detail(format!("got: no return within {} s", STUCK.as_secs()))
            .hint("check the length before reading the body."));
    };
    let refused = matches!(got.first(), Some(Err(e)) if e.kind() == io::ErrorKind::InvalidData);
    if !refused || read_past {
        let mut failure = Failure::new(step)
            .detail("expected: Err of kind InvalidData, before any read of the body")
            .detail(format!(
                "got: {}",
                got.first().map_or("no call".into(), describe)
            ));
        if read_past {
            failure = failure.detail("and read_frame tried to read the body after the header");
        }
        return Err(failure.hint(
            "the length comes from the peer: a liar can announce 2 GiB and make you allocate \
             it. Compare it with MAX_LEN first, and refuse it with InvalidData.",
        ));
    }
    steps.ok("a length over the limit is refused before the body is read");
    Ok(())
}
