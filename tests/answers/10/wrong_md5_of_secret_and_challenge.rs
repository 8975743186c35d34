//! Wrong answer to exercise 10: md5(secret + challenge) instead of HMAC: 16 bytes, and not
//! the ones the client computes with hmac.new(secret, challenge).
//! Rejected at: the right answer, HMAC-MD5(secret, challenge), 16 bytes

use md5::{Digest, Md5};

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let mut hasher = Md5::new();
    hasher.update(secret);
    hasher.update(challenge);
    let expected = hasher.finalize();
    let mut diff = (expected.len() != answer.len()) as u8;
    for (a, b) in expected.iter().zip(answer) {
        diff |= a ^ b;
    }
    diff == 0
}
