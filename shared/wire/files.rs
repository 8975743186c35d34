//! Files over a socket, as the notes send them (notes A §9.2, notes C FTP上传下载文件,
//! notes E §6 文本文件传输): the sender hashes the file once, then streams it in chunks.
//!
//! The notes read the whole file into memory (`fp.read()`) and hash it there; here the
//! file is read twice, [`md5_file`] then [`send_body`], and memory stays at one
//! [`CHUNK`] whatever the size. Receiving safely (a temporary name, renamed only when the
//! md5 matches) is what a hostile sender makes necessary: [`crate::guard::saving`].

use super::checksum::hex_digest;
use indicatif::ProgressBar;
use md5::{Digest, Md5};
use std::fs::File;
use std::io::{self, Read, Seek, Write};

/// Bytes read, hashed and written at a time.
pub const CHUNK: usize = 1 << 20;

/// Reads `file` from its start to its end, returning its size and md5 hexdigest, and
/// leaves it positioned at its start again, ready to send. A server that sends the same
/// files again remembers their md5s instead ([`crate::guard::digest_cache::Md5Cache`]).
pub fn md5_file(file: &mut File) -> io::Result<(u64, String)> {
    file.rewind()?;
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    loop {
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
                size += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    file.rewind()?;
    Ok((size, hex_digest(&hasher.finalize())))
}

/// Sends exactly `size` bytes of `file` from its current position, in chunks.
///
/// `io::copy` from a `File` to a `TcpStream` is `sendfile(2)` on Linux (`Take<File>` too):
/// no copy through user space. Fails if the file ends early (it shrank after it was
/// hashed).
pub fn send_body(
    file: &mut File,
    size: u64,
    out: &mut impl Write,
    progress: &ProgressBar,
) -> io::Result<()> {
    let mut sent = 0u64;
    // Chunks of 8 MiB: few system calls, and a progress update several times a second.
    const STEP: u64 = 8 << 20;
    while sent < size {
        let step = STEP.min(size - sent);
        let n = io::copy(&mut Read::by_ref(file).take(step), out)?;
        if n == 0 {
            return Err(crate::reason!(
                "the file ended after {sent} of {size} bytes: it shrank while being sent"
                    | "文件只读到 {size} 字节中的 {sent} 字节就结束了：它在发送途中变短了"
            )
            .into_error(io::ErrorKind::UnexpectedEof));
        }
        sent += n;
        progress.inc(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "socket-lessons-wire-files-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn md5_file_hashes_everything_and_rewinds() {
        let dir = scratch("md5");
        let body = data(2 * CHUNK + 3);
        fs::write(dir.join("f"), &body).unwrap();
        let mut file = File::open(dir.join("f")).unwrap();
        let (size, md5) = md5_file(&mut file).unwrap();
        assert_eq!(
            (size, md5),
            (body.len() as u64, crate::wire::checksum::md5_hex(&body))
        );
        let mut sent = Vec::new();
        send_body(&mut file, size, &mut sent, &ProgressBar::hidden()).unwrap();
        assert_eq!(sent, body);
        fs::remove_dir_all(dir).unwrap();
    }
}
