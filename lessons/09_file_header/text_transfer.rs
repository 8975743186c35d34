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

use indicatif::ProgressBar;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::guard::saving::{self, Existing};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::files::{md5_file, send_body};
use socket_lessons::wire::net;
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;

/// notes E §6's port.
pub const NOTES_E_PORT: u16 = 1024;

/// notes E §6 reads every message with `recv(1500)`.
const NOTES_E_RECV: usize = 1500;

/// What this sender answers when the receiver's md5 is not its own (notes E's sends a
/// sentence; any bytes that are not the md5 say the same).
const MISMATCH: &[u8] = b"md5 mismatch";

/// Serves senders one at a time until one file is saved (notes E's receiver takes one
/// sender and exits); a sender that misbehaves costs one line, and the next is served.
pub fn notes_e_receiver(
    listener: &TcpListener,
    dir: &Path,
    existing: Existing,
    waits: &Limits,
    server: &Transcript,
) {
    loop {
        let (conn, addr) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) => {
                say!(server, "accept failed: {e}");
                continue;
            }
        };
        say!(server, "accept -> a sender from {addr}");
        if receive_one_notes_e(conn, addr, dir, existing, waits, server) {
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
    server: &Transcript,
) -> bool {
    // 1. "NAME/SIZE", one recv(1500), as notes E reads it.
    match waits.next_request(&conn) {
        Ok(true) => {}
        Ok(false) => {
            say!(server, "{addr} closed without sending anything");
            return false;
        }
        Err(e) if limits::is_timeout(&e) => {
            say!(
                server,
                "{addr}: {}; closing",
                limits::timed_out("waiting for NAME/SIZE", waits.idle)
            );
            return false;
        }
        Err(e) => {
            say!(server, "{addr}: {e}");
            return false;
        }
    }
    let mut buf = [0u8; NOTES_E_RECV];
    let n = match conn.read(&mut buf) {
        Ok(n) => n,
        Err(e) => {
            say!(server, "{addr}: recv failed: {e}");
            return false;
        }
    };
    say!(server, "recv({NOTES_E_RECV}) -> {}", describe(&buf[..n]));
    let (name, size) = match parse_name_size(&buf[..n]) {
        Ok(found) => found,
        Err(why) => {
            say!(server, "{why}: declined (answered n)");
            let _ = conn.write_all(b"n");
            return false;
        }
    };
    // 2. the answer. Notes E asks the person at the receiver (`input(...)`); this
    //    receiver accepts what it can save: a plain name, not already there.
    if existing == Existing::Keep && fs::symlink_metadata(dir.join(&name)).is_ok() {
        say!(
            server,
            "{name:?} exists already in {}: declined (answered n; --overwrite replaces it)",
            dir.display()
        );
        let _ = conn.write_all(b"n");
        return false;
    }
    say!(server, "{name:?}, {size} bytes: accepted (answered y)");
    if let Err(e) = conn.write_all(b"y") {
        say!(server, "{addr}: {e}");
        return false;
    }

    // 3. the bytes: exactly SIZE of them, into a temporary file, hashed on the way. (Notes
    //    E's receiver counts 1500 per recv whatever it returned, and decodes each chunk as
    //    text on its own: a short recv makes it wait for bytes that never come, and a
    //    chunk that ends inside a character fails to decode.)
    let received = match saving::receive_unsaved(
        &mut conn,
        dir,
        &name,
        size,
        existing,
        &ProgressBar::hidden(),
    ) {
        Ok(received) => received,
        Err(failed) => {
            say!(server, "{addr}: {failed}");
            return false;
        }
    };

    // 4. our md5 back to the sender, 5. its verdict.
    say!(
        server,
        "received {} bytes, md5 {}: sent back for the sender to check",
        received.size,
        received.md5
    );
    // Each "nothing saved" below drops `received` first: its partial file is gone before
    // the line says so (a test lists the directory as soon as it reads the line).
    if let Err(e) = conn.write_all(received.md5.as_bytes()) {
        drop(received);
        say!(server, "{addr}: {e}; nothing saved");
        return false;
    }
    let n = match conn.read(&mut buf) {
        Ok(n) => n,
        Err(e) => {
            drop(received);
            say!(server, "{addr}: no verdict ({e}); nothing saved");
            return false;
        }
    };
    if &buf[..n] != received.md5.as_bytes() {
        drop(received);
        say!(
            server,
            "the sender's verdict is {}, not our md5: nothing saved",
            describe(&buf[..n])
        );
        return false;
    }
    match received.save(existing) {
        Ok(saved) => {
            say!(
                server,
                "the sender confirmed the md5: saved {name:?}, {} bytes",
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

/// `NAME/SIZE` as notes E's sender sends it, checked: a plain name, a size in bytes.
fn parse_name_size(bytes: &[u8]) -> Result<(String, u64), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "NAME/SIZE is not UTF-8 text".to_owned())?;
    let (name, size) = text
        .rsplit_once('/')
        .ok_or_else(|| format!("{text:?} is not NAME/SIZE"))?;
    let size = size
        .parse::<u64>()
        .map_err(|_| format!("{size:?} is not a size in bytes"))?;
    check_file_name(name)?;
    Ok((name.to_owned(), size))
}

/// Sends one file to a notes E §6 receiver (ours, or the notes' own).
pub fn notes_e_sender(at: &Endpoint, path: &Path) -> Result<(), Report> {
    let client = Transcript::client();
    if !path.is_file() {
        return Err(Report::msg(format!("{}: not a file", path.display())));
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut file =
        File::open(path).map_err(|e| net::context(e, format!("open {}", path.display())))?;
    let (size, md5) = md5_file(&mut file)?;
    let mut stream = at.connect()?;
    limits::await_answer(&stream, limits::answer_limit())?;

    // 1. "NAME/SIZE", 2. the receiver's answer.
    let offer = format!("{name}/{size}");
    say!(client, "send {}", describe(offer.as_bytes()));
    stream.write_all(offer.as_bytes())?;
    let mut buf = [0u8; NOTES_E_RECV];
    let n = stream.read(&mut buf).map_err(limits::answer_waited)?;
    if &buf[..n] != b"y" {
        return Err(Report::msg(format!(
            "the receiver declined (it answered {})",
            describe(&buf[..n])
        )));
    }
    say!(client, "the receiver answered y: sending {size} bytes");

    // 3. the bytes, streamed (notes E sends 1500 at a time with a 0.3 s sleep between, "to
    //    avoid 粘包": the receiver knows the size, so no pause is needed).
    send_body(&mut file, size, &mut stream, &ProgressBar::hidden())?;

    // 4. the receiver's md5, 5. the verdict.
    let n = stream.read(&mut buf).map_err(limits::answer_waited)?;
    let theirs = &buf[..n];
    if theirs == md5.as_bytes() {
        stream.write_all(theirs)?;
        say!(
            client,
            "the receiver's md5 is ours, {md5}: confirmed (sent it back)"
        );
        Ok(())
    } else {
        stream.write_all(MISMATCH)?;
        Err(Report::msg(format!(
            "the receiver's md5 {} is not ours ({md5}): told it so",
            describe(theirs)
        )))
    }
}
