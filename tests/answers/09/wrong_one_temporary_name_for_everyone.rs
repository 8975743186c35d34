//! Wrong answer to exercise 09: everything right, with one temporary name per file name,
//! name + ".part": two saves of the same name at once write into the same temporary file.
//! Rejected at: two saves of "same.txt" at once: A pauses halfway, B saves whole, then A goes on

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
    let temp = dir.join(format!(".{name}.part"));
    let mut file = File::create(&temp)?;
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
    let linked = fs::hard_link(&temp, &target);
    let _ = fs::remove_file(&temp);
    linked?;
    Ok(target)
}
