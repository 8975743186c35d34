//! Wrong answer to exercise 10: a loop that XORs each byte, as the constant-time loop does,
//! but returns false at the first difference that is not 0 instead of ORing them together:
//! the time of a refusal still says how many leading bytes were right.
//! Rejected at: the source: the comparison is constant time
//! Says: line 21: return false;   (stops at the first difference)
//! (Written by an independent teacher from the task text alone; the check rejected it, but
//! said it found no comparison it knew.)

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    let expected = mac.finalize().into_bytes();
    if answer.len() != expected.len() {
        return false;
    }
    for i in 0..expected.len() {
        if expected[i] ^ answer[i] != 0 {
            return false;
        }
    }
    true
}
