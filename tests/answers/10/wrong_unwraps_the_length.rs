//! Wrong answer to exercise 10: the answer is turned into [u8; 16] with unwrap, "it is
//! always 16 bytes": an answer of another length makes the server panic.
//! Rejected at: the first 8 bytes of the right answer (the lesson's client 3)
//! Says: your verify panicked at tests/answers/10/wrong_unwraps_the_length.rs:

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

fn tag(secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    mac.finalize().into_bytes().to_vec()
}

pub fn verify(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    let answer: [u8; 16] = answer.try_into().unwrap();
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(secret).expect("any key length");
    mac.update(challenge);
    let _ = tag;
    mac.verify_slice(&answer).is_ok()
}
