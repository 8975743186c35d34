//! Wrong answer to exercise 09: the body is read into memory to hash it with md5_hex, then
//! written: every check holds, and memory grows with the file.
//! Rejected at: a 4 MiB file, "big.bin", in reads of 64 KiB; the directory listed halfway

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
    let mut bytes = Vec::new();
    body.take(size).read_to_end(&mut bytes)?;
    if (bytes.len() as u64) < size || socket_lessons::wire::checksum::md5_hex(&bytes) != md5 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "size or md5"));
    }
    let temp = dir.join(format!(".ex09-{}-{name}.part", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    file.write_all(&bytes)?;
    drop(file);
    let linked = fs::hard_link(&temp, &target);
    let _ = fs::remove_file(&temp);
    linked?;
    let _ = (hex_digest, Md5::new());
    Ok(target)
}
