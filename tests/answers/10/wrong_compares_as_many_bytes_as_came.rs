//! Wrong answer to exercise 10: zip stops at the shorter of the two, so only as many bytes
//! as arrived are compared (the starter's bug, written another way): a piece of the right
//! answer, or nothing at all, gets in.
//! Rejected at: the first 8 bytes of the right answer (the lesson's client 3)

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

fn tag(secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().to_vec()
}

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let expected = tag(secret, challenge);
    let mut diff = 0u8;
    for (a, b) in expected.iter().zip(answer) {
        diff |= a ^ b;
    }
    diff == 0
}
