//! Wrong answer to exercise 10 (from a teacher's blind set): calls verify_slice, but only
//! after a fast path, if expected != answer { return false }, which decides every refusal:
//! the verdict comes from a comparison that stops at the first difference.
//! Rejected at: the source: the comparison is constant time
//! Says: (stops at the first difference)

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let Ok(mut mac) = <Hmac<Md5> as KeyInit>::new_from_slice(secret) else {
        return false;
    };
    mac.update(challenge);
    let expected = mac.clone().finalize().into_bytes();
    if expected.as_slice() != answer {
        return false;
    }
    mac.verify_slice(answer).is_ok()
}
