//! Challenge–response authentication with HMAC (lesson 10, notes E §6 验证客户端合法性).
//!
//! ```text
//! server                                   client
//!   ── 32 random bytes (the challenge) ──▶
//!   ◀── HMAC(secret, challenge): 16 bytes (MD5) or 32 (SHA-256) ──
//!   ── verdict: b"+" legitimate / b"-" refused ──▶      (the course's addition)
//! ```
//!
//! The secret never crosses the wire; only a keyed hash of bytes the server chose a moment
//! ago does, so a recorded answer is useless for the next connection, whose challenge is
//! new. The hashing is the `hmac` crate over `md-5` or `sha2`; this module only names the
//! pieces and keeps the byte counts in one place.

use hmac::{Hmac, KeyInit, Mac};
use std::fmt;
use std::io;

/// How many random bytes the server sends (notes E: `length_bytes = 32`).
pub const CHALLENGE_LEN: usize = 32;

/// The verdict byte the server sends for an answer it accepts. The notes' server sends no
/// verdict at all (it only prints one), so their client never learns the outcome; the
/// course's client reads one byte, and says so when the notes' server sends none.
pub const LEGITIMATE: u8 = b'+';

/// The verdict byte for an answer the server refuses; the server then closes.
pub const REFUSED: u8 = b'-';

/// The hash under the HMAC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    /// HMAC-MD5, 16-byte answer: what the notes' Python computes (`hmac.new(key, msg)`
    /// defaulted to MD5 before Python 3.8). Kept for compatibility with their programs.
    Md5,
    /// HMAC-SHA-256, 32-byte answer: the modern choice.
    Sha256,
}

impl Digest {
    /// Both, in the order a command line lists them.
    pub const ALL: [Digest; 2] = [Digest::Md5, Digest::Sha256];

    /// The name a command line uses (`--digest md5`).
    pub const fn name(self) -> &'static str {
        match self {
            Digest::Md5 => "md5",
            Digest::Sha256 => "sha256",
        }
    }

    /// One line on what it is, for `--help`, in the language of the moment.
    pub fn about(self) -> &'static str {
        match self {
            Digest::Md5 => crate::lang::pick(
                "HMAC-MD5, a 16-byte answer: what the notes' Python computes",
                "HMAC-MD5，应答 16 字节：笔记的 Python 程序算的就是它",
            ),
            Digest::Sha256 => crate::lang::pick(
                "HMAC-SHA-256, a 32-byte answer: the modern choice",
                "HMAC-SHA-256，应答 32 字节：现在的首选",
            ),
        }
    }

    /// The answer's length in bytes: what the server reads, exactly.
    pub const fn answer_len(self) -> usize {
        match self {
            Digest::Md5 => 16,
            Digest::Sha256 => 32,
        }
    }

    /// `HMAC(secret, challenge)`. Any key length is valid for HMAC (long keys are hashed
    /// first, short ones padded), so this cannot fail.
    pub fn answer(self, secret: &[u8], challenge: &[u8]) -> Vec<u8> {
        match self {
            Digest::Md5 => tag::<Hmac<md5::Md5>>(secret, challenge),
            Digest::Sha256 => tag::<Hmac<sha2::Sha256>>(secret, challenge),
        }
    }

    /// Whether `answer` is `HMAC(secret, challenge)`, compared in constant time: the
    /// comparison takes as long when the first byte differs as when the last one does, so
    /// timing the server's "no" teaches an attacker nothing about how close a guess was.
    /// (`==` on byte slices stops at the first difference; so does the notes' `!=`.)
    pub fn verify(self, secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
        match self {
            Digest::Md5 => verify::<Hmac<md5::Md5>>(secret, challenge, answer),
            Digest::Sha256 => verify::<Hmac<sha2::Sha256>>(secret, challenge, answer),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Digest::Md5 => "HMAC-MD5",
            Digest::Sha256 => "HMAC-SHA-256",
        })
    }
}

fn keyed<M: Mac + KeyInit>(secret: &[u8], challenge: &[u8]) -> M {
    // HMAC accepts keys of every length: new_from_slice has no error case for it.
    let mut mac = <M as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(challenge);
    mac
}

fn tag<M: Mac + KeyInit>(secret: &[u8], challenge: &[u8]) -> Vec<u8> {
    keyed::<M>(secret, challenge)
        .finalize()
        .into_bytes()
        .to_vec()
}

fn verify<M: Mac + KeyInit>(secret: &[u8], challenge: &[u8], answer: &[u8]) -> bool {
    // verify_slice compares in constant time (and checks the length first).
    keyed::<M>(secret, challenge).verify_slice(answer).is_ok()
}

/// A fresh challenge from the operating system's random source (getrandom(2) on Linux), as
/// the notes' `os.urandom(32)`. A new one for every connection: a challenge used twice
/// lets a recorded answer in.
pub fn challenge() -> io::Result<[u8; CHALLENGE_LEN]> {
    let mut bytes = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut bytes).map_err(|e| {
        io::Error::other(crate::tr!("no random bytes: {e}" | "拿不到随机字节：{e}"))
    })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 2202 test case 2 (HMAC-MD5) and RFC 4231 test case 2 (HMAC-SHA-256): key
    /// "Jefe", data "what do ya want for nothing?".
    #[test]
    fn answers_match_the_rfc_test_vectors() {
        let data = b"what do ya want for nothing?";
        assert_eq!(
            Digest::Md5.answer(b"Jefe", data),
            unhex("750c783e6ab0b503eaa86e310a5db738")
        );
        assert_eq!(
            Digest::Sha256.answer(b"Jefe", data),
            unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        );
    }

    #[test]
    fn answer_lengths_are_what_the_server_reads() {
        for digest in [Digest::Md5, Digest::Sha256] {
            assert_eq!(digest.answer(b"k", b"c").len(), digest.answer_len());
        }
    }

    #[test]
    fn verify_accepts_the_right_answer_only() {
        let challenge = [7u8; CHALLENGE_LEN];
        for digest in [Digest::Md5, Digest::Sha256] {
            let good = digest.answer(b"secret", &challenge);
            assert!(digest.verify(b"secret", &challenge, &good));
            assert!(!digest.verify(b"wrong", &challenge, &good));
            assert!(!digest.verify(b"secret", &[8u8; CHALLENGE_LEN], &good));
            let mut flipped = good.clone();
            flipped[good.len() - 1] ^= 1;
            assert!(!digest.verify(b"secret", &challenge, &flipped));
            assert!(!digest.verify(b"secret", &challenge, &good[..8]));
            assert!(!digest.verify(b"secret", &challenge, b""));
        }
    }

    #[test]
    fn challenges_differ_each_time() {
        assert_ne!(challenge().unwrap(), challenge().unwrap());
    }
}
