//! A right answer to exercise 10 in another style: the length first (not a secret), then
//! every byte XORed and the differences ORed together with fold: no early exit.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

fn tag(secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().to_vec()
}

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let expected = tag(secret, challenge);
    expected.len() == answer.len()
        && expected
            .iter()
            .zip(answer)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}
