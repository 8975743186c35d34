//! md5 as the notes use it: the digest of a message or a file, written as Python's
//! `hexdigest()`, and a check that a peer's value looks like one.

use md5::{Digest, Md5};

/// The md5 of `bytes` as the notes print it: `hashlib.md5(bytes).hexdigest()`.
///
/// ```
/// use socket_lessons::wire::checksum::md5_hex;
/// assert_eq!(md5_hex(b"hello\n"), "b1946ac92492d2347c6235b4d2611184");
/// ```
pub fn md5_hex(bytes: &[u8]) -> String {
    hex_digest(&Md5::digest(bytes))
}

/// A digest as lower-case hex, like Python's `hexdigest()`.
pub fn hex_digest(digest: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(digest.len() * 2);
    for byte in digest {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Whether `text` looks like an md5 hexdigest at all: 32 hex digits. (notes C 方案二's
/// server sends the placeholder `fdsaf2143254f`.)
pub fn is_md5_hex(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_md5_hexdigest_is_32_hex_digits() {
        assert!(is_md5_hex(&md5_hex(b"")));
        assert!(!is_md5_hex("fdsaf2143254f"));
    }
}
