//! The check of exercise 10: the answers lesson 10's clients send (the right one, notes E's
//! fake salt, the lesson's client 3 with 8 of 16 bytes), plus an empty and a long one.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use socket_lessons::wire::auth::Digest;

type Verify = fn(&[u8], &[u8], &[u8]) -> bool;

/// The notes' secret (notes E §6 验证客户端合法性).
const SECRET: &[u8] = b"hi, I'm salt.";
/// Notes E's fake client's secret.
const FAKE: &[u8] = "大家好,我是假盐".as_bytes();

pub fn check(solution: bool) -> Outcome {
    let verify: Verify = if solution {
        crate::solution_10::verify
    } else {
        crate::learner_10::verify
    };
    Steps::run(|steps| run(verify, steps))
}

/// One answer, and whether `verify` must accept it.
fn expect(
    verify: Verify,
    step: &str,
    challenge: &[u8],
    answer: &[u8],
    accept: bool,
    hint: &str,
) -> Result<(), Failure> {
    let (c, a) = (challenge.to_vec(), answer.to_vec());
    let verdict = |v: bool| {
        if v {
            "true (let in)"
        } else {
            "false (refused)"
        }
    };
    let failure = || {
        Failure::new(step)
            .detail(format!("secret: {}", shown(SECRET)))
            .detail(format!("challenge: {}", shown(challenge)))
            .detail(format!(
                "answer: {} ({} bytes)",
                shown(answer),
                answer.len()
            ))
            .detail(format!("expected: {}", verdict(accept)))
    };
    match within(STUCK, move || verify(SECRET, &c, &a)) {
        Some(got) if got == accept => Ok(()),
        Some(got) => Err(failure()
            .detail(format!("got: {}", verdict(got)))
            .hint(hint)),
        None => Err(failure()
            .detail(format!(
                "got: no verdict: verify panicked or did not return within {} s",
                STUCK.as_secs()
            ))
            .hint("verify must answer true or false for every answer, whatever its length.")),
    }
}

fn run(verify: Verify, steps: &mut Steps) -> Result<(), Failure> {
    // A fixed challenge, so that a failure shows the same bytes every run.
    let challenge: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let right = Digest::Md5.answer(SECRET, &challenge);

    expect(
        verify,
        "the right answer, HMAC-MD5(secret, challenge), 16 bytes",
        &challenge,
        &right,
        true,
        "compute HMAC-MD5 with the secret as the key over the challenge, and accept when the \
         answer is those 16 bytes.",
    )?;
    steps.ok("the right 16-byte answer is let in");

    let fake = Digest::Md5.answer(FAKE, &challenge);
    expect(
        verify,
        "notes E's fake client: HMAC-MD5 with the wrong secret, 16 bytes",
        &challenge,
        &fake,
        false,
        "an answer with the right length and the wrong bytes is refused.",
    )?;
    steps.ok("an answer made with the wrong secret is refused");

    expect(
        verify,
        "the first 8 bytes of the right answer (the lesson's client 3)",
        &challenge,
        &right[..8],
        false,
        "a piece of the right answer is not the answer. Comparing only as many bytes as \
         arrived lets 8 right bytes (or 1, or none) in: the length is part of the answer. \
         Read all 16 first (the server does, with a time limit), then compare everything; \
         Mac::verify_slice checks the length and the bytes, in constant time (docs/10, \
         \"What goes wrong, and why\").",
    )?;
    steps.ok("the first 8 bytes of the right answer are refused");

    expect(
        verify,
        "an empty answer (a client that closed without answering)",
        &challenge,
        b"",
        false,
        "every answer starts with zero bytes of the right one: an empty answer must be \
         refused. Check the length (verify_slice does).",
    )?;
    steps.ok("an empty answer is refused");

    let mut long = right.clone();
    long.push(b'!');
    expect(
        verify,
        "the right answer and one byte more, 17 bytes",
        &challenge,
        &long,
        false,
        "the answer is exactly 16 bytes: one with more is not it, even when it starts right.",
    )?;
    steps.ok("17 bytes that start with the right answer are refused");
    Ok(())
}
