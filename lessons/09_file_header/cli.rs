//! The command line: the subcommands for two terminals, and what each one runs.

use crate::serve;
use crate::text_transfer::{notes_e_receiver, notes_e_sender, NOTES_E_PORT};
use crate::upload::upload;
use crate::{download, Rules};
use crate::{notes, notes_c_ftp, notes_e_text};
use clap::{Args, Parser, Subcommand};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::saving::{self, Existing};
use socket_lessons::stage::cli::{NotesEndpoint, ZhHelp};
use socket_lessons::stage::demo::Hooks;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Endpoint, Report, Transcript};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `--help` in Chinese.
pub const ZH: ZhHelp = ZhHelp {
    about: "第 09 课：用 JSON 报头传文件：下载与上传（笔记 A §9.2，笔记 C FTP上传下载文件，笔记 E §6）。",
    long_about: "第 09 课：用 JSON 报头传文件：下载与上传（笔记 A §9.2，笔记 C FTP上传下载文件，笔记 E §6）。\n\n\
                 不带子命令时，在一个临时目录里运行服务端和几个客户端：一次下载，一次上传，以及课程列出的每一种坏请求。\
                 两个终端：先运行 server --dir D，再运行 download NAME… 或 upload PATH…。\
                 笔记自己的三对程序，用纯 Rust 写成：notes-server / notes-client（笔记 A），\
                 notes-c-ftp-…（笔记 C），notes-e-text-…（笔记 E）。",
    subcommands: &[
        ("server", "从 DIR 提供下载，并把上传的文件存进 DIR（先启动它）"),
        ("download", "按名字下载文件，存进 DIR"),
        ("upload", "把文件上传到服务端"),
        ("receiver", "按笔记 E §6 文本文件传输的做法接收一个文件（它的接收端：监听，读 name/size，回答 y，接收，发回自己算出的 md5，等判定结果）"),
        ("sender", "按笔记 E §6 文本文件传输的做法发送一个文件（它的发送端：连接到接收端）"),
        ("notes-server", "运行笔记 A §9.2 的下载服务端，用纯 Rust 写成（notes.rs）：从当前目录提供 NAME.png，默认用笔记的端口 9696"),
        ("notes-client", "运行笔记 A §9.2 的下载客户端，用纯 Rust 写成（notes.rs）：输入一个名字（girl），它就把 nb_girl.png 存到这里；q 或输入结束（Ctrl-D）退出"),
        ("notes-c-ftp-server", "运行笔记 C FTP上传下载文件的上传服务端，用纯 Rust 写成（notes_c_ftp.rs）：把一个文件存进当前目录，默认用笔记的端口 8090"),
        ("notes-c-ftp-client", "运行笔记 C FTP上传下载文件的上传客户端，用纯 Rust 写成（notes_c_ftp.rs）：像笔记那样发送当前目录里的 config 文件"),
        ("notes-e-text-server", "运行笔记 E §6 文本文件传输的接收端，用纯 Rust 写成（notes_e_text.rs）：默认用笔记的端口 1024；输入 y 接收文件，存为这里的 zyk.NAME"),
        ("notes-e-text-client", "运行笔记 E §6 文本文件传输的发送端，用纯 Rust 写成（notes_e_text.rs）"),
    ],
    options: &[
        ("dir", "文件所在的目录：server 从这里提供文件、把上传的文件存到这里；download 和 receiver 把文件存到这里"),
        ("idle_limit", "等对方的下一个请求（receiver：发送端最初的字节）最多等多少秒，超时就关闭连接"),
        ("session_limit", "一条连接总共最多服务多少秒，在手头的请求之后关闭它（这样不停发送的客户端也不能永远占着这个一次只服务一个客户端的服务端）"),
        ("overwrite", "允许替换同名文件（否则 server 拒绝这次上传，download 不下载，receiver 谢绝这次传输）"),
        ("names", "服务端上的文件名（只是名字，不带路径）"),
        ("paths", "要发送的文件；每个文件在服务端上以它自己的文件名保存"),
        ("path", "要发送的文件（笔记 E 的 file_path）"),
        ("no_verdict_ok", "服务端不给判定结果就关闭连接时也算完成：笔记 C 的服务端不发判定结果。不加这个选项时，这样的上传算未确认，退出状态表示失败"),
    ],
};

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
        /// Count a close without a verdict as done: notes C's server sends none. Otherwise
        /// such an upload is not confirmed, and the exit status says it failed
        #[arg(long)]
        no_verdict_ok: bool,
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
            say!(
                Transcript::server(),
                "serving {}" | "提供目录 {}",
                dir.display()
            );
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
                return Err(Report::msg(tr!(
                    "{failures} download(s) failed" | "{failures} 个下载失败了"
                )));
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
        Side::Upload {
            at,
            paths,
            no_verdict_ok,
        } => {
            let mut stream = at.connect()?;
            limits::await_answer(&stream, limits::answer_limit())?;
            let client = Transcript::client();
            let mut failures = 0;
            for path in &paths {
                if !upload(&mut stream, path, true, no_verdict_ok, &client)? {
                    failures += 1;
                }
            }
            if failures > 0 {
                return Err(Report::msg(tr!(
                    "{failures} upload(s) failed" | "{failures} 个上传失败了"
                )));
            }
            Ok(())
        }
    }
}

/// Before a side receives into `dir`: the directory must exist (checked before any
/// connection), temporary files an interrupted earlier run left there are removed (one
/// line), Ctrl-C will remove this run's own, and a write past `ulimit -f` fails (EFBIG)
/// instead of killing the process.
pub fn prepare(dir: &Path, who: &Transcript) -> Result<(), Report> {
    if !dir.is_dir() {
        return Err(Report::msg(tr!(
            "{} is not a directory (create it first)" | "{} 不是目录（请先创建它）",
            dir.display()
        )));
    }
    let stale = saving::remove_stale(dir)?;
    if !stale.is_empty() {
        say!(
            who,
            "removed {} partial file(s) an interrupted run left in {}: {}"
                | "删掉了一次中断的运行留在 {1} 里的 {0} 个不完整的文件：{2}",
            stale.len(),
            dir.display(),
            stale.join(", ")
        );
    }
    saving::remove_on_interrupt();
    saving::fail_writes_past_the_size_limit();
    Ok(())
}

pub fn existing(overwrite: bool) -> Existing {
    if overwrite {
        Existing::Replace
    } else {
        Existing::Keep
    }
}
