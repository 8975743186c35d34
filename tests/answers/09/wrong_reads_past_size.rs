//! Wrong answer to exercise 09: the body is copied with io::copy, up to the end of the
//! stream, and only then compared with size: bytes after the file (the next message) are
//! read, and a body longer than its size fails.
//! Rejected at: a body of 6 bytes followed by the next message's bytes, "longer.txt"

use md5::{Digest, Md5};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::wire::checksum::hex_digest;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

pub fn save(
    dir: &Path,
    name: &str,
    body: &mut dyn Read,
    size: u64,
    md5: &str,
) -> io::Result<PathBuf> {
    check_file_name(name).map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    let target = dir.join(name);
    let temp = dir.join(format!(".ex09-{}-{name}.part", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let copied = io::copy(body, &mut file);
    drop(file);
    let ok = match copied {
        Ok(n) if n == size => {
            let bytes = fs::read(&temp)?;
            socket_lessons::wire::checksum::md5_hex(&bytes) == md5
        }
        _ => false,
    };
    if !ok {
        let _ = fs::remove_file(&temp);
        return Err(io::Error::new(io::ErrorKind::InvalidData, "size or md5"));
    }
    let linked = fs::hard_link(&temp, &target);
    let _ = fs::remove_file(&temp);
    linked?;
    let _ = hex_digest;
    let _ = Md5::new();
    Ok(target)
}
