//! Wrong answer to exercise 09: everything checked, then the target opened with create_new
//! (never replaces, follows no link) and the temporary file copied into it, instead of
//! fs::hard_link: a copy that fails halfway leaves a partial file under the real name.
//! Rejected at: a 4 MiB file, "big.bin", in reads of 64 KiB; the directory listed halfway
//! Says: the bytes were copied under the name
//! (Written by an independent teacher from the task text alone; it passed before the check
//! compared the saved file with the temporary one, inode for inode.)

use md5::{Digest, Md5};
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static SEQ: AtomicU64 = AtomicU64::new(0);

fn open_temp(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    loop {
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.{}.{n}.part", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
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
    let result = result.and_then(|()| {
        let mut out = OpenOptions::new().write(true).create_new(true).open(&target)?;
        io::copy(&mut File::open(&temp)?, &mut out).map(|_| ())
    });
    let _ = fs::remove_file(&temp);
    result.map(|()| target)
}
