//! Wrong answer to exercise 09: the course's answer with a temporary name made of the
//! file's name and the process's id ("unique enough"): two saves of the same name at once
//! in one process want the same temporary file, and create_new makes the second fail.
//! Rejected at: two saves of "same.txt" at once: A pauses halfway, B saves whole, then A goes on

use md5::{Digest, Md5};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::wire::checksum::hex_digest;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Saves `size` bytes from `body` as `dir/name` if their md5 is `md5`.
pub fn save(
    dir: &Path,
    name: &str,
    body: &mut dyn Read,
    size: u64,
    md5: &str,
) -> io::Result<PathBuf> {
    // 1. The name comes from the peer: a plain file name, or nothing is written.
    check_file_name(name).map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    let target = dir.join(name);
    if target.exists() {
        return Err(exists(&target));
    }

    // 2. A temporary name in the same directory (so that the final link stays on one file
    // system), hidden, and never one that exists: create_new fails rather than open it.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let _ = &NEXT;
    let _ = Ordering::Relaxed;
    let temp = dir.join(format!(".{name}.{}.part", std::process::id()));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    // From here on, every way out removes the temporary file unless it is disarmed.
    let guard = RemoveOnDrop(&temp);

    // 3. At most `size` bytes, hashed while they are written.
    let mut hasher = Md5::new();
    let mut got: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    let mut limited = body.take(size);
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])?;
        got += n as u64;
    }
    file.sync_all()?;
    drop(file);

    // 4. The two checks, each with its own error.
    if got < size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("size check failed: the body ended after {got} of {size} bytes; nothing saved"),
        ));
    }
    let digest = hex_digest(&hasher.finalize());
    if !digest.eq_ignore_ascii_case(md5) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("md5 check failed: expected {md5}, the body hashes to {digest}; nothing saved"),
        ));
    }

    // 5. The name, without replacing anything: a hard link fails if `target` appeared
    // meanwhile (a rename would silently replace it). The guard then removes the temporary
    // name, whether the link worked or not.
    match fs::hard_link(&temp, &target) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists(&target)),
        Err(e) => return Err(e),
    }
    drop(guard);
    Ok(target)
}

fn exists(target: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("{} already exists; not replaced", target.display()),
    )
}

/// Removes a file when dropped.
struct RemoveOnDrop<'a>(&'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.0);
    }
}
