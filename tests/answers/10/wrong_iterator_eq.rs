//! Wrong answer to exercise 10: the tag compared with Iterator::eq, which stops at the
//! first pair that differs, after a length check.
//! Rejected at: the source: the comparison is constant time

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

/// Whether `answer` is HMAC-MD5(`secret`, `challenge`).
pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    // HMAC takes keys of any length (long ones are hashed, short ones padded): no error
    // case to handle.
    let mut mac =
        <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(challenge);
    // verify_slice refuses a tag whose length is not the MAC's (16 bytes for MD5), then
    // compares every byte whatever the first difference: no early exit for a stopwatch to
    // find. A piece of the right answer, an empty one or one too long are all refused.
    let expected = mac.finalize().into_bytes();
    answer.len() == expected.len() && expected.iter().eq(answer.iter())
}
