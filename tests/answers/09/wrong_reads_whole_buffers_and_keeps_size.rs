//! Wrong answer to exercise 09 (from a teacher's blind set): reads the body in full 64 KiB
//! reads and writes only what is still owed: when one read returns the last bytes of the
//! file and the first of the next message, those are taken from the stream and lost.
//! Rejected at: a body of 6 bytes followed by the next message's bytes, "longer.txt"
//! Says: and save read past the 6 bytes

use md5::{Digest, Md5};
use std::fs::{self, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

struct Temp(PathBuf);
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

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
        return Err(io::Error::new(
            ErrorKind::AlreadyExists,
            format!("{} exists", target.display()),
        ));
    }
    let (temp, mut file) = loop {
        let mut rnd = [0u8; 8];
        getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
        let candidate = dir.join(format!(
            ".{name}.{}.{}.{:016x}.part",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            u64::from_le_bytes(rnd)
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => break (Temp(candidate), f),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let n = n.min((size - total) as usize);
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
        total += n as u64;
        if total == size {
            break;
        }
    }
    if total != size {
        return Err(io::Error::new(
            ErrorKind::UnexpectedEof,
            format!("size: got {total} of {size} bytes"),
        ));
    }
    let got = socket_lessons::wire::checksum::hex_digest(&hasher.finalize());
    if !got.eq_ignore_ascii_case(md5) {
        return Err(io::Error::new(
            ErrorKind::InvalidData,
            format!("md5: {got} != {md5}"),
        ));
    }
    file.flush()?;
    drop(file);
    fs::hard_link(&temp.0, &target)?;
    drop(temp);
    Ok(target)
}
