//! A right answer to exercise 09 in another style: a temporary name from a counter and the
//! process id, made with create_new, then Linux's renameat2(RENAME_NOREPLACE), which, like
//! a hard link, fails with EEXIST instead of replacing.

use md5::{Digest, Md5};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::wire::checksum::hex_digest;
use std::ffi::CString;
use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

struct Temp(PathBuf, bool);

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.1 {
            let _ = fs::remove_file(&self.0);
        }
    }
}

pub fn save(
    dir: &Path,
    name: &str,
    body: &mut dyn Read,
    size: u64,
    md5: &str,
) -> io::Result<PathBuf> {
    check_file_name(name).map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, why))?;
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let target = dir.join(name);
    let path = dir.join(format!(
        ".incoming-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    ));
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    let mut temp = Temp(path, false);
    let mut hasher = Md5::new();
    let copied = io::copy(
        &mut body.take(size),
        &mut HashingWriter(&mut file, &mut hasher),
    )?;
    if copied < size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "size check failed",
        ));
    }
    if hex_digest(&hasher.finalize()) != md5 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "md5 check failed",
        ));
    }
    let from = CString::new(temp.0.as_os_str().as_bytes())?;
    let to = CString::new(target.as_os_str().as_bytes())?;
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    temp.1 = true;
    Ok(target)
}

struct HashingWriter<'a>(&'a mut fs::File, &'a mut Md5);

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}
