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
//!   with the reason. The server serves only regular files from its directory, opened
//!   without following a link and checked through the open descriptor (`open_regular`), and
//!   a missing file gets an error answer, not a dead connection;
//! - every request is under a clock of its own (a header 10 s, then 500 B/s, 20 s at most; a
//!   body 10 s, then 1 MiB/s), a connection under `--session-limit`, and the log under
//!   gates: a client that drips, stalls or floods costs the others a bounded time and the
//!   log a bounded number of short lines;
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
//! starts with a 4-byte length, and for any header this server accepts (at most 64 KiB) the
//! length's fourth byte is 0 and its third 0 (1 for exactly 64 KiB), control characters no
//! name contains. The server peeks at the first bytes to tell them apart (see
//! `looks_like_a_name`).
//!
//! Run it:
//! - `cargo run --example 09_file_header`: the demo, in a temporary directory;
//! - terminal 1: `cargo run --example 09_file_header -- server --dir some/dir`;
//!   terminal 2: `cargo run --example 09_file_header -- download NAME --dir here`, or
//!   `cargo run --example 09_file_header -- upload PATH`.
//!
//! Reading order: this file is notes A §9.2's program, the server (download) and then the
//! client; `upload.rs` is notes C's upload, `notes_e.rs` notes E §6's receiver and sender,
//! `headers.rs` the headers in every dialect, `cli.rs` the command line, `scenes.rs` the demo.
//!
//! Previous: lesson 08, a JSON header. Next: lesson 10, authenticating a client.

mod cli;
mod headers;
mod notes;
mod notes_c_ftp;
mod notes_e;
mod notes_e_text;
mod scenes;
mod upload;

use headers::{DownloadHeader, DownloadRefused, FileHeader};
use indicatif::ProgressBar;
use socket_lessons::guard::digest_cache::Md5Cache;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::names::check_file_name;
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{preview_text, LogGate};
use socket_lessons::guard::saving::{receive_file, Existing};
use socket_lessons::guard::sniff;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::progress::progress_bar;
use socket_lessons::stage::serve::serve_in_turn_gated;
use socket_lessons::stage::transcript::text_lossy;
use socket_lessons::wire::header::{self, read_header, write_header};
use socket_lessons::wire::net;
use socket_lessons::{say, tr, Report, Transcript};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// The most bytes read as one download request (notes A §9.2 reads `recv(1024)`).
const REQUEST_MAX: usize = 1024;

/// The word that ends a session (notes A §9.2).
const QUIT: &[u8] = b"q";

/// How long the server serves one connection in all, in seconds, unless told otherwise
/// (`--session-limit`): then it closes it after the request under way, and serves the next
/// client. nginx calls the same limit `keepalive_time`.
pub const DEFAULT_SESSION_SECS: u64 = 600;

// ---------------------------------------------------------------------------------------
// The server (notes A §9.2's server: a name in, header and file out)
// ---------------------------------------------------------------------------------------

/// How the server treats its clients.
struct Rules {
    /// How long it waits for a request.
    limits: Limits,
    /// How long one connection is served in all.
    session: Duration,
    /// Whether an upload may replace a file of the same name.
    existing: Existing,
    /// Progress bars (two terminals; never in the demo).
    bars: bool,
}

/// How long a request's header (an upload's 4-byte length and JSON) may take once its first
/// byte has come: 10 s, then 500 bytes a second, 20 s at most (Apache's mod_reqtimeout
/// gives a request's header `header=20-40,MinRate=500`; this server serves one client at a
/// time, so it is stricter). A header is a hundred bytes or so.
const HEADER_PACE: Pace = Pace::new(Duration::from_secs(10), 500).at_most(Duration::from_secs(20));

/// How long a body (an upload's, a download's, a refused upload's that is read and dropped)
/// may take: 10 s, then at least 1 MiB (8 Mbit) a second on average, counted over the whole
/// body, so that a peer that moves a few bytes now and then cannot stretch it. A peer on a
/// slower link than that is cut off on a large file: this one-at-a-time server would be
/// everyone's for as long as it took.
pub const BODY_PACE: Pace = Pace::new(Duration::from_secs(10), 1 << 20);

/// The server's log, bounded whatever clients send: each kind of event gets at most 20
/// lines' worth in any 10 s, then a count; and a line shows at most a short preview of what
/// a client sent.
struct Gates {
    /// A request (a download or an upload): its lines count as one event.
    requests: LogGate,
    /// A connection's end: closed, `q`, idle, the session limit, a failure.
    ends: LogGate,
}

impl Gates {
    fn new() -> Self {
        Self {
            requests: LogGate::new(20, Duration::from_secs(10)),
            ends: LogGate::new(20, Duration::from_secs(10)),
        }
    }
}

/// The server's log for one event: prints what the event's gate let through, nothing
/// else. `say!(log, …)` works as on a [`Transcript`].
pub struct Gated<'a> {
    server: &'a Transcript,
    shown: bool,
}

impl<'a> Gated<'a> {
    /// Asks `gate` about one event; if lines were held back before it, says how many.
    fn admit(gate: &mut LogGate, server: &'a Transcript) -> Self {
        let held = gate.admit();
        if let Some(held @ 1..) = held {
            say!(
                server,
                "({held} more like the next were not logged)"
                    | "（之前还有 {held} 条同类记录没有写出）"
            );
        }
        Self {
            server,
            shown: held.is_some(),
        }
    }

    /// Prints `text` if this event is shown.
    pub fn say(&self, text: impl std::fmt::Display) {
        if self.shown {
            self.server.say(text);
        }
    }
}

/// Serves clients one after another, for ever (a demo's `hooks` end it after its clients):
/// the notes' `while True: client_socket, client_addr = server.accept()`. The files' md5s
/// are remembered for as long as it serves (in memory: a restart hashes them again).
fn serve(listener: &TcpListener, dir: &Path, rules: &Rules, hooks: &Hooks) -> Result<(), Report> {
    let server = &Transcript::server();
    let md5s = Md5Cache::default();
    let mut gates = Gates::new();
    let mut accepts = LogGate::new(20, Duration::from_secs(10));
    serve_in_turn_gated(listener, hooks, &mut accepts, |conn, addr| {
        serve_client(conn, addr, dir, rules, &md5s, &mut gates, server)
    });
    Ok(())
}

/// One connection: requests until the client closes or the stream is out of step, or the
/// session limit.
fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    dir: &Path,
    rules: &Rules,
    md5s: &Md5Cache,
    gates: &mut Gates,
    server: &Transcript,
) {
    let started = Instant::now();
    loop {
        // 0. peek at the first bytes (without taking them) to tell the two requests apart.
        //    A client gets `--idle-limit` to begin its next request (less if its session
        //    has less time left); then each request has its own clocks.
        let left = rules.session.saturating_sub(started.elapsed());
        let capped = left < rules.limits.idle;
        let wait = Limits {
            idle: rules.limits.idle.min(left),
            ..rules.limits
        };
        let end = |gates: &mut Gates, line: &dyn Fn(&Gated)| {
            line(&Gated::admit(&mut gates.ends, server));
        };
        if left < Duration::from_millis(1) {
            end(gates, &|log| session_over(log, addr, rules.session));
            net::close_gently(conn, Duration::from_secs(2), 1 << 20);
            return;
        }
        let mut first = [0u8; 4];
        let peeked = loop {
            match sniff::peek_start(&conn, &mut first, 3, QUIT, &wait) {
                // A signal (the server stopped and continued: signal(7)) is not the
                // client's doing: peek again.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        let seen = match peeked {
            Ok(0) => {
                end(gates, &|log| say!(log, "{addr} closed the connection"));
                return;
            }
            Ok(n) => n,
            Err(e) if limits::is_timeout(&e) && capped => {
                end(gates, &|log| session_over(log, addr, rules.session));
                net::close_gently(conn, Duration::from_secs(2), 1 << 20);
                return;
            }
            Err(e) if limits::is_timeout(&e) => {
                end(gates, &|log| {
                    say!(
                        log,
                        "{addr}: {}; closing",
                        limits::timed_out("waiting for a request", rules.limits.idle)
                    )
                });
                return;
            }
            Err(e) => {
                end(gates, &|log| say!(log, "{addr}: {e}"));
                return;
            }
        };
        let log = Gated::admit(&mut gates.requests, server);
        let go_on = if looks_like_a_name(&first[..seen]) {
            serve_download(&mut conn, dir, rules.bars, md5s, &log)
        } else {
            upload::serve_upload(&mut conn, dir, rules, &log)
        };
        if !go_on {
            end(gates, &|log| say!(log, "closing the connection to {addr}"));
            return;
        }
    }
}

/// The line when a connection has had its session limit.
fn session_over(log: &Gated, addr: SocketAddr, limit: Duration) {
    let limit = limits::seconds(limit);
    say!(
        log,
        "{addr}: served for {limit}, the session limit: closing the connection, so that \
         others get their turn"
            | "{addr}：已服务 {limit}，到了会话时限：关闭这个连接，让别的客户端也能轮到"
    );
}

/// Whether the first bytes of a request can start a file name: printable text. An upload
/// starts with `struct.pack('i', len(header))`; this server reads headers of at most 64 KiB
/// (65,536 bytes), so the length's fourth byte is 0 and its third is 0 (or 1, for exactly
/// 64 KiB): a control character, which no name contains, within three bytes ([`sniff`]).
fn looks_like_a_name(first: &[u8]) -> bool {
    sniff::is_text_start(first)
}

/// Opens `dir/name` to serve it, in one step with its checks: never through a link, never
/// blocking, and only a regular file. `name` is a plain name (checked by
/// [`check_file_name`]), so its last component is the only one a link could be.
///
/// A check by name and then an open by name (`symlink_metadata`, then `File::open`) are
/// two steps, and between them someone who can write in the directory can swap the file
/// for a link to a file outside it: the check sees the file, the open follows the link.
/// Here the open itself refuses a link (`O_NOFOLLOW`: ELOOP), does not wait for a writer
/// on a FIFO (`O_NONBLOCK`), and what it opened is checked through the descriptor
/// (`fstat`): whatever the name is by the time of the open, the bytes served are those of
/// the regular file the descriptor holds. (Windows: `FILE_FLAG_OPEN_REPARSE_POINT` opens a
/// link itself instead of its target, and the type check refuses it.)
pub fn open_regular(path: &Path) -> Result<File, String> {
    let shown = path
        .file_name()
        .map(|n| preview_text(&n.to_string_lossy()))
        .unwrap_or_default();
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_FLAG_OPEN_REPARSE_POINT
        options.custom_flags(0x0020_0000);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(tr!("no such file: {shown}" | "没有这个文件：{shown}"))
        }
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(tr!("{shown} is a symbolic link: not followed, not served"
                | "{shown} 是符号链接：不跟随，不提供"))
        }
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(tr!(
                "{shown} is a socket or a device: not a regular file, not served"
                    | "{shown} 是套接字或设备：不是普通文件，不提供"
            ))
        }
        Err(e) => return Err(tr!("cannot open {shown}: {e}" | "打不开 {shown}：{e}")),
    };
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        Ok(meta) => Err(tr!(
            "{shown} is {}: not a regular file, not served" | "{shown} 是{}：不是普通文件，不提供",
            kind_of(&meta.file_type())
        )),
        Err(e) => Err(tr!("cannot read {shown}: {e}" | "读不了 {shown}：{e}")),
    }
}

/// What a directory entry is, in a few words: `a directory`, `a FIFO`, `a symbolic link`.
pub fn kind_of(kind: &fs::FileType) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return tr!("a FIFO (named pipe)" | "一个 FIFO（命名管道）");
        }
        if kind.is_socket() {
            return tr!("a socket" | "一个套接字");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return tr!("a device" | "一个设备");
        }
    }
    if kind.is_dir() {
        tr!("a directory" | "一个目录")
    } else if kind.is_symlink() {
        tr!("a symbolic link" | "一个符号链接")
    } else {
        tr!("not a regular file" | "不是普通文件")
    }
}

/// Why a received file may not be given the name `dir/name`: something there already that
/// is not a regular file (a directory, a FIFO, a socket, a link someone planted). The
/// final step (`rename`, or a hard link) never opens or follows what is there, so nothing
/// is written through it; this only says so before any byte is received, instead of
/// replacing a planted link or failing on a directory at the end.
pub fn not_a_regular_file(dir: &Path, name: &str) -> Option<String> {
    let meta = fs::symlink_metadata(dir.join(name)).ok()?;
    (!meta.is_file()).then(|| {
        let shown = preview_text(name);
        let kind = kind_of(&meta.file_type());
        tr!(
            "{shown} is {kind} in the directory: not replaced, nothing saved"
                | "{shown} 在目录里是{kind}：不替换，什么也没保存"
        )
    })
}

/// A download (notes A §9.2). Returns whether the connection can go on.
fn serve_download(
    conn: &mut TcpStream,
    dir: &Path,
    bars: bool,
    md5s: &Md5Cache,
    log: &Gated,
) -> bool {
    // 1. the name, one recv(1024); `q` ends the session.
    // SIMPLIFICATION: one read is one request, as in the notes: the request has no header,
    // and the client sends the next only after the whole file has come. (The bytes are
    // there: peek_start saw them.)
    let mut buf = [0u8; REQUEST_MAX];
    let n = loop {
        match conn.read(&mut buf) {
            Ok(0) => return false,
            Ok(n) => break n,
            // A signal (a stop and continue, signal(7)) is not the client's doing.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                say!(log, "recv failed: {e}");
                return false;
            }
        }
    };
    let request = &buf[..n];
    if request == QUIT {
        say!(log, "recv -> b\"q\": the client is done");
        return false;
    }
    let name = text_lossy(request);
    // A preview: a name of 1,024 bytes is logged by its first 32 characters and its length.
    say!(log, "download request for {}", preview_text(&name));

    let refuse = |conn: &mut TcpStream, why: String| -> bool {
        say!(log, "{why}; answering with an error header");
        let answer = DownloadRefused {
            file_name: &name,
            error: &why,
            data_all: 0,
        };
        header::encode(&answer)
            .and_then(|json| write_header(&mut Paced::new(conn, BODY_PACE, "the refusal"), &json))
            .map_err(|e| say!(log, "write failed: {e}"))
            .is_ok()
    };
    if std::str::from_utf8(request).is_err() {
        return refuse(
            conn,
            format!("refused name {}: it is not UTF-8", preview_text(&name)),
        );
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

    // 2. open it: only a regular file in the directory, opened without following a link
    // and checked through the open descriptor (open_regular), so a link to /etc/passwd
    // placed in the directory, or swapped in for the file at any moment, is not served.
    let path = dir.join(&name);
    let mut file = match open_regular(&path) {
        Ok(file) => file,
        Err(why) => return refuse(conn, why),
    };

    // 3. hash it first: the header, with the md5, goes before the body. One pass over the
    // file; the notes read the whole file into memory instead (`fp.read()`). An unchanged
    // file's md5 is remembered from an earlier download (same device, inode, size, times,
    // all read through the descriptor). If the file changes after this, the bytes sent are
    // not those hashed: the client's md5 check fails and it deletes what it received (or,
    // if it shrank, the body ends short); either way nothing wrong is saved, and the next
    // download hashes it again.
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
    say!(log, "header {}", text_lossy(&json));

    // 4. the header, then the body streamed from the file (sendfile on Linux), both under
    // one clock (BODY_PACE): a client that stops reading, or reads a little now and then,
    // is given up on, however many partial writes it allows.
    say!(log, "sending the header and {size} bytes");
    let bar = bar(bars, size, &name);
    let mut answer = Paced::new(conn, BODY_PACE, "the download");
    let sent = write_header(&mut answer, &json)
        .and_then(|()| send_file(&mut answer, &mut file, size, &bar));
    bar.finish_and_clear();
    if let Err(e) = sent {
        say!(log, "sending {name:?} failed: {e}");
        return false;
    }
    true
}

/// Sends exactly `size` bytes of `file` from its current position under `answer`'s clock,
/// in steps of 8 MiB (a progress update several times a second). Fails if the file ends
/// early (it shrank after it was hashed).
fn send_file(answer: &mut Paced, file: &mut File, size: u64, bar: &ProgressBar) -> io::Result<()> {
    const STEP: u64 = 8 << 20;
    let mut sent = 0u64;
    while sent < size {
        let n = answer.send_file(file, STEP.min(size - sent))?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the file ended after {sent} of {size} bytes: it shrank while being sent"),
            ));
        }
        sent += n;
        bar.inc(n);
    }
    Ok(())
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
    if let Some(why) = not_a_regular_file(dir, name) {
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

    // 2. the header, in whichever dialect the server speaks. Its first byte may take a
    // while (the server hashes the file first: a second or two per GiB), so that wait is
    // the long one (60 s, `limits::answer_limit`); the header itself then has HEADER_PACE.
    if !limits::answer_begins(stream)? {
        return Err(Report::msg("the server closed the connection"));
    }
    let Some(header) =
        read_header::<FileHeader>(&mut Paced::new(stream, HEADER_PACE, "the answer's header"))?
    else {
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
    if let Some(why) = not_a_regular_file(dir, &saved_as) {
        say!(client, "{why}");
        return Err(Report::msg("the stream is out of step; giving up"));
    }
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

    // 3. the body, streamed into a temporary file, verified, renamed; under one clock
    // (BODY_PACE), so that a server that stalls halfway is given up on.
    let bar = bar(bars, size, &saved_as);
    let received = receive_file(
        &mut Paced::new(stream, BODY_PACE, "the download's body"),
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
