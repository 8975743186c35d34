//! Wrong answer to exercise 09: a temporary file, the checks, and then "if the name is free,
//! rename": between exists() and rename another file can take the name, and rename
//! replaces it without a word.
//! Rejected at: "link.txt": a symbolic link to a file outside the directory takes that name while save reads the body

use md5::{Digest, Md5};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::wire::checksum::hex_digest;
use std::fs::{self, OpenOptions};
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
    if target.exists() {
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.{}.{n}.part", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let mut hasher = Md5::new();
    let mut got = 0u64;
    let mut buf = [0u8; 64 * 1024];
    let mut body = body.take(size);
    loop {
        let n = match body.read(&mut buf) {
            Ok(n) => n,
            Err(e) => {
                let _ = fs::remove_file(&temp);
                return Err(e);
            }
        };
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
        got += n as u64;
    }
    if got < size || hex_digest(&hasher.finalize()) != md5 {
        let _ = fs::remove_file(&temp);
        return Err(io::Error::new(io::ErrorKind::InvalidData, "size or md5"));
    }
    if target.exists() {
        let _ = fs::remove_file(&temp);
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    fs::rename(&temp, &target)?;
    Ok(target)
}
