//! Notes E §6 文本文件传输: the receiver (接收端) and the sender (发送端).
//!
//! Its wire, as notes E's two functions speak it:
//!
//! ```text
//! sender -> receiver   "NAME/SIZE" (one send, UTF-8, no header)
//! receiver -> sender   "y" to accept (anything else declines)
//! sender -> receiver   the file's bytes (notes E: 1500 at a time, 0.3 s apart)
//! receiver -> sender   the md5 hexdigest of what it received
//! sender -> receiver   that md5 again if it matches the sender's own, or something else
//! ```
//!
//! The md5 and the verdict have a known length, 32 hex digits: each side reads exactly
//! that many (or, for the verdict, up to the end of the stream: a sender that disagrees
//! may send a shorter sentence and close), however TCP cuts them into segments. One `recv`
//! is not one message: a correct verdict arriving in two segments is still correct.

use crate::served::send_file;
use crate::{Gated, BODY_PACE, HEADER_PACE};
use indicatif::ProgressBar;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::quiet::{preview_text, AcceptTrouble, LogGate};
use socket_lessons::guard::saving::{self, Existing};
use socket_lessons::lang::{error_text, pick};
use socket_lessons::stage::transcript::{describe, describe_ends, describe_peer};
use socket_lessons::wire::files::md5_file;
use socket_lessons::wire::net;
use socket_lessons::{say, tr, Endpoint, Report, Transcript};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

/// notes E §6's port.
pub const NOTES_E_PORT: u16 = 1024;

/// notes E §6 reads every message with `recv(1500)`.
const NOTES_E_RECV: usize = 1500;

/// What this sender answers when the receiver's md5 is not its own (notes E's sends a
/// sentence; any bytes that are not the md5 say the same).
const MISMATCH: &[u8] = b"md5 mismatch";

/// The length of an md5 hexdigest, the receiver's md5 and the sender's verdict alike.
const MD5_HEX_LEN: usize = 32;

/// Serves senders one at a time until one file is saved (notes E's receiver takes one
/// sender and exits); a sender that misbehaves costs a line or two (at most 20 senders'
/// worth in any 10 s, then a count), and the next is served. A failed accept costs a line
/// and, when the process is out of descriptors, a pause (`AcceptTrouble`), not a spin.
pub fn notes_e_receiver(
    listener: &TcpListener,
    dir: &Path,
    existing: Existing,
    waits: &Limits,
    server: &Transcript,
) {
    let mut trouble = AcceptTrouble::default();
    let mut gate = LogGate::new(20, Duration::from_secs(10));
    loop {
        let (conn, addr) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                let after = trouble.failed(&e);
                if let Some(line) = after.line {
                    say!(server, "{line}");
                }
                std::thread::sleep(after.pause);
                continue;
            }
        };
        if let Some(line) = trouble.ok() {
            say!(server, "{line}");
        }
        let log = Gated::admit(&mut gate, server);
        say!(
            log,
            "accept -> a sender from {addr}" | "accept -> 来自 {addr} 的发送端"
        );
        if receive_one_notes_e(conn, addr, dir, existing, waits, &log) {
            return;
        }
    }
}

/// One transfer, notes E §6's way. Returns whether a file was saved.
fn receive_one_notes_e(
    mut conn: TcpStream,
    addr: SocketAddr,
    dir: &Path,
    existing: Existing,
    waits: &Limits,
    server: &Gated,
) -> bool {
    // 1. "NAME/SIZE", one recv(1500), as notes E reads it.
    let next = loop {
        match waits.next_request(&conn) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            other => break other,
        }
    };
    match next {
        Ok(true) => {}
        Ok(false) => {
            say!(
                server,
                "{addr} closed without sending anything" | "{addr} 什么也没发就关闭了连接"
            );
            return false;
        }
        Err(e) if limits::is_timeout(&e) => {
            say!(
                server,
                "{addr}: {}; closing" | "{addr}：{}；关闭连接",
                limits::timed_out(pick("waiting for NAME/SIZE", "等待 NAME/SIZE"), waits.idle)
            );
            return false;
        }
        Err(e) => {
            say!(server, "{addr}: {}" | "{addr}：{}", error_text(&e));
            return false;
        }
    }
    let mut buf = [0u8; NOTES_E_RECV];
    let n = loop {
        match conn.read(&mut buf) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                say!(
                    server,
                    "{addr}: recv failed: {}" | "{addr}：recv 失败：{}",
                    error_text(&e)
                );
                return false;
            }
        }
    };
    // A preview: at most 16 bytes from each end of the 1,500 a sender may send.
    say!(
        server,
        "recv({NOTES_E_RECV}) -> {}",
        describe_ends(&buf[..n], 16)
    );
    let (name, size) = match parse_name_size(&buf[..n]) {
        Ok(found) => found,
        Err(why) => {
            say!(
                server,
                "{why}: declined (answered n)" | "{why}：谢绝（回答 n）"
            );
            let _ = conn.write_all(b"n");
            return false;
        }
    };
    // 2. the answer. Notes E asks the person at the receiver (`input(...)`); this
    //    receiver accepts what it can save: a plain name, not already there (and never
    //    something that is not a regular file: a directory, a FIFO, a link).
    if let Some(why) = crate::not_a_regular_file(dir, &name) {
        say!(
            server,
            "{why}: declined (answered n)" | "{why}：谢绝（回答 n）"
        );
        let _ = conn.write_all(b"n");
        return false;
    }
    if existing == Existing::Keep && fs::symlink_metadata(dir.join(&name)).is_ok() {
        say!(
            server,
            "{name:?} exists already in {}: declined (answered n; --overwrite replaces it)"
                | "{name:?} 在 {} 里已经存在：谢绝（回答 n；加 --overwrite 才会替换）",
            dir.display()
        );
        let _ = conn.write_all(b"n");
        return false;
    }
    // Room for it, looked at before the y: after the y, notes E's wire has no way to say
    // "the disk is full" (an attack's sender, on a full disk or with no inode left, got
    // only a reset). Space others take between this look and the write still ends the
    // transfer with a reset; nothing is left on disk either way.
    if let Some(why) = no_room(dir, size) {
        say!(
            server,
            "{why}: declined (answered n)" | "{why}：谢绝（回答 n）"
        );
        let _ = conn.write_all(b"n");
        return false;
    }
    say!(
        server,
        "{name:?}, {size} bytes: accepted (answered y)" | "{name:?}，{size} 字节：接受（回答 y）"
    );
    if let Err(e) = conn.write_all(b"y") {
        say!(server, "{addr}: {}" | "{addr}：{}", error_text(&e));
        return false;
    }

    // 3. the bytes: exactly SIZE of them, into a temporary file, hashed on the way. (Notes
    //    E's receiver counts 1500 per recv whatever it returned, and decodes each chunk as
    //    text on its own: a short recv makes it wait for bytes that never come, and a
    //    chunk that ends inside a character fails to decode.)
    let received = match saving::receive_unsaved(
        &mut Paced::new(&conn, BODY_PACE, pick("the file's bytes", "文件的字节")),
        dir,
        &name,
        size,
        existing,
        &ProgressBar::hidden(),
    ) {
        Ok(received) => received,
        Err(failed) => {
            say!(server, "{addr}: {failed}" | "{addr}：{failed}");
            return false;
        }
    };

    // 4. our md5 back to the sender, 5. its verdict.
    say!(
        server,
        "received {} bytes, md5 {}: sent back for the sender to check"
            | "收到 {} 字节，md5 {}：发回给发送端核对",
        received.size,
        received.md5
    );
    // Each "nothing saved" below drops `received` first: its partial file is gone before
    // the line says so (a test lists the directory as soon as it reads the line).
    if let Err(e) = conn.write_all(received.md5.as_bytes()) {
        drop(received);
        let e = error_text(&e);
        say!(
            server,
            "{addr}: {e}; nothing saved" | "{addr}：{e}；什么也没保存"
        );
        return false;
    }
    // The verdict: read until it is our md5's 32 bytes, or can no longer be (a byte that
    //    differs, or the end of the stream: a sender that disagrees may say so in a
    //    sentence of any length). Notes E's receiver takes one recv(1500) as the whole
    //    verdict, and refuses a correct one that came in pieces.
    let read = read_verdict(
        &mut Paced::new(
            &conn,
            HEADER_PACE,
            pick("the sender's verdict", "发送端的判定结果"),
        ),
        received.md5.as_bytes(),
    );
    let verdict = match read {
        Ok(verdict) => verdict,
        Err(e) => {
            drop(received);
            let e = error_text(&e);
            say!(
                server,
                "{addr}: no verdict ({e}); nothing saved"
                    | "{addr}：没有收到判定结果（{e}）；什么也没保存"
            );
            return false;
        }
    };
    if verdict != received.md5.as_bytes() {
        drop(received);
        say!(
            server,
            "the sender's verdict is {}, not our md5: nothing saved"
                | "发送端的判定结果是 {}，不是我们的 md5：什么也没保存",
            describe(&verdict)
        );
        return false;
    }
    match received.save(existing) {
        Ok(saved) => {
            say!(
                server,
                "the sender confirmed the md5: saved {name:?}, {} bytes"
                    | "发送端确认了 md5：已保存 {name:?}，{} 字节",
                saved.size
            );
            true
        }
        Err(failed) => {
            say!(server, "{failed}");
            false
        }
    }
}

/// Reads a verdict that should be `ours`: until all its bytes have come, or the bytes so
/// far stop being its start, or the stream ends; whatever came is returned (equal to
/// `ours` only in the first case).
fn read_verdict(input: &mut impl Read, ours: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut verdict = Vec::with_capacity(ours.len());
    let mut buf = [0u8; MD5_HEX_LEN];
    while verdict.len() < ours.len() && ours.starts_with(&verdict) {
        let want = ours.len() - verdict.len();
        match input.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => verdict.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(verdict)
}

/// Why `dir`'s file system cannot take a file of `size` bytes now (statvfs(3): the blocks
/// free to an unprivileged user, and a free inode where the file system counts them), or
/// `None`.
#[cfg(unix)]
// statvfs's counts are u64 on Linux, u32 on some other Unixes: the conversions are needed there.
#[allow(clippy::useless_conversion)]
fn no_room(dir: &Path, size: u64) -> Option<String> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs(3) fills the struct we pass; the path is a valid C string.
    let mut fs = unsafe { std::mem::zeroed::<libc::statvfs>() };
    if unsafe { libc::statvfs(path.as_ptr(), &mut fs) } != 0 {
        return None; // the write will say what is wrong
    }
    let free = u64::from(fs.f_bavail).saturating_mul(u64::from(fs.f_frsize));
    if free < size {
        return Some(tr!(
            "{} has {free} bytes free, {size} needed" | "{} 只剩 {free} 字节，需要 {size} 字节",
            dir.display()
        ));
    }
    // f_files 0: the file system does not count inodes (btrfs).
    if u64::from(fs.f_files) > 0 && u64::from(fs.f_favail) == 0 {
        return Some(tr!(
            "{} has no free inode for a new file" | "{} 没有空闲的 inode 来建新文件",
            dir.display()
        ));
    }
    None
}

#[cfg(not(unix))]
fn no_room(_dir: &Path, _size: u64) -> Option<String> {
    None
}

/// `NAME/SIZE` as notes E's sender sends it, checked: a plain name, a size in bytes. What
/// the sender sent is shown as a preview (at most 32 characters).
fn parse_name_size(bytes: &[u8]) -> Result<(String, u64), String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| tr!("NAME/SIZE is not UTF-8 text" | "NAME/SIZE 不是 UTF-8 文本"))?;
    let (name, size) = text.rsplit_once('/').ok_or_else(|| {
        tr!(
            "{} is not NAME/SIZE" | "{} 不是 NAME/SIZE 的形式",
            preview_text(text)
        )
    })?;
    let size = size.parse::<u64>().map_err(|_| {
        tr!(
            "{} is not a size in bytes" | "{} 不是以字节计的大小",
            preview_text(size)
        )
    })?;
    check_file_name(name)?;
    Ok((name.to_owned(), size))
}

/// Sends one file to a notes E §6 receiver (ours, or the notes' own).
pub fn notes_e_sender(at: &Endpoint, path: &Path) -> Result<(), Report> {
    let client = Transcript::client();
    if !path.is_file() {
        return Err(Report::msg(tr!(
            "{}: not a file" | "{}：不是文件",
            path.display()
        )));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut file = File::open(path)
        .map_err(|e| net::context(e, tr!("open {}" | "打开 {}", path.display())))?;
    let (size, md5) = md5_file(&mut file)?;
    let mut stream = at.connect()?;
    limits::await_answer(&stream, limits::answer_limit())?;

    // 1. "NAME/SIZE", 2. the receiver's answer.
    let offer = format!("{name}/{size}");
    say!(client, "send {}", describe(offer.as_bytes()));
    stream.write_all(offer.as_bytes())?;
    let mut buf = [0u8; NOTES_E_RECV];
    let n = limits::read(&stream, &mut buf).map_err(limits::answer_waited)?;
    if &buf[..n] != b"y" {
        return Err(Report::msg(tr!(
            "the receiver declined (it answered {})" | "接收端谢绝了（它回答的是 {}）",
            describe_peer(&buf[..n])
        )));
    }
    say!(
        client,
        "the receiver answered y: sending {size} bytes" | "接收端回答了 y：发送 {size} 字节"
    );

    // 3. the bytes, streamed (notes E sends 1500 at a time with a 0.3 s sleep between, "to
    //    avoid 粘包": the receiver knows the size, so no pause is needed).
    //    Under one clock (BODY_PACE): a receiver that answers y and then reads nothing
    //    cannot hold the sender (an attack held it for as long as it liked).
    let mut body = Paced::new(&stream, BODY_PACE, pick("the file's bytes", "文件的字节"));
    send_file(&mut body, &mut file, size, &ProgressBar::hidden())?;

    // 4. the receiver's md5: exactly 32 hex digits, however they are cut into segments
    //    (notes E's sender takes one recv(1500) as the whole md5). It comes as soon as the
    //    last byte has arrived; the 32 bytes then have HEADER_PACE. 5. the verdict.
    if !limits::answer_begins(&stream)? {
        return Err(Report::msg(tr!(
            "the receiver closed without sending its md5" | "接收端没有发来它的 md5 就关闭了连接"
        )));
    }
    let mut theirs = [0u8; MD5_HEX_LEN];
    Paced::new(
        &stream,
        HEADER_PACE,
        pick("the receiver's md5", "接收端的 md5"),
    )
    .read_exact(&mut theirs)
    .map_err(|e| match e.kind() {
        // std's words for it, "failed to fill whole buffer", say nothing of what was read
        // (an attack's receiver sent 3 of the 32 bytes and closed).
        std::io::ErrorKind::UnexpectedEof => Report::msg(tr!(
            "the receiver closed before its whole {MD5_HEX_LEN}-character md5 came"
                | "接收端还没发完它 {MD5_HEX_LEN} 个字符的 md5 就关闭了连接"
        )),
        _ => Report::from(e),
    })?;
    let theirs = &theirs[..];
    if theirs == md5.as_bytes() {
        stream.write_all(theirs)?;
        say!(
            client,
            "the receiver's md5 is ours, {md5}: confirmed (sent it back)"
                | "接收端的 md5 和我们的一样，是 {md5}：确认（把它发了回去）"
        );
        Ok(())
    } else {
        stream.write_all(MISMATCH)?;
        Err(Report::msg(tr!(
            "the receiver's md5 {} is not ours ({md5}): told it so"
                | "接收端的 md5 {} 不是我们的（{md5}）：已经告诉它了",
            describe(theirs)
        )))
    }
}
