//! Wrong answer to exercise 10: a hand-written loop with the length checked first: right
//! verdicts, and it returns at the first byte that differs, like ==.
//! Rejected at: the source: the comparison is constant time

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

fn tag(secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().to_vec()
}

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let expected = tag(secret, challenge);
    if expected.len() != answer.len() {
        return false;
    }
    for i in 0..expected.len() {
        if expected[i] != answer[i] {
            return false;
        }
    }
    true
}
