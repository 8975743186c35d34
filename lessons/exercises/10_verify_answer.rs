//! Exercise 10: is this answer HMAC-MD5(secret, challenge)?
//!
//! Lesson 10's server sends 32 random bytes, the challenge, and the client must answer with
//! HMAC-MD5(secret, challenge): 16 bytes. The notes' server compares what one `recv(16)`
//! returned with `!=`, which refuses a good client whose answer arrived in two pieces.
//! `verify` below "fixes" that the tempting way: it compares only as many bytes as came.
//! Now a client that sends a piece of the right answer, or nothing, gets in.
//!
//! Make `verify` accept exactly the 16 right bytes and nothing else: not a wrong answer,
//! not the first bytes of the right one, not an empty answer, not 17 bytes, whatever the
//! secret's length; and never panic, whatever the answer's length. Compare in constant
//! time: no run can measure that reliably, so the check reads your source for it
//! (`Mac::verify_slice`, or a loop that XORs every byte and ORs the differences), and for
//! any comparison that stops at the first difference beside it (`==`, `!=`, `starts_with`
//! on anything but lengths and numbers): a fast path that refuses with `!=` before
//! `verify_slice` leaks as much as `!=` alone.
//!
//! Check it: `cargo run --example check -- 10` (`--watch` checks again on every save).
//! The page: docs/10_hmac_auth.md (中文: docs/zh-CN/10_hmac_auth.md).

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

/// Whether `answer` is HMAC-MD5(`secret`, `challenge`).
pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let mut mac =
        <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(challenge);
    let expected = mac.finalize().into_bytes();
    // Compare what came with as much of the right answer (a short read was the notes'
    // problem; this is the tempting fix).
    expected.starts_with(answer)
}
