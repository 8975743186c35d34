//! A right answer to exercise 10 in another style (from a teacher's blind set): the lengths
//! compared with != first (a length is not a secret), then a fold that ORs the XOR of every
//! pair of bytes, compared with 0.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

fn tag(secret: &[u8], challenge: &[u8]) -> [u8; 16] {
    let mut mac =
        <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().into()
}

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let expected = tag(secret, challenge);
    if answer.len() != expected.len() {
        return false;
    }
    let diff = expected
        .iter()
        .zip(answer.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff == 0
}
