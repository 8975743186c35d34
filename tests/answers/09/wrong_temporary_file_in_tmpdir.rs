//! Wrong answer to exercise 09: the temporary file is made where temporary files go,
//! std::env::temp_dir(), and copied to the directory at the end: the bytes are not in the
//! directory while they arrive, and a failure leaves the temporary file behind in TMPDIR.
//! Rejected at: a body one byte short (5 of 6 bytes), "short.txt"

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
    let temp = std::env::temp_dir().join(format!("ex09-{}-{name}", std::process::id()));
    let mut file = File::create(&temp)?;
    let mut hasher = Md5::new();
    let mut got = 0u64;
    let mut buf = [0u8; 64 * 1024];
    let mut body = body.take(size);
    loop {
        let n = body.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
        got += n as u64;
    }
    if got < size || hex_digest(&hasher.finalize()) != md5 {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "size or md5"));
    }
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)?;
    out.write_all(&fs::read(&temp)?)?;
    let _ = fs::remove_file(&temp);
    Ok(target)
}
