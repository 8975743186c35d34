//! Wrong answer to exercise 09: the name is checked by a rule of its own, "no slash and not
//! ..": it lets through an empty name, ..\\escape.txt, hidden files and names Windows
//! reserves.
//! Rejected at: the name ""

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
    let _ = check_file_name;
    if name.contains('/') || name == ".." {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a plain name",
        ));
    }
    let target = dir.join(name);
    let temp = dir.join(format!(".ex09-{}-{name}.part", std::process::id()));
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
    let linked = fs::hard_link(&temp, &target);
    let _ = fs::remove_file(&temp);
    linked?;
    Ok(target)
}
