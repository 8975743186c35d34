//! Wrong answer to exercise 10: the whole tag compared with ==: every answer gets the right
//! verdict, but == returns at the first byte that differs, and the time a refusal takes
//! tells a guesser how many leading bytes were right.
//! Rejected at: the source: the comparison is constant time

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

fn tag(secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().to_vec()
}

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    tag(secret, challenge) == answer
}
