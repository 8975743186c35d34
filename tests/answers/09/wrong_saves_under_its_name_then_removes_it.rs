//! Wrong answer to exercise 09: no temporary file: the bytes go straight to dir/name, and
//! the file is removed again when a check fails. While the body arrives, a partial file
//! sits under the real name, where anyone listing the directory takes it for the file.
//! Rejected at: a 4 MiB file, "big.bin", in reads of 64 KiB; the directory listed halfway

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
    let path = dir.join(name);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    let mut hasher = Md5::new();
    let mut got = 0u64;
    let mut buf = [0u8; 64 * 1024];
    let mut body = body.take(size);
    let result: io::Result<()> = (|| {
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
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}
