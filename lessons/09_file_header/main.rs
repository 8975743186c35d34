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
//!   file and says why ([`socket_lessons::files`]);
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
//! Previous: lesson 08, a JSON header. Next: lesson 10, authenticating a client.

use clap::{Args, Parser, Subcommand};
use indicatif::ProgressBar;
use serde::{Deserialize, Serialize};
use socket_lessons::demo::{self, Cue};
use socket_lessons::files::{
    self, check_file_name, md5_file, receive_file, send_body, Existing, Failed,
};
use socket_lessons::header::{self, hex, md5_hex, read_header, write_header, write_message};
use socket_lessons::limits::{self, Limits};
use socket_lessons::net::{self, ListenOptions};
use socket_lessons::sniff;
use socket_lessons::transcript::describe;
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The most bytes read as one download request (notes A §9.2 reads `recv(1024)`).
const REQUEST_MAX: usize = 1024;

/// The word that ends a session (notes A §9.2).
const QUIT: &[u8] = b"q";

/// After refusing an upload whose header was readable, the server reads and discards its
/// body so that the connection stays usable (and closing does not reset it), up to this
/// many bytes; a bigger body ends the connection instead.
const DISCARD_MAX: u64 = 64 << 20;

// ---------------------------------------------------------------------------------------
// The headers, in the notes' dialects
// ---------------------------------------------------------------------------------------

/// What the server sends before a download: notes A §9.2's keys.
#[derive(Serialize)]
struct DownloadHeader<'a> {
    /// The name without its extension (notes A: `"girl"`).
    file_name: &'a str,
    /// The extension (notes A: `"png"`).
    file_type: &'a str,
    /// md5 hexdigest.
    file_hex: &'a str,
    /// Size in bytes.
    data_all: u64,
}

/// What the server sends instead, when it cannot serve a download. `data_all: 0` and no
/// `file_hex`, so that notes A's client, which has no error handling, receives an empty
/// body, finds the md5 missing and prints 文件已损坏 instead of saving anything.
#[derive(Serialize)]
struct DownloadRefused<'a> {
    file_name: &'a str,
    error: &'a str,
    data_all: u64,
}

/// What the client sends before an upload: notes C's keys, plus the md5 notes C lacks.
#[derive(Serialize)]
struct UploadHeader<'a> {
    /// Where the file was on the sender (notes C sends it; a receiver ignores it).
    filepath: &'a str,
    filename: &'a str,
    filesize: u64,
    md5: &'a str,
}

/// The server's answer to an upload (this lesson's addition; notes C's server sends none).
#[derive(Serialize, Deserialize, Debug, Default)]
struct Verdict {
    #[serde(skip_serializing_if = "Option::is_none")]
    saved: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filesize: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    md5: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Any file header of the notes, as read: each field under every name the notes use. A
/// missing field is `None` (serde's rule for `Option`), and the checks below say which.
#[derive(Deserialize, Debug, Default)]
struct FileHeader {
    /// notes C/D `filename`, notes A `file_name`.
    #[serde(rename = "filename", alias = "file_name")]
    name: Option<String>,
    /// notes A: the extension, kept apart from `file_name`.
    file_type: Option<String>,
    /// notes C upload `filesize`, notes C/D `total_size`, notes A `data_all`.
    #[serde(rename = "filesize", alias = "total_size", alias = "data_all")]
    size: Option<u64>,
    /// notes C/D `md5`, notes A `file_hex`.
    #[serde(alias = "file_hex")]
    md5: Option<String>,
    /// A refusal (this lesson's server).
    error: Option<String>,
}

impl FileHeader {
    /// The file's full name: notes A splits it into `file_name` and `file_type`.
    fn full_name(&self) -> Result<String, String> {
        let name = self
            .name
            .as_deref()
            .ok_or("the header has no name (filename or file_name)")?;
        Ok(match self.file_type.as_deref() {
            Some(ext) if !ext.is_empty() && !name.ends_with(&format!(".{ext}")) => {
                format!("{name}.{ext}")
            }
            _ => name.to_owned(),
        })
    }

    /// The size, which every dialect has under one name or another.
    fn size(&self) -> Result<u64, String> {
        self.size
            .ok_or_else(|| "the header has no size (filesize, total_size or data_all)".into())
    }
}

// ---------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------

/// Lesson 09: files with a JSON header (notes A §9.2, C FTP上传下载文件, E §6).
///
/// With no subcommand, runs a server and clients in a temporary directory: a download, an
/// upload, and every bad request the curriculum lists. For two terminals: `server --dir D`
/// first, then `download NAME…` or `upload PATH…`.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    side: Option<Side>,
}

#[derive(Subcommand)]
enum Side {
    /// Serve downloads from DIR and accept uploads into it (start it first).
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// The directory files are served from and uploaded into
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// The longest wait, in seconds, for a client's next request before closing it
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// Let an upload replace a file of the same name (otherwise it is refused)
        #[arg(long)]
        overwrite: bool,
    },
    /// Download files by name into DIR.
    Download {
        #[command(flatten)]
        at: Endpoint,
        /// The directory to save into
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Replace a file of the same name in DIR (otherwise it is not downloaded)
        #[arg(long)]
        overwrite: bool,
        /// File names on the server (plain names, no paths)
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Upload files to the server.
    Upload {
        #[command(flatten)]
        at: Endpoint,
        /// Files to send; each is saved on the server under its file name
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Receive one file the way notes E §6 文本文件传输 does (its 接收端: listens, reads
    /// `name/size`, answers `y`, receives, sends back its md5, waits for the verdict).
    Receiver {
        #[command(flatten)]
        at: NotesEAt,
        /// The directory to save into
        #[arg(long, default_value = ".")]
        dir: PathBuf,
        /// Replace a file of the same name (otherwise the transfer is declined)
        #[arg(long)]
        overwrite: bool,
        /// The longest wait, in seconds, for a sender's first bytes before closing it
        #[arg(long, value_name = "SECS", default_value_t = limits::DEFAULT_IDLE_SECS)]
        idle_limit: u64,
    },
    /// Send one file the way notes E §6 文本文件传输 does (its 发送端: connects to a
    /// receiver).
    Sender {
        #[command(flatten)]
        at: NotesEAt,
        /// The file to send
        path: PathBuf,
    },
}

/// Where notes E §6's receiver listens: its own port, 1024.
#[derive(Args)]
struct NotesEAt {
    /// Host name or IP address
    #[arg(long, default_value = net::DEFAULT_HOST)]
    host: String,
    /// TCP port (notes E §6 uses 1024); for the receiver, 0 asks the OS for a free one
    #[arg(long, default_value_t = NOTES_E_PORT)]
    port: u16,
}

impl NotesEAt {
    fn endpoint(&self) -> Endpoint {
        Endpoint {
            host: self.host.clone(),
            port: self.port,
        }
    }
}

fn main() -> Result<(), Report> {
    match socket_lessons::cli::parse::<Cli>().side {
        None => demo::play(run_demo),
        Some(Side::Server {
            at,
            dir,
            idle_limit,
            overwrite,
        }) => {
            prepare(&dir, &Transcript::server())?;
            let listener = at.listen(ListenOptions::new())?;
            say!(Transcript::server(), "serving {}", dir.display());
            let rules = Rules {
                limits: Limits::server(Duration::from_secs(idle_limit)),
                existing: existing(overwrite),
                bars: true,
            };
            serve(&listener, &dir, None, &rules, &Cue::off(), &Cue::off())
        }
        Some(Side::Download {
            at,
            dir,
            overwrite,
            names,
        }) => {
            let client = Transcript::client();
            prepare(&dir, &client)?;
            let mut stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            let mut failures = 0;
            for name in &names {
                if !download(&mut stream, name, &dir, existing(overwrite), true, &client)? {
                    failures += 1;
                }
            }
            if failures > 0 {
                return Err(Report::msg(format!("{failures} download(s) failed")));
            }
            Ok(())
        }
        Some(Side::Receiver {
            at,
            dir,
            overwrite,
            idle_limit,
        }) => {
            let server = Transcript::server();
            prepare(&dir, &server)?;
            let listener = at.endpoint().listen(ListenOptions::new())?;
            let waits = Limits::server(Duration::from_secs(idle_limit));
            notes_e_receiver(&listener, &dir, existing(overwrite), &waits, &server);
            Ok(())
        }
        Some(Side::Sender { at, path }) => notes_e_sender(&at.endpoint(), &path),
        Some(Side::Upload { at, paths }) => {
            let mut stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            let client = Transcript::client();
            let mut failures = 0;
            for path in &paths {
                if !upload(&mut stream, path, true, &client)? {
                    failures += 1;
                }
            }
            if failures > 0 {
                return Err(Report::msg(format!("{failures} upload(s) failed")));
            }
            Ok(())
        }
    }
}

/// Before a side receives into `dir`: the directory must exist (checked before any
/// connection), temporary files an interrupted earlier run left there are removed (one
/// line), and Ctrl-C will remove this run's own.
fn prepare(dir: &Path, who: &Transcript) -> Result<(), Report> {
    if !dir.is_dir() {
        return Err(Report::msg(format!(
            "{} is not a directory (create it first)",
            dir.display()
        )));
    }
    let stale = files::remove_stale(dir)?;
    if !stale.is_empty() {
        say!(
            who,
            "removed {} partial file(s) an interrupted run left in {}: {}",
            stale.len(),
            dir.display(),
            stale.join(", ")
        );
    }
    files::remove_on_interrupt();
    Ok(())
}

fn existing(overwrite: bool) -> Existing {
    if overwrite {
        Existing::Replace
    } else {
        Existing::Keep
    }
}

// ---------------------------------------------------------------------------------------
// The server
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

/// Serves clients one after another (`None`: forever). `accepted` and `finished` are demo
/// cues.
fn serve(
    listener: &TcpListener,
    dir: &Path,
    clients: Option<usize>,
    rules: &Rules,
    accepted: &Cue,
    finished: &Cue,
) -> Result<(), Report> {
    let server = &Transcript::server();
    serve::serve_in_turn(listener, clients, accepted, finished, |conn, addr| {
        serve_client(conn, addr, dir, rules, server)
    });
    Ok(())
}

/// One connection: requests until the client closes or the stream is out of step.
fn serve_client(
    mut conn: TcpStream,
    addr: SocketAddr,
    dir: &Path,
    rules: &Rules,
    server: &Transcript,
) {
    loop {
        // 1. peek at the first bytes (without taking them) to tell the two requests apart.
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
            serve_download(&mut conn, dir, rules.bars, server)
        } else {
            serve_upload(&mut conn, dir, rules, server)
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
fn serve_download(conn: &mut TcpStream, dir: &Path, bars: bool, server: &Transcript) -> bool {
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
    let name = String::from_utf8_lossy(request).into_owned();
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
    // file; the notes read the whole file into memory instead (`fp.read()`).
    let (size, md5) = match md5_file(&mut file) {
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
    say!(server, "header {}", String::from_utf8_lossy(&json));

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

/// An upload (notes C). Returns whether the connection can go on.
fn serve_upload(conn: &mut TcpStream, dir: &Path, rules: &Rules, server: &Transcript) -> bool {
    // 1. header length and header, with the framing checks (negative, too long, cut off).
    let header = match read_header::<FileHeader>(conn) {
        Ok(Some(header)) => header,
        Ok(None) => return false,
        Err(e) => {
            // The stream is out of step: nothing tells where the next message starts.
            say!(server, "upload refused: {e}");
            answer_verdict(conn, &refusal(&e.to_string()), server);
            return false;
        }
    };
    // 2. what the header must say: a size, and a plain name.
    let size = match header.size() {
        Ok(size) => size,
        Err(why) => {
            say!(server, "upload refused: {why}");
            answer_verdict(conn, &refusal(&why), server);
            return false;
        }
    };
    let name = match header
        .full_name()
        .and_then(|n| check_file_name(&n).map(|()| n))
    {
        Ok(name) => name,
        Err(why) => {
            say!(server, "upload refused: {why}");
            answer_verdict(conn, &refusal(&why), server);
            return discard(conn, size);
        }
    };
    if rules.existing == Existing::Keep && fs::symlink_metadata(dir.join(&name)).is_ok() {
        let why = format!(
            "{name:?} exists already and is not replaced (the server runs without --overwrite)"
        );
        say!(server, "upload refused: {why}");
        answer_verdict(conn, &refusal(&why), server);
        return discard(conn, size);
    }
    let md5 = header.md5.as_deref();
    say!(
        server,
        "upload of {name:?}: {size} bytes, md5 {}",
        md5.unwrap_or("none (notes C's client sends none: only the size can be checked)")
    );

    // 3. the body, into a temporary file, hashed on the way, renamed when it checks out.
    let bar = bar(rules.bars, size, &name);
    let received = receive_file(conn, dir, &name, size, md5, rules.existing, &bar);
    bar.finish_and_clear();
    match received {
        Ok(saved) => {
            say!(
                server,
                "saved {name:?}: {} bytes, md5 {}",
                saved.size,
                saved.md5
            );
            answer_verdict(
                conn,
                &Verdict {
                    saved: Some(true),
                    filename: Some(name),
                    filesize: Some(saved.size),
                    md5: Some(saved.md5),
                    error: None,
                },
                server,
            )
        }
        Err(Failed { reason, in_step }) => {
            say!(server, "upload of {name:?} failed: {reason}");
            let told = answer_verdict(conn, &refusal(&reason), server);
            if !in_step {
                // The client may still be sending (the disk filled up halfway): read and
                // drop the rest for a moment, so that the verdict reaches it instead of a
                // reset (see net::close_gently).
                let _ = conn.shutdown(Shutdown::Write);
                let mut rest = [0u8; 64 * 1024];
                let deadline = Instant::now() + Duration::from_secs(2);
                while Instant::now() < deadline {
                    match conn.read(&mut rest) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            }
            told && in_step
        }
    }
}

fn refusal(why: &str) -> Verdict {
    Verdict {
        saved: Some(false),
        error: Some(why.to_owned()),
        ..Verdict::default()
    }
}

/// Sends the verdict. A notes C client has already closed its socket; that is not an error.
fn answer_verdict(conn: &mut TcpStream, verdict: &Verdict, server: &Transcript) -> bool {
    match header::encode(verdict).and_then(|json| write_header(conn, &json)) {
        Ok(()) => true,
        Err(e) => {
            say!(server, "no verdict sent (the client is gone: {e})");
            false
        }
    }
}

/// Reads and drops the body of a refused upload, so that the connection stays in step.
fn discard(conn: &mut TcpStream, size: u64) -> bool {
    if size > DISCARD_MAX {
        return false;
    }
    matches!(io::copy(&mut Read::by_ref(conn).take(size), &mut io::sink()), Ok(n) if n == size)
}

fn bar(show: bool, size: u64, name: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    files::progress_bar(size).with_message(name.to_owned())
}

// ---------------------------------------------------------------------------------------
// The clients
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
        && header.file_type.as_deref().is_some_and(|t| !t.is_empty());
    (with_type && check_file_name(theirs).is_ok()).then(|| theirs.to_owned())
}

/// Sends one file and prints the server's verdict. `Ok(false)`: refused or failed.
fn upload(
    stream: &mut TcpStream,
    path: &Path,
    bars: bool,
    client: &Transcript,
) -> Result<bool, Report> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if let Err(why) = check_file_name(&name) {
        say!(client, "{}: {why}", path.display());
        return Ok(false);
    }
    if !path.is_file() {
        say!(
            client,
            "{}: not a file (a directory, or missing): not sent",
            path.display()
        );
        return Ok(false);
    }
    let mut file =
        File::open(path).map_err(|e| net::context(e, format!("open {}", path.display())))?;
    // 1. hash first: the md5 goes in the header, before the body.
    let (size, md5) = md5_file(&mut file)?;
    // notes C puts the sender's folder in `filepath`. No receiver uses it, and it tells the
    // other side about this machine's disk: this client sends ".".
    let json = header::encode(&UploadHeader {
        filepath: ".",
        filename: &name,
        filesize: size,
        md5: &md5,
    })?;
    say!(
        client,
        "upload {name:?}: header {}",
        String::from_utf8_lossy(&json)
    );

    // 2. header, then the body streamed from the file.
    let bar = bar(bars, size, &name);
    let sent = write_header(stream, &json).and_then(|()| send_body(&mut file, size, stream, &bar));
    bar.finish_and_clear();
    if let Err(e) = sent {
        // A server that refused halfway (its disk is full) says why before it closes: read
        // that instead of only the reset the unread rest of the body caused.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if let Ok(Some(Verdict {
            error: Some(why), ..
        })) = read_header::<Verdict>(stream)
        {
            say!(client, "the server stopped the upload: {why}");
            return Err(Report::msg("the connection is closed; giving up"));
        }
        return Err(net::context(e, "send the file").into());
    }

    // 3. the verdict.
    match read_header::<Verdict>(stream).map_err(limits::answer_waited)? {
        Some(Verdict {
            saved: Some(true),
            filesize,
            md5: Some(theirs),
            ..
        }) => {
            say!(
                client,
                "the server saved {name:?}: {} bytes, md5 {theirs}{}",
                filesize.unwrap_or(size),
                if theirs == md5 {
                    " (matches)"
                } else {
                    " (DIFFERENT from ours)"
                }
            );
            Ok(theirs == md5)
        }
        Some(verdict) => {
            say!(
                client,
                "the server refused: {}",
                verdict.error.as_deref().unwrap_or("no reason given")
            );
            Ok(false)
        }
        None => {
            say!(
                client,
                "the server closed without a verdict (notes C's server sends none): sent, \
                 not confirmed"
            );
            Ok(true)
        }
    }
}

// ---------------------------------------------------------------------------------------
// Notes E §6 文本文件传输: the receiver (接收端) and the sender (发送端)
// ---------------------------------------------------------------------------------------
//
// Its wire, as notes E's two functions speak it:
//   sender -> receiver   "NAME/SIZE" (one send, UTF-8, no header)
//   receiver -> sender   "y" to accept (anything else declines)
//   sender -> receiver   the file's bytes (notes E: 1500 at a time, 0.3 s apart)
//   receiver -> sender   the md5 hexdigest of what it received
//   sender -> receiver   that md5 again if it matches the sender's own, or something else

/// notes E §6's port.
const NOTES_E_PORT: u16 = 1024;

/// notes E §6 reads every message with `recv(1500)`.
const NOTES_E_RECV: usize = 1500;

/// What this sender answers when the receiver's md5 is not its own (notes E's sends a
/// sentence; any bytes that are not the md5 say the same).
const MISMATCH: &[u8] = b"md5 mismatch";

/// Serves senders one at a time until one file is saved (notes E's receiver takes one
/// sender and exits); a sender that misbehaves costs one line, and the next is served.
fn notes_e_receiver(
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
    let received = match files::receive_unsaved(
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
    if let Err(e) = conn.write_all(received.md5.as_bytes()) {
        say!(server, "{addr}: {e}; nothing saved");
        return false;
    }
    let n = match conn.read(&mut buf) {
        Ok(n) => n,
        Err(e) => {
            say!(server, "{addr}: no verdict ({e}); nothing saved");
            return false;
        }
    };
    if &buf[..n] != received.md5.as_bytes() {
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
fn notes_e_sender(at: &Endpoint, path: &Path) -> Result<(), Report> {
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

// ---------------------------------------------------------------------------------------
// The demo
// ---------------------------------------------------------------------------------------

/// The demo's directories, deleted at the end whatever happens.
struct Workspace(PathBuf);

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Known content: bytes from a fixed-seed generator (xorshift), so the md5 is the same on
/// every run and every machine.
fn known_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn run_demo() -> Result<(), Report> {
    let root = std::env::temp_dir().join(format!("socket-lessons-09-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let workspace = Workspace(root);
    let server_dir = workspace.0.join("server");
    let client_dir = workspace.0.join("client");
    fs::create_dir_all(&server_dir)?;
    fs::create_dir_all(&client_dir)?;

    let setup = Transcript::named("setup");
    let served = known_bytes(2_500_000, 0x09);
    fs::write(server_dir.join("lesson09.bin"), &served)?;
    say!(
        setup,
        "server directory: lesson09.bin, {} bytes, md5 {}",
        served.len(),
        md5_hex(&served)
    );
    let mine = known_bytes(700_000, 0x90);
    fs::write(client_dir.join("upload.bin"), &mine)?;
    say!(
        setup,
        "client directory: upload.bin, {} bytes, md5 {}",
        mine.len(),
        md5_hex(&mine)
    );

    // Every connection of the demo: 2 good ones, 8 bad ones.
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let (accepted, on_accepted) = demo::cue();
    let (finished, on_finished) = demo::cue();
    let dir = server_dir.clone();
    let server_side = demo::spawn("server", move || {
        let rules = Rules {
            limits: Limits::server(Duration::from_secs(limits::DEFAULT_IDLE_SECS)),
            existing: Existing::Keep,
            bars: false,
        };
        serve(&listener, &dir, Some(10), &rules, &accepted, &finished)
    })?;
    let client = Transcript::client();

    say!(
        Transcript::named("scene 1"),
        "download, notes A §9.2's header"
    );
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?; // demo only
    download(
        &mut stream,
        "lesson09.bin",
        &client_dir,
        Existing::Keep,
        false,
        &client,
    )?;
    say!(client, "close");
    drop(stream);
    on_finished.wait()?;
    let copy = fs::read(client_dir.join("lesson09.bin"))?;
    say!(
        client,
        "the copy is {} the original",
        if copy == served {
            "byte for byte"
        } else {
            "NOT"
        }
    );

    say!(
        Transcript::named("scene 2"),
        "upload, notes C's header plus an md5"
    );
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?; // demo only
    upload(&mut stream, &client_dir.join("upload.bin"), false, &client)?;
    say!(client, "close");
    drop(stream);
    on_finished.wait()?;

    say!(
        Transcript::named("scene 3"),
        "bad requests: one line each, then the next client"
    );
    bad_requests(addr, &mine, &on_accepted, &on_finished)?;
    server_side.join()?;

    say!(Transcript::named("scene 4"), "what is on disk now");
    for (who, dir) in [(&Transcript::server(), &server_dir), (&client, &client_dir)] {
        let mut names: Vec<String> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        names.sort();
        say!(who, "directory holds: {}", names.join(", "));
    }
    say!(
        Transcript::named("scene 4"),
        "no partial file, no file outside the directory: every bad transfer left nothing"
    );
    Ok(())
}

/// The curriculum's bad inputs, each on its own connection, as raw bytes.
fn bad_requests(
    addr: SocketAddr,
    body: &[u8],
    on_accepted: &demo::OnCue,
    on_finished: &demo::OnCue,
) -> Result<(), Report> {
    let md5 = md5_hex(body);
    // Length + header + body, as write_message sends them; a bad header is just bytes.
    let message = |json: &[u8], body: &[u8]| {
        let mut wire = Vec::new();
        // Writing into a Vec cannot fail.
        write_message(&mut wire, json, body).expect("a Vec takes every byte");
        wire
    };
    // A header for the whole file, followed by `sent`: all of it, or not quite.
    let upload = |name: &str, sent: &[u8]| {
        let json = header::encode(&UploadHeader {
            filepath: ".",
            filename: name,
            filesize: body.len() as u64,
            md5: &md5,
        })
        .expect("a small header encodes");
        message(&json, sent)
    };
    let mut flipped = body.to_vec();
    flipped[123_456] ^= 0x01;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("download \"../etc/passwd\"", b"../etc/passwd".to_vec()),
        ("download \"missing.bin\"", b"missing.bin".to_vec()),
        ("upload with header length -1", b"\xff\xff\xff\xff".to_vec()),
        (
            "upload with a header that is not JSON",
            message(b"filename=x.bin", b""),
        ),
        (
            "upload with a header without a size",
            message(br#"{"filepath":".","filename":"x.bin"}"#, b""),
        ),
        ("upload named \"../evil.bin\"", upload("../evil.bin", body)),
        (
            "upload whose body is one byte short",
            upload("short.bin", &body[..body.len() - 1]),
        ),
        (
            "upload with one byte flipped (byte 123456)",
            upload("flipped.bin", &flipped),
        ),
    ];
    let client = Transcript::client();
    for (what, wire) in cases {
        say!(client, "{what}: {}", preview(&wire));
        let mut stream = net::connect_addr(addr)?;
        on_accepted.wait()?; // demo only
        stream.write_all(&wire)?;
        // Half-close: "nothing more from me". The server sees the end of the stream where
        // the body stops short, and can still answer.
        stream.shutdown(Shutdown::Write)?;
        let answer = match read_header::<FileHeader>(&mut stream) {
            Ok(Some(answer)) => {
                format!("answer: {}", answer.error.as_deref().unwrap_or("no error?"))
            }
            Ok(None) => "the server closed without an answer".to_owned(),
            Err(e) => e.to_string(),
        };
        drop(stream);
        // DEMO ORDER: print the answer after the server's own lines about this connection.
        on_finished.wait()?;
        say!(client, "{answer}");
    }
    Ok(())
}

/// The first bytes of a request, for the transcript.
fn preview(wire: &[u8]) -> String {
    const SHOWN: usize = 12;
    if wire.len() <= SHOWN {
        format!("{} bytes {}", wire.len(), hex(wire))
    } else {
        format!("{} bytes {} …", wire.len(), hex(&wire[..SHOWN]))
    }
}
