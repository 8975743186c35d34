//! Wrong answer to exercise 09: exists() checked, then fs::copy(temp, target): a name
//! taken meanwhile (by a file, or by a link that points outside) is replaced or followed.
//! The first step to see it: the saved file is a copy, not the temporary file linked.
//! Rejected at: a 4 MiB file, "big.bin", in reads of 64 KiB; the directory listed halfway
//! Says: the bytes were copied under the name
use md5::{Digest, Md5};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::wire::checksum::hex_digest;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
static N: AtomicU64 = AtomicU64::new(0);
fn temp_in(dir: &Path) -> PathBuf {
    dir.join(format!(
        ".part-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

pub fn save(
    dir: &Path,
    name: &str,
    body: &mut dyn Read,
    size: u64,
    md5: &str,
) -> io::Result<PathBuf> {
    check_file_name(name).map_err(|w| io::Error::new(io::ErrorKind::InvalidInput, w))?;
    let target = dir.join(name);
    let temp = temp_in(dir);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp)?;
    let mut hasher = Md5::new();
    let mut got = 0u64;
    let mut buf = [0u8; 32 * 1024];
    let mut limited = body.take(size);
    loop {
        let n = match limited.read(&mut buf) {
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
    drop(file);
    if got < size || hex_digest(&hasher.finalize()) != md5 {
        let _ = fs::remove_file(&temp);
        return Err(io::Error::new(io::ErrorKind::InvalidData, "size or md5"));
    }
    if target.exists() {
        let _ = fs::remove_file(&temp);
        return Err(io::ErrorKind::AlreadyExists.into());
    }
    let copied = fs::copy(&temp, &target);
    let _ = fs::remove_file(&temp);
    copied?;
    Ok(target)
}
