//! Wrong answer to exercise 10: HMAC with SHA-256, "MD5 is broken": safer, and not what the
//! notes' client sends, so every right client is refused.
//! Rejected at: the right answer, HMAC-MD5(secret, challenge), 16 bytes

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    mac.verify_slice(answer).is_ok()
}
