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
//! Reading order: this file is notes A §9.2's server (download); `download.rs` its client;
//! `served.rs` what the server opens and saves to (only regular files, in one step) and
//! how it sends a file; `upload.rs` is notes C's upload, `text_transfer.rs` notes E §6's
//! receiver and sender, `headers.rs` the headers in every dialect, `log.rs` the server's log gates,
//! `cli.rs` the command line, `scenes.rs` the demo.
//!
//! Previous: lesson 08, a JSON header. Next: lesson 10, authenticating a client.

mod cli;
mod download;
mod headers;
mod log;
mod notes;
mod notes_c_ftp;
mod notes_e_text;
mod scenes;
mod served;
mod text_transfer;
mod upload;

use download::download;
use log::{Gated, Gates};
use served::{not_a_regular_file, open_regular, send_file};

use headers::{DownloadHeader, DownloadRefused};
use indicatif::ProgressBar;
use socket_lessons::guard::digest_cache::Md5Cache;
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::names::{check_file_name, why_refused};
use socket_lessons::guard::pace::{Pace, Paced};
use socket_lessons::guard::quiet::{preview_text, LogGate};
use socket_lessons::guard::saving::Existing;
use socket_lessons::guard::sniff;
use socket_lessons::lang::{error_text, pick};
use socket_lessons::reason;
use socket_lessons::stage::demo::{self, Hooks};
use socket_lessons::stage::progress::progress_bar;
use socket_lessons::stage::serve::serve_in_turn_gated;
use socket_lessons::stage::transcript::text_lossy;
use socket_lessons::wire::header::{self, write_header, Reason};
use socket_lessons::wire::net;
use socket_lessons::{say, Report, Transcript};
use std::fs;
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// The most bytes read as one download request (notes A §9.2 reads `recv(1024)`).
const REQUEST_MAX: usize = 1024;

/// The word that ends a session (notes A §9.2).
const QUIT: &[u8] = b"q";

/// `q` as a file name: a download request `q` ends the session, so a file of that name
/// could be uploaded and never downloaded (review 29, attack 2, U7). Refused for uploads
/// (server and client) and by the download client, with this reason; the smaller change
/// than a request grammar that tells a name `q` from the word.
pub fn the_quit_word(name: &str) -> Option<Reason> {
    (name.as_bytes() == QUIT).then(|| {
        socket_lessons::reason!(
            "refused name \"q\": it is the word that ends a session, so a file of that name could never be downloaded"
                | "名字 \"q\" 不可用：它是结束会话的词，叫这个名字的文件永远下载不了"
        )
    })
}

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
        // (A signal, the server stopped and continued, is not the client's doing:
        // peek_start waits on with the time that was left.)
        let seen = match sniff::peek_start(&conn, &mut first, 3, QUIT, &wait) {
            Ok(0) => {
                end(gates, &|log| {
                    say!(log, "{addr} closed the connection" | "{addr} 关闭了连接")
                });
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
                        "{addr}: {}; closing" | "{addr}：{}；关闭连接",
                        limits::timed_out(
                            pick("waiting for a request", "等待请求"),
                            rules.limits.idle
                        )
                    )
                });
                return;
            }
            Err(e) => {
                let e = error_text(&e);
                end(gates, &|log| say!(log, "{addr}: {e}" | "{addr}：{e}"));
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
            end(gates, &|log| {
                say!(
                    log,
                    "closing the connection to {addr}" | "关闭与 {addr} 的连接"
                )
            });
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
            | "{addr}：已服务 {limit}，到了会话时限：关闭这条连接，让别的客户端也能轮到"
    );
}

/// Whether the first bytes of a request can start a file name: printable text. An upload
/// starts with `struct.pack('i', len(header))`; this server reads headers of at most 64 KiB
/// (65,536 bytes), so the length's fourth byte is 0 and its third is 0 (or 1, for exactly
/// 64 KiB): a control character, which no name contains, within three bytes ([`sniff`]).
fn looks_like_a_name(first: &[u8]) -> bool {
    sniff::is_text_start(first)
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
                say!(log, "recv failed: {}" | "recv 失败：{}", error_text(&e));
                return false;
            }
        }
    };
    let request = &buf[..n];
    if request == QUIT {
        say!(
            log,
            "recv -> b\"q\": the client is done" | "recv -> b\"q\"：客户端结束了"
        );
        return false;
    }
    let name = text_lossy(request);
    // A preview: a name of 1,024 bytes is logged by its first 32 characters and its length.
    say!(
        log,
        "download request for {}" | "下载请求：{}",
        preview_text(&name)
    );

    // The error header is wire bytes, English in both languages (as lesson 06's refusal
    // is); the log line says why in the language of the moment.
    let refuse = |conn: &mut TcpStream, why: Reason| -> bool {
        say!(
            log,
            "{why}; answering with an error header" | "{why}；回答一个带 error 的 JSON 报头"
        );
        let answer = DownloadRefused {
            file_name: &name,
            error: &why.wire,
            data_all: 0,
        };
        let label = pick("the refusal", "拒绝的回答");
        header::encode(&answer)
            .and_then(|json| write_header(&mut Paced::new(conn, BODY_PACE, label), &json))
            .map_err(|e| say!(log, "write failed: {}" | "写入失败：{}", error_text(&e)))
            .is_ok()
    };
    if std::str::from_utf8(request).is_err() {
        let shown = preview_text(&name);
        return refuse(
            conn,
            reason!("refused name {shown}: it is not UTF-8" | "名字 {shown} 不可用：它不是 UTF-8"),
        );
    }
    if let Some(why) = why_refused(&name) {
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
    // The name in log lines as the request was: whole up to 32 characters, else its first
    // 32 and its length.
    let shown = preview_text(&name);
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
        Err(e) => {
            let why = Reason::of(&e).within(
                |e| format!("cannot read {shown}: {e}"),
                |e| format!("读不了 {shown}：{e}"),
            );
            return refuse(conn, why);
        }
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
        Err(e) => return refuse(conn, Reason::of(&e)),
    };
    say!(log, "header {}" | "JSON 报头 {}", text_lossy(&json));

    // 4. the header, then the body streamed from the file (sendfile on Linux), both under
    // one clock (BODY_PACE): a client that stops reading, or reads a little now and then,
    // is given up on, however many partial writes it allows.
    say!(
        log,
        "sending the header and {size} bytes" | "发送 JSON 报头和 {size} 字节的真实数据"
    );
    let bar = bar(bars, size, &name);
    let mut answer = Paced::new(conn, BODY_PACE, pick("the download", "下载"));
    let sent = write_header(&mut answer, &json)
        .and_then(|()| send_file(&mut answer, &mut file, size, &bar));
    bar.finish_and_clear();
    if let Err(e) = sent {
        say!(
            log,
            "sending {shown} failed: {}" | "发送 {shown} 失败：{}",
            error_text(&e)
        );
        return false;
    }
    true
}

/// The most candidate names an ambiguous download request's refusal lists; the rest are
/// counted (`and 295 more`).
const CANDIDATES_SHOWN: usize = 5;

/// The file a download request names: `name` itself when it is there; for a name without
/// an extension that is not there, the one file `name.EXT` in `dir` (notes A's server
/// serves `girl.png` for `girl`); two or more candidates are refused as ambiguous.
fn with_extension(dir: &Path, name: &str) -> Result<String, Reason> {
    if name.contains('.') || fs::symlink_metadata(dir.join(name)).is_ok() {
        return Ok(name.to_owned());
    }
    let prefix = format!("{name}.");
    let listed = dir.display();
    let mut found: Vec<String> = fs::read_dir(dir)
        .map_err(|e| {
            Reason::of(&e).within(
                |e| format!("cannot list {listed}: {e}"),
                |e| format!("列不出 {listed} 的内容：{e}"),
            )
        })?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&prefix) && check_file_name(n).is_ok())
        .collect();
    found.sort();
    match found.len() {
        0 => Ok(name.to_owned()), // "no such file" comes next, with the name as asked
        1 => Ok(found.remove(0)),
        _ => {
            // At most CANDIDATES_SHOWN names, each as a short preview, and a count of the
            // rest: 300 files `a.…` make one short line and a small error header, not a
            // 75 KB line and a header over the 64 KiB limit (review 29, attack 2, U1).
            let shown: Vec<String> = found
                .iter()
                .take(CANDIDATES_SHOWN)
                .map(|n| preview_text(n))
                .collect();
            let more = found.len() - shown.len();
            let (mut en, mut zh) = (shown.join(", "), shown.join("、"));
            if more > 0 {
                en.push_str(&format!(" and {more} more"));
                zh.push_str(&format!(" 等 {} 个", found.len()));
            }
            let name = preview_text(name);
            Err(Reason {
                wire: format!("{name} could be any of {en}: ask for one by its full name"),
                shown: socket_lessons::tr!(
                    "{name} could be any of {en}: ask for one by its full name"
                        | "{name} 可能是 {zh} 中的任何一个：请用完整的名字来要"
                ),
            })
        }
    }
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
fn main() -> std::process::ExitCode {
    socket_lessons::stage::report::end(run())
}

fn run() -> Result<(), Report> {
    match socket_lessons::stage::cli::parse_in::<cli::Cli>(&cli::ZH).side {
        None => demo::play(scenes::run_demo),
        Some(side) => cli::run(side),
    }
}
