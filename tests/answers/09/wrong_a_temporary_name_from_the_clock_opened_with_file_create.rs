//! Wrong answer to exercise 09: a temporary name from the clock (microseconds), opened with
//! File::create, not create_new: two saves that read the clock in the same tick get the
//! same name, and the second opens (and truncates) the first's temporary file.
//! Rejected at: two saves of "same.txt" at once: A pauses halfway, B saves whole, then A goes on
//! Says: the directory held one temporary file for both
//! (Written by an independent teacher from the task text alone; it passed before the check
//! gave both saves one tick of the clock.)

use md5::{Digest, Md5};
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static SEQ: AtomicU64 = AtomicU64::new(0);

fn open_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let _ = (&SEQ, Ordering::Relaxed, OpenOptions::new());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() / 1000)
        .unwrap_or(0);
    let temp = dir.join(format!(".{name}.{nanos}.part"));
    let f = File::create(&temp)?;
    Ok((temp, f))
}

fn fill_temp(file: &mut File, body: &mut dyn Read, size: u64, md5: &str) -> io::Result<()> {
    let mut hasher = Md5::new();
    let mut left = size;
    let mut buf = [0u8; 32 * 1024];
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = match body.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!("size check failed: {} of {size} bytes", size - left),
                ))
            }
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.sync_all()?;
    let got = socket_lessons::wire::checksum::hex_digest(&hasher.finalize());
    if got != md5 {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("md5 check failed: {got}, expected {md5}"),
        ));
    }
    Ok(())
}

pub fn save(
    dir: &Path,
    name: &str,
    body: &mut dyn Read,
    size: u64,
    md5: &str,
) -> io::Result<PathBuf> {
    socket_lessons::guard::names::check_file_name(name)
        .map_err(|why| io::Error::new(ErrorKind::InvalidInput, why))?;
    let target = dir.join(name);
    if fs::symlink_metadata(&target).is_ok() {
        return Err(io::Error::new(ErrorKind::AlreadyExists, format!("{name} exists")));
    }
    let (temp, mut file) = open_temp(dir, name)?;
    let result = fill_temp(&mut file, body, size, md5);
    drop(file);
    let result = result.and_then(|()| fs::hard_link(&temp, &target));
    let _ = fs::remove_file(&temp);
    result.map(|()| target)
}
