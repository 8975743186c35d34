//! # Lesson 09: files with a JSON header, download and upload
//!
//! Follows notes A §9.2 解决思路 (the JSON header + md5 download), notes C FTP上传下载文件
//! (upload), notes E §6 文本文件传输.
//!
//! Both directions use lesson 08's message: `struct.pack('i', len(header))`, the header as
//! JSON, then the file's bytes. What the notes do not, and this lesson does:
//! - the file is streamed in 1 MiB chunks on both sides; memory stays flat for any size,
//!   and sizes are 64-bit, so files over 4 GiB work;
//! - the receiver hashes while receiving, writes to a hidden temporary name in the target
//!   directory, and renames only when size and md5 match; otherwise it deletes the partial
//!   file and says why ([`socket_lessons::wire::files`]);
//! - a name is a plain file name; a path (`../etc/passwd`), a NUL, an empty name is refused
//!   with the reason. The server serves only from its directory, and a missing file gets an
//!   error answer, not a dead connection;
//! - a progress bar on stderr when stderr is a terminal (nothing of it when piped).
//!
//! Wire formats, the notes' own, so their Python programs can be either side:
//! - download (notes A §9.2): the client sends the bare name; the server answers with the
//!   header `{"file_name", "file_type", "file_hex", "data_all"}` (name without extension,
//!   extension, md5, size) and the bytes;
//! - upload (notes C): the client sends `{"filepath", "filename", "filesize"}` (here with an
//!   `md5` too) and the bytes; this server answers with a verdict header
//!   (`{"saved": true, …}` or `{"error": …}`), which notes C's server does not send.
//!
//! On read, every dialect of the notes is accepted: `file_name` or `filename`, `data_all`,
//! `total_size` or `filesize`, `file_hex` or `md5` (serde aliases).
//!
//! One port serves both: a download request is a file name, which is text; an upload
//! starts with a 4-byte length whose last byte is 0 for any header under 16 MiB. The server
//! peeks at the first bytes to tell them apart (see `looks_like_a_name`).
//!
//! Run it:
//! - `cargo run --example 09_file_header`: the demo, in a temporary directory;
//! - terminal 1: `cargo run --example 09_file_header -- server --dir some/dir`;
//!   terminal 2: `cargo run --example 09_file_header -- download NAME --dir here`, or
//!   `cargo run --example 09_file_header -- upload PATH`.
//!
//! Reading order: this file is notes A §9.2's program, the server (download) and then the
//! client; `upload.rs` is notes C's upload, `text_transfer.rs` notes E §6's receiver and sender,
//! `headers.rs` the headers in every dialect, `cli.rs` the command line, `scenes.rs` the demo.
//!
//! Previous: lesson 08, a JSON header. Next: lesson 10, authenticating a client.

mod cli;
mod headers;
mod notes;
mod notes_c_ftp;
mod notes_e_text;
mod scenes;
mod text_transfer;
mod upload;

use headers::{DownloadHeader, DownloadRefused, FileHeader};
use indicatif::ProgressBar;
use socket_lessons::guard::digest_cache::Md5Cache;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::guard::saving::{receive_file, Existing};
use socket_lessons::guard::sniff;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::progress::progress_bar;
use socket_lessons::stage::serve::serve_in_turn;
use socket_lessons::stage::transcript::text_lossy;
use socket_lessons::wire::files::send_body;
use socket_lessons::wire::header::{self, read_header, write_header};
use socket_lessons::{say, Report, Transcript};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;

/// The most bytes read as one download request (notes A §9.2 reads `recv(1024)`).
const REQUEST_MAX: usize = 1024;

/// The word that ends a session (notes A §9.2).
const QUIT: &[u8] = b"q";

// ---------------------------------------------------------------------------------------
// The server (notes A §9.2's server: a name in, header and file out)
// ---------------------------------------------------------------------------------------

/// How the server treats its clients.
struct Rules {
    /// How long it waits for a request, and inside one.
    limits: Limits,
    /// Whether an upload may replace a file of the same name.
    existing: Existing,
    /// Progress bars (two terminals; never in the demo).
    bars: bool,
}

/// Serves clients one after another, for ever (a demo's `hooks` end it after its clients):
/// the notes' `while True: client_socket, client_addr = server.accept()`. The files' md5s
/// are remembered for as long as it serves (in memory: a restart hashes them again).
fn serve(listener: &TcpListener, dir: &Path, rules: &Rules, hooks: &Hooks) -> Result<(), Report> {
    let server = &Transcript::server();
    let md5s = Md5Cache::default();
    serve_in_turn(listener, hooks, |conn, addr| {
        serve_client(conn, addr, dir, rules, &md5s, server)
    });
    Ok(())
}

/// One connection: requests until the client closes or the stream is out of step.
fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    dir: &Path,
    rules: &Rules,
    md5s: &Md5Cache,
    server: &Transcript,
) {
    loop {
        // 0. peek at the first bytes (without taking them) to tell the two requests apart.
        //    A client gets `--idle-limit` to begin its next request, then the shorter
        //    message limit for each read and write inside it.
        let mut first = [0u8; 4];
        let seen = match sniff::peek_start(&conn, &mut first, 3, QUIT, &rules.limits) {
            Ok(0) => {
                say!(server, "{addr} closed the connection");
                return;
            }
            Ok(n) => n,
            Err(e) if limits::is_timeout(&e) => {
                say!(
                    server,
                    "{addr}: {}; closing",
                    limits::timed_out("waiting for a request", rules.limits.idle)
                );
                return;
            }
            Err(e) => {
                say!(server, "{addr}: {e}");
                return;
            }
        };
        let go_on = if looks_like_a_name(&first[..seen]) {
            serve_download(&mut conn, dir, rules.bars, md5s, server)
        } else {
            upload::serve_upload(&mut conn, dir, rules, server)
        };
        if !go_on {
            say!(server, "closing the connection to {addr}");
            return;
        }
    }
}

/// Whether the first bytes of a request can start a file name: printable text. An upload
/// starts with `struct.pack('i', len(header))`, whose third byte is 0 for any header under
/// 64 KiB (the most this server reads), so three bytes decide ([`sniff`]).
fn looks_like_a_name(first: &[u8]) -> bool {
    sniff::is_text_start(first)
}

/// A download (notes A §9.2). Returns whether the connection can go on.
fn serve_download(
    conn: &mut TcpStream,
    dir: &Path,
    bars: bool,
    md5s: &Md5Cache,
    server: &Transcript,
) -> bool {
    // 1. the name, one recv(1024); `q` ends the session.
    // SIMPLIFICATION: one read is one request, as in the notes: the request has no header,
    // and the client sends the next only after the whole file has come.
    let mut buf = [0u8; REQUEST_MAX];
    let n = match conn.read(&mut buf) {
        Ok(0) => return false,
        Ok(n) => n,
        Err(e) => {
            say!(server, "recv failed: {e}");
            return false;
        }
    };
    let request = &buf[..n];
    if request == QUIT {
        say!(server, "recv -> b\"q\": the client is done");
        return false;
    }
    let name = text_lossy(request);
    say!(server, "download request for {name:?}");

    let refuse = |conn: &mut TcpStream, why: String| -> bool {
        say!(server, "{why}; answering with an error header");
        let answer = DownloadRefused {
            file_name: &name,
            error: &why,
            data_all: 0,
        };
        header::encode(&answer)
            .and_then(|json| write_header(conn, &json))
            .map_err(|e| say!(server, "write failed: {e}"))
            .is_ok()
    };
    if std::str::from_utf8(request).is_err() {
        return refuse(conn, format!("refused name {name:?}: it is not UTF-8"));
    }
    if let Err(why) = check_file_name(&name) {
        return refuse(conn, why);
    }
    // Notes A §9.2's client asks for `girl` and its server opens `girl.png`: a name without
    // an extension that is not there is looked for with one.
    let name = match with_extension(dir, &name) {
        Ok(found) => found,
        Err(why) => return refuse(conn, why),
    };

    // 2. open it: only a regular file in the directory. symlink_metadata does not follow a
    // link, so a link to /etc/passwd placed in the directory is not served either.
    let path = dir.join(&name);
    match fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return refuse(conn, format!("{name:?} is not a regular file")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return refuse(conn, format!("no such file: {name:?}"))
        }
        Err(e) => return refuse(conn, format!("cannot read {name:?}: {e}")),
    }
    let mut file = match File::open(&path) {
        Ok(file) => file,
        Err(e) => return refuse(conn, format!("cannot open {name:?}: {e}")),
    };

    // 3. hash it first: the header, with the md5, goes before the body. One pass over the
    // file; the notes read the whole file into memory instead (`fp.read()`). An unchanged
    // file's md5 is remembered from an earlier download (same device, inode, size, times).
    // If the file changes after this, the bytes sent are not those hashed: the client's
    // md5 check fails and it deletes what it received (or, if it shrank, the body ends
    // short); either way nothing wrong is saved, and the next download hashes it again.
    let (size, md5) = match md5s.md5(&path, &mut file) {
        Ok(done) => done,
        Err(e) => return refuse(conn, format!("cannot read {name:?}: {e}")),
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, ext),
        _ => (name.as_str(), ""),
    };
    let json = match header::encode(&DownloadHeader {
        file_name: stem,
        file_type: ext,
        file_hex: &md5,
        data_all: size,
    }) {
        Ok(json) => json,
        Err(e) => return refuse(conn, e.to_string()),
    };
    say!(server, "header {}", text_lossy(&json));

    // 4. the header, then the body streamed from the file (sendfile on Linux).
    say!(server, "sending the header and {size} bytes");
    let bar = bar(bars, size, &name);
    let sent = write_header(conn, &json).and_then(|()| send_body(&mut file, size, conn, &bar));
    bar.finish_and_clear();
    if let Err(e) = sent {
        say!(server, "sending {name:?} failed: {e}");
        return false;
    }
    true
}

/// The file a download request names: `name` itself when it is there; for a name without
/// an extension that is not there, the one file `name.EXT` in `dir` (notes A's server
/// serves `girl.png` for `girl`); two or more candidates are refused as ambiguous.
fn with_extension(dir: &Path, name: &str) -> Result<String, String> {
    if name.contains('.') || fs::symlink_metadata(dir.join(name)).is_ok() {
        return Ok(name.to_owned());
    }
    let prefix = format!("{name}.");
    let mut found: Vec<String> = fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix) && check_file_name(n).is_ok())
        .collect();
    found.sort();
    match found.len() {
        0 => Ok(name.to_owned()), // "no such file" comes next, with the name as asked
        1 => Ok(found.remove(0)),
        _ => Err(format!(
            "{name:?} could be any of {}: ask for one by its full name",
            found.join(", ")
        )),
    }
}

// ---------------------------------------------------------------------------------------
// The client (notes A §9.2's client: a name out, header and file in)
// ---------------------------------------------------------------------------------------

/// Asks for `name`, receives it into `dir`. `Ok(true)`: saved; `Ok(false)`: refused by the
/// server or failed its md5, the connection still usable; `Err`: the connection is not.
fn download(
    stream: &mut TcpStream,
    name: &str,
    dir: &Path,
    existing: Existing,
    bars: bool,
    client: &Transcript,
) -> Result<bool, Report> {
    if let Err(why) = check_file_name(name) {
        say!(client, "{why}");
        return Ok(false);
    }
    if existing == Existing::Keep && fs::symlink_metadata(dir.join(name)).is_ok() {
        say!(
            client,
            "{name:?} exists already in {}: not downloaded (--overwrite replaces it)",
            dir.display()
        );
        return Ok(false);
    }
    say!(client, "download {name:?}");
    // 1. the request: the bare name, in one write (notes A §9.2).
    stream.write_all(name.as_bytes())?;

    // 2. the header, in whichever dialect the server speaks.
    let Some(header) = read_header::<FileHeader>(stream).map_err(limits::answer_waited)? else {
        return Err(Report::msg("the server closed the connection"));
    };
    if let Some(error) = &header.error {
        say!(client, "the server refused: {error}");
        return Ok(false);
    }
    let (size, theirs) = match header.size().and_then(|s| Ok((s, header.full_name()?))) {
        Ok(found) => found,
        Err(why) => {
            say!(client, "bad header: {why}");
            return Err(Report::msg("the stream is out of step; giving up"));
        }
    };
    // The file is saved under the name asked for, never one the server chooses: a server
    // naming another file (`victim.txt` for `x.bin`) is refused. The one allowance is notes
    // A §9.2's server, which answers `girl` with `file_name: girl, file_type: png`.
    let Some(saved_as) = name_to_save(name, &header, &theirs) else {
        say!(
            client,
            "the server's header names {theirs:?}, not {name:?}: refused, nothing saved"
        );
        return Err(Report::msg("the stream is out of step; giving up"));
    };
    say!(
        client,
        "header: {saved_as:?}, {size} bytes, md5 {}",
        header.md5.as_deref().unwrap_or("none")
    );
    if header.md5.is_none() {
        say!(
            client,
            "WARNING: the header has no md5: only the size can be checked, a corrupted body would be saved"
        );
    }

    // 3. the body, streamed into a temporary file, verified, renamed.
    let bar = bar(bars, size, &saved_as);
    let received = receive_file(
        stream,
        dir,
        &saved_as,
        size,
        header.md5.as_deref(),
        existing,
        &bar,
    );
    bar.finish_and_clear();
    match received {
        Ok(saved) => {
            say!(
                client,
                "saved {saved_as:?}: {} bytes, md5 {}{}",
                saved.size,
                saved.md5,
                if header.md5.is_some() {
                    " (matches)"
                } else {
                    " (UNVERIFIED: no md5 to check)"
                }
            );
            Ok(true)
        }
        Err(failed) => {
            say!(client, "{failed}");
            if failed.in_step {
                Ok(false)
            } else {
                Err(Report::msg("the connection is broken; giving up"))
            }
        }
    }
}

/// The name to save a download under: the name asked for, or that name plus the extension
/// a notes A §9.2 server gives in `file_type` when the name asked for had none. `None`
/// when the header names another file.
fn name_to_save(asked: &str, header: &FileHeader, theirs: &str) -> Option<String> {
    if theirs == asked {
        return Some(asked.to_owned());
    }
    let with_type = header.name.as_deref() == Some(asked)
        && !asked.contains('.')
        && header.file_type.as_deref().is_some_and(plain_extension);
    (with_type && check_file_name(theirs).is_ok()).then(|| theirs.to_owned())
}

/// An extension as a file type is written: 1 to 16 ASCII letters and digits (`png`,
/// `mp4`). Not `.`, not `a b`, not `part`: the server may name the type, not the rest of
/// the name.
fn plain_extension(file_type: &str) -> bool {
    (1..=16).contains(&file_type.len())
        && file_type.bytes().all(|b| b.is_ascii_alphanumeric())
        && file_type != "part"
}

fn bar(show: bool, size: u64, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    progress_bar(size).with_message(name.to_owned())
}

// ---------------------------------------------------------------------------------------
// The command line: the demo, or one side
// ---------------------------------------------------------------------------------------

/// No subcommand: the demo ([`scenes`]); otherwise one side, for two terminals ([`cli`]).
fn main() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse::<cli::Cli>().side {
        None => demo::play(scenes::run_demo),
        Some(side) => cli::run(side),
    }
}
