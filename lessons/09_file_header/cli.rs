//! The command line: the subcommands for two terminals, and what each one runs.

use crate::serve;
use crate::text_transfer::{notes_e_receiver, notes_e_sender, NOTES_E_PORT};
use crate::upload::upload;
use crate::{download, Rules};
use crate::{notes, notes_c_ftp, notes_e_text};
use clap::{Args, Parser, Subcommand};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::saving::{self, Existing};
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::stage::demo::Hooks;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Endpoint, Report, Transcript};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Lesson 09: files with a JSON header (notes A §9.2, C FTP上传下载文件, E §6).
///
/// With no subcommand, runs a server and clients in a temporary directory: a download, an
/// upload, and every bad request the curriculum lists. For two terminals: `server --dir D`
/// first, then `download NAME…` or `upload PATH…`. The notes' own three programs, in plain
/// Rust: `notes-server` / `notes-client` (notes A), `notes-c-ftp-…` (notes C), `notes-e-text-…`
/// (notes E).
#[derive(Parser)]
#[command(version)]
pub struct Cli {
    #[command(subcommand)]
    pub side: Option<Side>,
}

#[derive(Subcommand)]
pub enum Side {
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
        /// How long, in seconds, one connection is served in all before it is closed,
        /// after the request under way (so that a client that keeps sending cannot hold
        /// this one-at-a-time server for ever)
        #[arg(long, value_name = "SECS", default_value_t = crate::DEFAULT_SESSION_SECS,
              value_parser = clap::value_parser!(u64).range(1..))]
        session_limit: u64,
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
    /// Run notes A §9.2's download server, in plain Rust (notes.rs): serves NAME.png from the
    /// current directory, on the notes' port 9696 unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run notes A §9.2's download client, in plain Rust (notes.rs): type a name (`girl`) and
    /// it saves nb_girl.png here; `q` or end of input quits.
    NotesClient(NotesEndpoint),
    /// Run notes C FTP上传下载文件's upload server, in plain Rust (notes_c_ftp.rs): saves one
    /// file into the current directory, on the notes' port 8090 unless told otherwise.
    NotesCFtpServer(NotesEndpoint),
    /// Run notes C FTP上传下载文件's upload client, in plain Rust (notes_c_ftp.rs): sends the
    /// file `config` from the current directory, as the notes do.
    NotesCFtpClient(NotesEndpoint),
    /// Run notes E §6 文本文件传输's receiver, in plain Rust (notes_e_text.rs): on the notes'
    /// port 1024 unless told otherwise; type y to take the file, saved as zyk.NAME here.
    NotesETextServer(NotesEndpoint),
    /// Run notes E §6 文本文件传输's sender, in plain Rust (notes_e_text.rs).
    NotesETextClient {
        #[command(flatten)]
        at: NotesEndpoint,
        /// The file to send (the notes' `file_path`)
        path: PathBuf,
    },
}

/// Where notes E §6's receiver listens: its own port, 1024.
#[derive(Args)]
pub struct NotesEAt {
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

/// One side, for two terminals.
pub fn run(side: Side) -> Result<(), Report> {
    match side {
        Side::Server {
            at,
            dir,
            idle_limit,
            session_limit,
            overwrite,
        } => {
            prepare(&dir, &Transcript::server())?;
            let listener = at.listen(ListenOptions::new())?;
            say!(Transcript::server(), "serving {}", dir.display());
            let rules = Rules {
                limits: Limits::server(Duration::from_secs(idle_limit)),
                session: Duration::from_secs(session_limit),
                existing: existing(overwrite),
                bars: true,
            };
            serve(&listener, &dir, &rules, &Hooks::none())
        }
        Side::Download {
            at,
            dir,
            overwrite,
            names,
        } => {
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
        Side::Receiver {
            at,
            dir,
            overwrite,
            idle_limit,
        } => {
            let server = Transcript::server();
            prepare(&dir, &server)?;
            let listener = at.endpoint().listen(ListenOptions::new())?;
            let waits = Limits::server(Duration::from_secs(idle_limit));
            notes_e_receiver(&listener, &dir, existing(overwrite), &waits, &server);
            Ok(())
        }
        Side::Sender { at, path } => notes_e_sender(&at.endpoint(), &path),
        Side::NotesServer(at) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::server(&host, port)?)
        }
        Side::NotesClient(at) => {
            let (host, port) = at.or(notes::HOST, notes::PORT);
            Ok(notes::client(&host, port)?)
        }
        Side::NotesCFtpServer(at) => {
            let (host, port) = at.or(notes_c_ftp::HOST, notes_c_ftp::PORT);
            Ok(notes_c_ftp::server(&host, port)?)
        }
        Side::NotesCFtpClient(at) => {
            let (host, port) = at.or(notes_c_ftp::HOST, notes_c_ftp::PORT);
            Ok(notes_c_ftp::client(&host, port)?)
        }
        Side::NotesETextServer(at) => {
            let (host, port) = at.or(notes_e_text::HOST, notes_e_text::PORT);
            Ok(notes_e_text::server(&host, port)?)
        }
        Side::NotesETextClient { at, path } => {
            let (host, port) = at.or(notes_e_text::HOST, notes_e_text::PORT);
            Ok(notes_e_text::client(&host, port, &path)?)
        }
        Side::Upload { at, paths } => {
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
pub fn prepare(dir: &Path, who: &Transcript) -> Result<(), Report> {
    if !dir.is_dir() {
        return Err(Report::msg(format!(
            "{} is not a directory (create it first)",
            dir.display()
        )));
    }
    let stale = saving::remove_stale(dir)?;
    if !stale.is_empty() {
        say!(
            who,
            "removed {} partial file(s) an interrupted run left in {}: {}",
            stale.len(),
            dir.display(),
            stale.join(", ")
        );
    }
    saving::remove_on_interrupt();
    Ok(())
}

pub fn existing(overwrite: bool) -> Existing {
    if overwrite {
        Existing::Replace
    } else {
        Existing::Keep
    }
}
