//! Exercise 10: is this answer HMAC-MD5(secret, challenge)?
//!
//! Lesson 10's server sends 32 random bytes, the challenge, and the client must answer with
//! HMAC-MD5(secret, challenge): 16 bytes. `verify` below computes the right answer and
//! compares it the way the notes' server does after its `recv(16)`: whatever the read
//! returned is taken as the whole answer, and the comparison stops at the first byte that
//! differs. A client that sends a piece of the right answer gets in.
//!
//! Make `verify` accept exactly the 16 right bytes and nothing else: not a wrong answer,
//! not the first bytes of the right one, not an empty answer, not 17 bytes. While you are
//! at it, compare in constant time (the check cannot measure that; the page says why).
//!
//! Check it: `cargo run --example check -- 10`. The page: docs/10_hmac_auth.md.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

/// Whether `answer` is HMAC-MD5(`secret`, `challenge`).
pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let mut mac =
        <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(challenge);
    let expected = mac.finalize().into_bytes();
    // The notes' `if client_results != server_results`, on what one recv(16) returned.
    expected.starts_with(answer)
}
