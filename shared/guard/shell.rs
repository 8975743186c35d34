//! Running a client's command line through the shell, with limits (lessons 07 and 08).
//!
//! The notes' servers (notes A §9.1, notes B 模拟ssh, notes C 远程执行命令, notes D) do
//! `subprocess.Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE)` and then
//! `stdout.read()` followed by `stderr.read()`. Three things can go wrong there that a real
//! server has to handle:
//!
//! - **A command that never ends** (`ping` without `-c`, `cat` waiting for input, `sleep
//!   1000`) holds the connection forever. Here the command gets no stdin (it reads end of
//!   file at once) and is killed after [`CommandLimits::time`].
//! - **A command with endless output** (`yes`) fills the server's memory. Here each stream is
//!   kept up to [`CommandLimits::output`] bytes; past that the command is killed.
//! - **Reading stdout to the end, then stderr** deadlocks when the command writes more than a
//!   pipe holds (64 KiB on Linux) to stderr first: it blocks on the full stderr pipe while
//!   the server blocks on stdout. Here both pipes are read at the same time (on Unix one
//!   thread waits on both with `poll`; elsewhere a thread reads each).
//! - **A command that leaves something behind** (`sleep 1000 >/dev/null 2>&1 &`,
//!   `setsid sleep 30 & echo x`, `nohup …`, a double fork): the shell exits, and what it
//!   started runs on as the server's user, after the answer and for as long as it likes.
//!   One that keeps the pipes open would also make "read until the end" wait for it. Here
//!   the answer comes at the time limit at the latest, nothing of the server (no thread, no
//!   descriptor) waits on after it, and when the command ends, however it ends, what it
//!   left running is killed: its process group always, and on Linux, in a server that
//!   called [`contain_commands`], every process descended from the server, whatever it did
//!   to leave the group (see [`Containment`]).
//!
//! "Killed" means the whole process group: `sh -c 'yes | head -c 20M'` is a shell plus two
//! children, and killing only the shell would leave the children holding the pipes open.

use crate::wire::header::Reason;
use std::io::{self, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
#[cfg(target_os = "linux")]
use std::sync::atomic::AtomicBool;
#[cfg(unix)]
use std::sync::atomic::Ordering;
#[cfg(not(unix))]
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a command may run before it is killed, unless the server is told otherwise.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(10);

/// How long to wait for the pipes to close after a kill before giving up on them (a process
/// that left the group, for example with `setsid`, can keep them open).
const AFTER_KILL: Duration = Duration::from_secs(2);

/// Bytes read from a pipe at a time.
const PIPE_CHUNK: usize = 64 * 1024;

/// What a command may use before it is stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandLimits {
    /// Wall-clock time from start to exit.
    pub time: Duration,
    /// Bytes kept from each of stdout and stderr.
    pub output: usize,
}

/// Why a command was stopped before it finished by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It was still running when the time limit came.
    TimeLimit(Duration),
    /// It had ended (the shell exited), but a process it left running still held its output
    /// open when the time limit came; that process was killed. Not "the command was
    /// killed": an attack's `sleep 3110 & echo ok` was labelled so, though `sh` had exited 0
    /// at once.
    OutputHeldPastLimit(Duration),
    /// It printed more than the output limit.
    OutputLimit(usize),
}

/// The line a command server prints when it listens on anything but loopback, or `None`.
///
/// The notes bind `127.0.0.1`, which only this machine can reach. Anything else exposes a
/// shell to the network, with no password: lessons 07 and 08 print this as a warning.
pub fn exposure_warning(listening_on: std::net::SocketAddr) -> Option<String> {
    (!listening_on.ip().is_loopback()).then(|| {
        crate::tr!(
            "WARNING: {listening_on} is not a loopback address. Anyone who can reach this port \
             can run any command as the user running this server, with no password."
                | "警告：{listening_on} 不是回环地址。任何能连到这个端口的人，都能以运行这个服务端的用户的身份执行任何命令，不需要密码。"
        )
    })
}

/// Which of the command's streams an answer holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Stdout,
    Stderr,
}

impl Source {
    /// `"stdout"` or `"stderr"`.
    pub fn name(self) -> &'static str {
        match self {
            Source::Stdout => "stdout",
            Source::Stderr => "stderr",
        }
    }
}

/// What a command did.
#[derive(Debug)]
pub struct Outcome {
    /// What it wrote to stdout, at most [`CommandLimits::output`] bytes.
    pub stdout: Vec<u8>,
    /// What it wrote to stderr, at most [`CommandLimits::output`] bytes.
    pub stderr: Vec<u8>,
    /// How it ended (a killed command ends with a signal on Unix).
    pub status: Option<ExitStatus>,
    /// Set when the server stopped it.
    pub stopped: Option<Stopped>,
    /// What it left running when it ended, and what became of it.
    pub left: Leftovers,
    /// Killed, and something still held its output pipes afterwards: a process out of the
    /// command's process group, which that kill did not reach.
    pub held_after_kill: bool,
}

/// Processes a command left running when it ended (a background job, a detached daemon),
/// found and killed after it: see [`contain_commands`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Leftovers {
    /// Killed after the command ended. Counted only where they can be found (Linux, in a
    /// server that called [`contain_commands`]); elsewhere the process group is killed
    /// without a count. Processes of the group the time or output limit had already killed
    /// are not counted again.
    pub killed: usize,
    /// Still running when the server gave up on them (a program that changed its user, as
    /// `su` or `sudo` do, cannot be killed by the server's user).
    pub survived: usize,
}

impl Outcome {
    /// The answer the notes' servers send: stdout, or stderr when stdout is empty (notes A
    /// §9.1 `true_result if true_result else false_result`), followed by a notice when the
    /// command was stopped, and cut so that the whole answer is at most `max` bytes.
    pub fn answer(&self, max: usize) -> (Vec<u8>, Source) {
        let (body, source) = if self.stdout.is_empty() {
            (&self.stderr, Source::Stderr)
        } else {
            (&self.stdout, Source::Stdout)
        };
        let Some(stopped) = self.stopped else {
            let mut answer = body.clone();
            if answer.len() > max {
                let notice = cut_notice(max, false);
                answer.truncate(max.saturating_sub(notice.len()));
                answer.extend_from_slice(&notice);
                answer.truncate(max);
            }
            return (answer, source);
        };
        let notice = match stopped {
            Stopped::TimeLimit(limit) => format!(
                "[server: the command was killed after {} s, its time limit]\n",
                limit.as_secs_f64()
            )
            .into_bytes(),
            Stopped::OutputHeldPastLimit(limit) => format!(
                "[server: the command ended, but a process it left running held its output \
                 open until the time limit, {} s]\n",
                limit.as_secs_f64()
            )
            .into_bytes(),
            Stopped::OutputLimit(_) => cut_notice(max, true),
        };
        let room = max.saturating_sub(notice.len() + 1);
        let mut answer = body[..body.len().min(room)].to_vec();
        if !answer.is_empty() && !answer.ends_with(b"\n") {
            answer.push(b'\n');
        }
        answer.extend_from_slice(&notice);
        answer.truncate(max);
        (answer, source)
    }

    /// A short description for the server's log line, in the language of the moment:
    /// `exit status 0`, `killed after 2 s (time limit)`, `exit status 127`.
    pub fn summary(&self) -> String {
        match (self.stopped, self.status) {
            (Some(Stopped::TimeLimit(limit)), _) => {
                let secs = limit.as_secs_f64();
                crate::tr!("killed after {secs} s (time limit)" | "{secs} 秒后被杀掉（时限）")
            }
            (Some(Stopped::OutputHeldPastLimit(limit)), status) => {
                let secs = limit.as_secs_f64();
                let ended = match status.and_then(|s| s.code()) {
                    Some(code) => crate::tr!("exit status {code}" | "退出状态 {code}"),
                    None => crate::tr!("ended" | "已结束"),
                };
                // Who killed it (the limit's kill of the group, or the sweep for what the
                // command left) is said by summary_with_leftovers.
                crate::tr!(
                    "{ended}, but a process it left held its output open until the time limit ({secs} s)"
                        | "{ended}，但它留下的一个进程一直占着它的输出，直到时限（{secs} 秒）"
                )
            }
            (Some(Stopped::OutputLimit(limit)), _) => crate::tr!(
                "killed: more than {limit} bytes of output (output limit)"
                    | "被杀掉：输出超过了 {limit} 字节（输出上限）"
            ),
            (None, Some(status)) => match status.code() {
                Some(code) => crate::tr!("exit status {code}" | "退出状态 {code}"),
                None => crate::tr!("ended by {status}" | "被结束：{status}"),
            },
            (None, None) => crate::tr!(
                "its pipes stayed open; it was left running" | "它的管道一直开着；只好任它继续运行"
            ),
        }
    }

    /// [`Outcome::summary`], then what the command left running, if anything: `exit status
    /// 0; killed 1 process it left running`.
    pub fn summary_with_leftovers(&self) -> String {
        let mut text = self.summary();
        let Leftovers { killed, survived } = self.left;
        if killed == 0 && matches!(self.stopped, Some(Stopped::OutputHeldPastLimit(_))) {
            // Said only as far as it is known: the pipes closed after the kill of the
            // group (the holder was in it), or they did not (it had left the group, and
            // where no sweep for leftovers runs, macOS, nothing reached it).
            text.push_str(&if self.held_after_kill {
                crate::tr!(
                    "; it had left the command's process group, and still held the output"
                        | "；它已经离开了命令的进程组，仍然占着输出"
                )
            } else {
                crate::tr!(
                    "; killed with the command's process group" | "；随命令的进程组一起杀掉了"
                )
            });
        }
        if killed > 0 {
            text.push_str(&crate::tr!(
                "; killed {killed} process(es) it left running"
                    | "；杀掉了它留下的 {killed} 个进程",
            ));
        }
        if survived > 0 {
            text.push_str(&crate::tr!(
                "; {survived} process(es) it left running could not be killed"
                    | "；它留下的 {survived} 个进程杀不掉",
            ));
        }
        text
    }
}

fn cut_notice(max: usize, stopped: bool) -> Vec<u8> {
    let stopped = if stopped {
        "; the command was stopped"
    } else {
        ""
    };
    format!("[server: output cut at {max} bytes, the frame limit{stopped}]\n").into_bytes()
}

/// The shell the notes' `shell=True` means: `sh -c LINE` on Unix, `cmd /C LINE` on Windows.
fn shell_command(line: &str) -> Command {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new("sh");
        command.arg("-c").arg(line);
        // Its own process group, so that a kill reaches every process the line started.
        command.process_group(0);
        command
    }
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        // Python's shell=True builds `cmd.exe /c "LINE"` and hands it over as it is: cmd
        // takes off the outer quotes and runs the rest. `arg(line)` would escape the quotes
        // inside the line the C runtime's way (\"), which cmd does not undo.
        let mut command = Command::new("cmd");
        command.arg("/C").raw_arg(format!("\"{line}\""));
        command
    }
    #[cfg(not(any(unix, windows)))]
    {
        let mut command = Command::new("cmd");
        command.arg("/C").arg(line);
        command
    }
}

/// A client's request, answered the notes' way, and a line saying what happened.
#[derive(Debug)]
pub struct Answer {
    /// What to send back: the command's stdout, or its stderr, or a one-line error.
    pub body: Vec<u8>,
    /// Which stream `body` is (an error counts as stderr).
    pub source: Source,
    /// For the server's log: `sh -c "echo hi": exit status 0; answering with stdout`.
    pub log: String,
}

/// Runs a request as lessons 07 and 08 do: the bytes must be UTF-8 (the notes'
/// `cmd.decode('utf-8')`, which raises on anything else and drops the client; here it is
/// an error answer like any other), then [`run_command`] under `limits`, then
/// [`Outcome::answer`], at most `max` bytes.
///
/// The body is wire bytes, English in both languages (as lesson 06's refusal is); the log
/// line is in the language of the moment.
pub fn answer_request(request: &[u8], limits: CommandLimits, max: usize) -> Answer {
    let error = |text: &str, log: String| Answer {
        body: format!("error: {text}\n").into_bytes(),
        source: Source::Stderr,
        log,
    };
    let Ok(line) = std::str::from_utf8(request) else {
        return error(
            "the command is not UTF-8 text",
            crate::tr!("not UTF-8: answering with an error" | "不是 UTF-8：回答一行错误信息"),
        );
    };
    match run_command(line, limits) {
        Ok(outcome) => {
            let (body, source) = outcome.answer(max);
            let (command, summary) = (quoted(line), outcome.summary_with_leftovers());
            let stream = source.name();
            let log = crate::tr!(
                "{SHELL} {command}: {summary}; answering with {stream}"
                    | "{SHELL} {command}：{summary}；回答的是 {stream}"
            );
            Answer { body, source, log }
        }
        Err(e) => {
            let why = Reason::of(&e);
            error(&why.wire, why.shown)
        }
    }
}

/// What one read of a bare request gave (lessons 07 and 08 read the notes' way: one
/// `recv` is one command).
#[derive(Debug)]
pub enum Request {
    /// A command line of this many bytes, at the start of the buffer.
    Line(usize),
    /// The client closed the connection (recv returned 0).
    Closed,
    /// The read filled the whole buffer: the line may go on past it. The notes' wire has
    /// no end mark, so the rest would arrive as the *next* request and run as a command
    /// of its own (`false && echo …` cut in two runs its tail). Nothing of it may run.
    TooLong,
    /// Nothing came within the idle limit.
    Idle,
    /// The connection has had its [`Session`] limit: no further command is read on it.
    SessionOver,
    /// The read failed.
    Failed(io::Error),
}

/// How long a command server serves one connection in all, in seconds, unless told
/// otherwise (`--session-limit`).
pub const DEFAULT_SESSION_SECS: u64 = 600;

/// How long an answer may take to drain to the client: 10 s to begin, then at least
/// 1 MiB (8 Mbit) a second on average, counted over the whole answer, so that a client
/// that takes a few bytes now and then cannot restart the clock with each partial write
/// ([`crate::guard::pace`]). The largest answer, 16 MiB, has 26 s. The bytes the sockets'
/// buffers take at once (about 4 MB on loopback, measured) earn time too, so a client that
/// reads nothing is given up on after about 14 s.
pub const ANSWER_PACE: crate::guard::pace::Pace =
    crate::guard::pace::Pace::new(Duration::from_secs(10), 1024 * 1024);

/// One connection's clock: a command server answers a client's commands, one after
/// another, for at most `limit` in all, then closes the connection. A server that serves
/// one client at a time is held by whoever is connected: the idle limit bounds a client
/// that says nothing, and this bounds one that keeps saying *something*, a byte every few
/// seconds (each read is a command on the notes' wire, so a dripping client sends a stream
/// of one-byte commands), or an honest client that types for an hour while others wait.
/// nginx calls the same limit `keepalive_time`.
#[derive(Debug, Clone, Copy)]
pub struct Session {
    started: Instant,
    limit: Duration,
}

impl Session {
    /// Starts the clock of a connection just accepted.
    pub fn start(limit: Duration) -> Self {
        Self {
            started: Instant::now(),
            limit,
        }
    }

    /// The connection's limit.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// The time left, or `None` when it is up.
    fn left(&self) -> Option<Duration> {
        self.limit
            .checked_sub(self.started.elapsed())
            .filter(|left| *left >= Duration::from_millis(1))
    }

    /// The answer when the session is over: one notice, in place of the answer to a
    /// command that may already be on its way (it is not run). The server sends it and
    /// closes the connection gently.
    pub fn over(&self) -> Answer {
        let limit = crate::guard::limits::seconds(self.limit);
        // Wire bytes, English in both languages (as lesson 06's refusal is): the limit as
        // `limits::seconds` writes it in English.
        let secs = if self.limit.subsec_millis() == 0 {
            self.limit.as_secs().to_string()
        } else {
            format!("{:.1}", self.limit.as_secs_f64())
        };
        Answer {
            body: format!(
                "[server: this connection has been served for {secs} s, its session limit; \
                 connect again to go on]\n"
            )
            .into_bytes(),
            source: Source::Stderr,
            log: crate::tr!(
                "served for {limit}, the session limit: closing the connection, so that \
                 others get their turn"
                    | "已服务 {limit}，到了会话时限：关闭这条连接，让别的客户端也能轮到"
            ),
        }
    }
}

/// Reads one bare request into `buf` with one `read`, under `limits` (the idle limit to
/// begin, the message limit on the answer's writes) and `session`: the wait for a command
/// ends at the idle limit or when the session's time is up, whichever comes first.
///
/// The command is complete as soon as this read returns (with what is already queued
/// behind it): the server never waits for more of it, so no command can be stretched by
/// sending it slowly. A client that sends one byte every few seconds sends one-byte
/// commands, and the session limit bounds how long it can go on.
pub fn read_request(
    conn: &mut std::net::TcpStream,
    buf: &mut [u8],
    limits: &crate::guard::limits::Limits,
    session: &Session,
) -> Request {
    let Some(left) = session.left() else {
        return Request::SessionOver;
    };
    let capped = left < limits.idle;
    let wait = crate::guard::limits::Limits {
        idle: limits.idle.min(left),
        ..*limits
    };
    if let Err(e) = wait.await_request(conn) {
        return Request::Failed(e);
    }
    let n = loop {
        match conn.read(buf) {
            Ok(0) => return Request::Closed,
            Ok(n) => break n,
            // A signal (the server stopped and continued: signal(7)) is not the client's
            // doing. SIMPLIFICATION: the idle wait starts again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if crate::guard::limits::is_timeout(&e) && capped => {
                return Request::SessionOver
            }
            Err(e) if crate::guard::limits::is_timeout(&e) => return Request::Idle,
            Err(e) => return Request::Failed(e),
        }
    };
    // A line the network cut into pieces (a segment carries about 1,460 bytes over
    // Ethernet) may have its next pieces queued already: take them too, without waiting,
    // so that a long line is one request (or refused whole), not commands run in pieces.
    // Pieces that have not arrived yet cannot be told from the next command: the notes'
    // wire has no end mark.
    let n = match take_queued(conn, buf, n) {
        Ok(n) => n,
        Err(e) => return Request::Failed(e),
    };
    if n == buf.len() {
        Request::TooLong
    } else {
        Request::Line(n)
    }
}

/// Reads, without waiting, whatever is already queued after the first `got` bytes of `buf`,
/// until `buf` is full; returns the new count. The socket is blocking again afterwards.
fn take_queued(
    conn: &mut std::net::TcpStream,
    buf: &mut [u8],
    mut got: usize,
) -> io::Result<usize> {
    conn.set_nonblocking(true)?;
    let result = loop {
        if got == buf.len() {
            break Ok(got);
        }
        match conn.read(&mut buf[got..]) {
            // The client closed after sending: the line is complete; the next read says so.
            Ok(0) => break Ok(got),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(got),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    conn.set_nonblocking(false)?;
    result
}

/// The answer to a [`Request::TooLong`]: one error line, nothing run. The server sends it
/// and closes the connection (gently, so that the client reads it before any reset): the
/// rest of the line is still on its way, and there is no telling where it ends.
pub fn too_long(buffer: usize) -> Answer {
    Answer {
        // Wire bytes, English in both languages (as lesson 06's refusal is).
        body: format!(
            "error: the command filled the whole {buffer}-byte read, so it may go on past it; \
             nothing of it was run, and this connection is closed\n"
        )
        .into_bytes(),
        source: Source::Stderr,
        log: crate::tr!(
            "the request filled the {buffer}-byte buffer: refused, nothing run, closing the \
             connection"
                | "这个请求填满了 {buffer} 字节的缓冲区：拒绝它，什么都不执行，关闭连接"
        ),
    }
}

/// How the shell is named in log lines.
const SHELL: &str = if cfg!(unix) { "sh -c" } else { "cmd /C" };

/// A command line quoted for a log line: whole up to 40 characters, else its first 40 and
/// its length (a client may send 8 KiB of command; the log line stays one short line, a
/// preview, whatever the client sent).
fn quoted(line: &str) -> String {
    const EDGE: usize = 40;
    if line.chars().count() <= EDGE {
        return format!("{line:?}");
    }
    let head: String = line.chars().take(EDGE).collect();
    crate::tr!("{head:?}… ({} bytes)" | "{head:?}…（{} 字节）", line.len())
}

/// A command line that prints the numbers 1 to 3000, one a line, in this OS's shell (the
/// demos of lessons 07 and 08): `seq 3000`; Windows has no `seq` (cmd answers "not
/// recognized", exit status 9009), and cmd's own counting loop prints the same numbers.
pub const COUNT_TO_3000: &str = if cfg!(windows) {
    "for /L %i in (1,1,3000) do @echo %i"
} else {
    "seq 3000"
};

/// How many bytes [`COUNT_TO_3000`] prints: 13893 with `\n` line ends; 16893 from cmd,
/// whose `echo` ends each line with `\r\n`.
pub const COUNT_TO_3000_BYTES: usize = if cfg!(windows) { 16_893 } else { 13_893 };

/// Kills the command and everything it started.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        // The group id is the child's pid (process_group(0) above). A pid fits in i32.
        let group = -(child.id() as i32);
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe {
            libc::kill(group, libc::SIGKILL);
        }
    }
    // Also the direct way: harmless if the group kill already did it, and the only way on
    // Windows.
    let _ = child.kill();
}

// ---------------------------------------------------------------------------------------
// What a command leaves running
// ---------------------------------------------------------------------------------------

/// How much of what a command leaves running this process can find and kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Containment {
    /// Linux: this process is a child subreaper (`prctl(PR_SET_CHILD_SUBREAPER)`, Linux
    /// 3.4). A process whose parent dies is handed to its nearest subreaper ancestor
    /// instead of to init, so whatever a command starts stays a descendant of this
    /// process, however it detaches: a new process group (`set -m`), a new session
    /// (`setsid`), a double fork (`(sleep 1000 &)`), SIGHUP ignored (`nohup`). When a
    /// command ends, every live descendant is found in `/proc`, stopped, and killed.
    Subreaper,
    /// Elsewhere, or where the prctl failed: when a command ends its process group is
    /// killed, which reaches `sleep 1000 &` and `nohup …`; a process that left the group
    /// (`setsid`, `set -m`) runs on.
    ProcessGroup,
}

/// Set once [`contain_commands`] made this process a subreaper.
#[cfg(target_os = "linux")]
static SUBREAPER: AtomicBool = AtomicBool::new(false);

/// Makes this process adopt what its commands leave running (Linux: a child subreaper), so
/// that [`run_command`] can kill all of it when a command ends. For a server that runs one
/// command at a time, as lessons 07 and 08 do: after each command, *every* process
/// descended from this one is killed, so a process that runs commands side by side (or
/// has other children it wants to keep) must not call it.
pub fn contain_commands() -> Containment {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(2) with integer arguments only; it changes an attribute of this
        // process and touches no memory of ours.
        let set = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) };
        if set == 0 {
            SUBREAPER.store(true, Ordering::SeqCst);
            return Containment::Subreaper;
        }
    }
    Containment::ProcessGroup
}

/// The process group (the shell's pid) of the command [`run_command`] is running, 0 when
/// none is: what [`kill_commands_on_interrupt`] kills.
#[cfg(unix)]
static RUNNING: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// Set by the interrupt's handler before it kills (and reaps) the running command.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `child.try_wait()`, except when an interrupt has killed and reaped the command: then the
/// wait fails with ECHILD ("No child processes"), which is not the command's doing, and the
/// process is about to exit from the handler's thread. This thread waits for that exit,
/// instead of sending the client an error that did not happen (an attack saw `No child
/// processes (os error 10)` as the answer of a command killed by a SIGHUP).
fn reaped(child: &mut Child) -> io::Result<Option<std::process::ExitStatus>> {
    match child.try_wait() {
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ECHILD) && INTERRUPTED.load(Ordering::SeqCst) => {
            loop {
                thread::park();
            }
        }
        other => other,
    }
}

/// On Ctrl-C (SIGINT), SIGTERM, SIGHUP or any other signal that would end this process and
/// can be caught (SIGQUIT, SIGUSR1, SIGALRM…: [`crate::guard::ending`]): kills the command
/// [`run_command`] is running, its whole process group, and (Linux, after
/// [`contain_commands`]) every process descended from this one, says so on stderr in one
/// line, and exits with status 130. Without it the server died at once and its command ran
/// on under init: the command is in a process group of its own, so a terminal's Ctrl-C does
/// not reach it, and nothing else killed it (`sleep 3791; echo done` was found running
/// after the server had gone). A SIGKILL to the server cannot be caught: then what it ran
/// is handed to init.
pub fn kill_commands_on_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let installed = crate::guard::ending::on_ending(|| {
            // Said first: the command's own thread, finding it reaped, waits for the exit.
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            let killed = kill_running_command();
            match killed {
                0 => crate::tr!("interrupted" | "已中断"),
                n => crate::tr!(
                    "interrupted: the running command and what it started killed ({n} process(es))"
                        | "已中断：正在运行的命令和它启动的进程都已杀掉（{n} 个进程）"
                ),
            }
        });
        if let Err(e) = installed {
            crate::guard::ending::to_stderr(&crate::tr!(
                    "cannot catch Ctrl-C ({e}): a command running when the server is interrupted runs on"
                        | "无法捕获 Ctrl-C（{e}）：服务端被中断时正在运行的命令会继续运行"
                ));
        }
    });
}

/// Kills the running command's group and, where this process is a subreaper, every
/// descendant; returns how many processes were killed.
fn kill_running_command() -> usize {
    #[cfg(unix)]
    {
        let group = RUNNING.load(Ordering::SeqCst);
        if group == 0 {
            return 0;
        }
        #[cfg(target_os = "linux")]
        if SUBREAPER.load(Ordering::SeqCst) {
            // The shell counts too: it is the command.
            return sweep(0, false).killed;
        }
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        let sent = unsafe { libc::kill(-group, libc::SIGKILL) };
        usize::from(sent == 0)
    }
    #[cfg(not(unix))]
    0
}

/// After a command ended: kills what it left running, and says how much that was.
/// `group_killed`: the time or output limit already killed its process group (those
/// processes are not counted again).
fn end_leftovers(child: &mut Child, group_killed: bool) -> Leftovers {
    #[cfg(target_os = "linux")]
    if SUBREAPER.load(Ordering::SeqCst) {
        return sweep(child.id(), group_killed);
    }
    let _ = group_killed;
    #[cfg(unix)]
    {
        // The group outlives the shell while any member lives; an empty group makes this
        // a no-op (ESRCH). A group id is not handed out again while the group exists.
        // SAFETY: kill(2) takes plain integers and touches no memory of ours.
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    {
        // SIMPLIFICATION: Windows kills cmd alone; a Job Object would hold all it starts.
        let _ = child;
    }
    Leftovers::default()
}

/// One process as `/proc/PID/stat` describes it.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy)]
struct Proc {
    pid: i32,
    state: u8,
    ppid: i32,
    pgrp: i32,
}

#[cfg(target_os = "linux")]
impl Proc {
    fn alive(&self) -> bool {
        !matches!(self.state, b'Z' | b'X' | b'x')
    }
}

/// Every process descended from `root`, from `/proc` (a process that ends while the
/// folder is read is simply not in the list).
#[cfg(target_os = "linux")]
fn descendants(root: i32) -> Vec<Proc> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let all: Vec<Proc> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "PID (COMM) STATE PPID PGRP …": COMM may hold spaces and parentheses, so
            // the fields are counted from the last ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let mut fields = rest.split_ascii_whitespace();
            let state = *fields.next()?.as_bytes().first()?;
            let ppid = fields.next()?.parse().ok()?;
            let pgrp = fields.next()?.parse().ok()?;
            Some(Proc {
                pid,
                state,
                ppid,
                pgrp,
            })
        })
        .collect();
    let mut found: Vec<Proc> = Vec::new();
    let mut parents = vec![root];
    while let Some(parent) = parents.pop() {
        for p in all.iter().filter(|p| p.ppid == parent) {
            if !found.iter().any(|f| f.pid == p.pid) {
                found.push(*p);
                parents.push(p.pid);
            }
        }
    }
    found
}

/// Kills every process descended from this one but the shell `shell` (which `run_command`
/// waits for itself), and collects those that were handed to this process.
///
/// First every live descendant is stopped (SIGSTOP), pass after pass until a pass finds
/// none it had not stopped: a stopped process can start no other and reap none, so the
/// set is then complete, and its pids cannot be handed to another process before the
/// kill. Then all of them get SIGKILL, and this process waits (with `waitpid`, pid by pid)
/// for those whose parent it now is, until no descendant is left or [`AFTER_KILL`] has
/// passed.
#[cfg(target_os = "linux")]
fn sweep(shell: u32, group_killed: bool) -> Leftovers {
    let me = std::process::id() as i32;
    let shell = shell as i32;
    let deadline = Instant::now() + AFTER_KILL;
    let mut stopped: Vec<i32> = Vec::new();
    let mut killed: usize = 0;
    loop {
        let new: Vec<Proc> = descendants(me)
            .into_iter()
            .filter(|p| p.alive() && !stopped.contains(&p.pid))
            .collect();
        if new.is_empty() || Instant::now() >= deadline {
            break;
        }
        for p in new {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours.
            unsafe {
                libc::kill(p.pid, libc::SIGSTOP);
            }
            stopped.push(p.pid);
            // The shell is the command itself; its group, when a limit killed it, was
            // counted in that limit's line.
            if p.pid != shell && !(group_killed && p.pgrp == shell) {
                killed += 1;
            }
        }
    }
    for &pid in &stopped {
        // SAFETY: as above.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    loop {
        let left = descendants(me);
        for p in left.iter().filter(|p| p.ppid == me && !p.alive()) {
            if p.pid != shell {
                // SAFETY: waitpid(2) on a child of ours, with a null status pointer.
                unsafe {
                    libc::waitpid(p.pid, std::ptr::null_mut(), libc::WNOHANG);
                }
            }
        }
        let waiting = left.iter().any(|p| p.pid != shell);
        if !waiting || Instant::now() >= deadline {
            let survived = left.iter().filter(|p| p.alive() && p.pid != shell).count();
            return Leftovers {
                killed: killed.saturating_sub(survived),
                survived,
            };
        }
        thread::sleep(Duration::from_millis(2));
    }
}

#[cfg(not(unix))]
enum Event {
    Data(Source, Vec<u8>),
    End,
}

/// Runs `line` through the shell under `limits` and collects what it printed.
///
/// Errors only when the shell itself cannot be started; everything the command does
/// (failing, not existing, running too long, printing too much) is in the [`Outcome`].
///
/// ```
/// # #[cfg(unix)] {
/// use socket_lessons::guard::shell::{run_command, CommandLimits};
/// use std::time::Duration;
/// let limits = CommandLimits { time: Duration::from_secs(10), output: 1 << 20 };
/// let outcome = run_command("echo hello", limits).unwrap();
/// assert_eq!(outcome.stdout, b"hello\n");
/// assert_eq!(outcome.status.unwrap().code(), Some(0));
/// # }
/// ```
pub fn run_command(line: &str, limits: CommandLimits) -> io::Result<Outcome> {
    let started = Instant::now();
    let mut child = shell_command(line)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Reason::of(&e)
                .within(
                    |e| format!("start the shell: {e}"),
                    |e| format!("启动 shell：{e}"),
                )
                .into_error(e.kind())
        })?;
    // What an interrupt of this server kills on its way out (kill_commands_on_interrupt).
    #[cfg(unix)]
    RUNNING.store(child.id() as i32, Ordering::SeqCst);
    // Both pipes are Some: they were set to Stdio::piped() above.
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut outcome = Outcome {
        stdout: Vec::new(),
        stderr: Vec::new(),
        status: None,
        stopped: None,
        left: Leftovers::default(),
        held_after_kill: false,
    };
    let mut deadline = started + limits.time;
    collect(
        &mut child,
        stdout,
        stderr,
        limits,
        &mut outcome,
        &mut deadline,
    )?;
    // The pipes are closed (or given up on): the command has exited or is about to. It may
    // still run with its output closed (`exec >&- 2>&-; sleep 100`), so the time limit
    // applies here too.
    loop {
        if let Some(status) = reaped(&mut child)? {
            outcome.status = Some(status);
            break;
        }
        if Instant::now() >= deadline {
            // Looked at again: this server may have been stopped between the two looks
            // while the command ended; then it was not killed.
            if let Some(status) = reaped(&mut child)? {
                outcome.status = Some(status);
                break;
            }
            if outcome.stopped.is_none() {
                outcome.stopped = Some(Stopped::TimeLimit(limits.time));
                kill(&mut child);
                deadline = Instant::now() + AFTER_KILL;
                continue;
            }
            break;
        }
        thread::sleep(Duration::from_millis(5));
    }
    // The command has ended (or been given up on): whatever it left running goes too.
    outcome.left = end_leftovers(&mut child, outcome.stopped.is_some());
    #[cfg(unix)]
    RUNNING.store(0, Ordering::SeqCst);
    Ok(outcome)
}

/// Keeps `chunk` in `outcome` up to the output limit; past it, stops the command.
fn keep(
    outcome: &mut Outcome,
    source: Source,
    chunk: &[u8],
    limits: CommandLimits,
    child: &mut Child,
    deadline: &mut Instant,
) {
    let kept = match source {
        Source::Stdout => &mut outcome.stdout,
        Source::Stderr => &mut outcome.stderr,
    };
    let room = limits.output - kept.len().min(limits.output);
    kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
    if chunk.len() > room && outcome.stopped.is_none() {
        outcome.stopped = Some(Stopped::OutputLimit(limits.output));
        kill(child);
        *deadline = Instant::now() + AFTER_KILL;
    }
}

/// Reads both pipes at once until both end, under the limits. On Unix one thread waits on
/// both with `poll(2)`: no reader thread can be left behind blocked on a pipe that a
/// detached process (`setsid sleep 30 &`) keeps open, and the pipes are closed when this
/// returns. When the time limit has come and the group is killed, the wait ends as soon as
/// the shell itself is gone and nothing more comes: whatever still holds the pipes then has
/// left the process group, and the answer does not wait for it.
#[cfg(unix)]
fn collect(
    child: &mut Child,
    stdout: std::process::ChildStdout,
    stderr: std::process::ChildStderr,
    limits: CommandLimits,
    outcome: &mut Outcome,
    deadline: &mut Instant,
) -> io::Result<()> {
    let mut pipes: [(Source, Option<Box<dyn ReadFd>>); 2] = [
        (Source::Stdout, Some(Box::new(stdout))),
        (Source::Stderr, Some(Box::new(stderr))),
    ];
    let mut buf = vec![0u8; PIPE_CHUNK];
    // Set when the time limit came but the command had already ended by itself.
    let mut ended_in_time = false;
    while pipes.iter().any(|(_, pipe)| pipe.is_some()) {
        let now = Instant::now();
        if now >= *deadline {
            if outcome.stopped.is_none() && !ended_in_time && reaped(child)?.is_some() {
                // The command ended before the limit was looked at: this server was stopped
                // (SIGSTOP, Ctrl-Z) past the limit while the command ran to its end, or the
                // shell is gone and something it left holds the pipes. What it wrote is in
                // the pipes: read on for a moment. If they end, the answer is its own, not
                // "killed"; if something still holds them, the limit stops that.
                ended_in_time = true;
                *deadline = now + AFTER_KILL_QUIET;
                continue;
            }
            if outcome.stopped.is_none() {
                outcome.stopped = Some(if ended_in_time {
                    Stopped::OutputHeldPastLimit(limits.time)
                } else {
                    Stopped::TimeLimit(limits.time)
                });
                kill(child);
                *deadline = Instant::now() + AFTER_KILL;
                continue;
            }
            // Killed, and something outside the group still holds the pipes.
            outcome.held_after_kill = true;
            break;
        }
        let mut wait = deadline.saturating_duration_since(now);
        if outcome.stopped.is_some() {
            wait = wait.min(AFTER_KILL_QUIET);
        }
        let mut fds: Vec<libc::pollfd> = pipes
            .iter()
            .flat_map(|(_, pipe)| pipe.as_ref())
            .map(|pipe| libc::pollfd {
                fd: pipe.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let millis = wait.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the whole call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
        if ready < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if ready == 0 {
            // Killed, the shell is gone, and nothing came: what holds the pipes left the
            // group. Stop waiting (dropping the pipes closes our ends).
            if outcome.stopped.is_some() && reaped(child)?.is_some() {
                outcome.held_after_kill = true;
                break;
            }
            continue;
        }
        for (source, pipe) in pipes.iter_mut() {
            let Some(reader) = pipe else { continue };
            let fd = reader.as_raw_fd();
            if !fds.iter().any(|p| p.fd == fd && p.revents != 0) {
                continue;
            }
            match reader.read(&mut buf) {
                Ok(0) => *pipe = None,
                Ok(n) => keep(outcome, *source, &buf[..n], limits, child, deadline),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => *pipe = None,
            }
        }
    }
    Ok(())
}

/// A pipe that can be read and polled.
#[cfg(unix)]
trait ReadFd: Read + std::os::fd::AsRawFd {}
#[cfg(unix)]
impl<T: Read + std::os::fd::AsRawFd> ReadFd for T {}

/// After a kill, how long a quiet pipe is waited on before its holder is taken to have
/// left the process group.
#[cfg(unix)]
const AFTER_KILL_QUIET: Duration = Duration::from_millis(50);

/// Reads both pipes at once until both end, under the limits: elsewhere than Unix, a
/// reader thread per pipe.
#[cfg(not(unix))]
fn collect(
    child: &mut Child,
    stdout: std::process::ChildStdout,
    stderr: std::process::ChildStderr,
    limits: CommandLimits,
    outcome: &mut Outcome,
    deadline: &mut Instant,
) -> io::Result<()> {
    let (tx, rx) = mpsc::channel();
    for (pipe, source) in [
        (Box::new(stdout) as Box<dyn Read + Send>, Source::Stdout),
        (Box::new(stderr), Source::Stderr),
    ] {
        let tx = tx.clone();
        thread::Builder::new()
            .name(format!("{} reader", source.name()))
            .spawn(move || drain(pipe, source, &tx))?;
    }
    drop(tx);
    let mut open = 2;
    while open > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Event::Data(source, chunk)) => {
                keep(outcome, source, &chunk, limits, child, deadline)
            }
            Ok(Event::End) => open -= 1,
            Err(RecvTimeoutError::Timeout) if outcome.stopped.is_none() => {
                outcome.stopped = Some(Stopped::TimeLimit(limits.time));
                kill(child);
                *deadline = Instant::now() + AFTER_KILL;
            }
            // Killed, and the pipes are still open after AFTER_KILL: stop waiting for them.
            Err(RecvTimeoutError::Timeout) => {
                outcome.held_after_kill = true;
                break;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(())
}

/// Reads a pipe to its end, passing on every chunk.
#[cfg(not(unix))]
fn drain(mut pipe: Box<dyn Read + Send>, source: Source, tx: &mpsc::Sender<Event>) {
    let mut buf = vec![0u8; PIPE_CHUNK];
    loop {
        match pipe.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if tx.send(Event::Data(source, buf[..n].to_vec())).is_err() {
                    return;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    let _ = tx.send(Event::End);
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    const ROOMY: CommandLimits = CommandLimits {
        time: Duration::from_secs(20),
        output: 1 << 20,
    };

    #[test]
    fn only_a_non_loopback_address_gets_the_warning() {
        assert_eq!(exposure_warning("127.0.0.1:9696".parse().unwrap()), None);
        assert_eq!(exposure_warning("[::1]:9696".parse().unwrap()), None);
        let warning = exposure_warning("0.0.0.0:9696".parse().unwrap()).unwrap();
        assert!(warning.starts_with("WARNING: 0.0.0.0:9696 is not a loopback address"));
    }

    #[test]
    fn a_request_that_is_not_utf8_is_answered_with_an_error() {
        let answer = answer_request(b"echo caf\xe9", ROOMY, 1000);
        assert_eq!(answer.body, b"error: the command is not UTF-8 text\n");
        assert_eq!(answer.log, "not UTF-8: answering with an error");
    }

    #[test]
    fn stdout_is_the_answer_when_there_is_any() {
        let outcome = run_command("echo out; echo err >&2", ROOMY).unwrap();
        assert_eq!(outcome.answer(1000), (b"out\n".to_vec(), Source::Stdout));
        assert_eq!(outcome.stderr, b"err\n");
    }

    #[test]
    fn stderr_is_the_answer_when_stdout_is_empty() {
        let outcome = run_command("echo err >&2; exit 3", ROOMY).unwrap();
        assert_eq!(outcome.answer(1000), (b"err\n".to_vec(), Source::Stderr));
        assert_eq!(outcome.summary(), "exit status 3");
    }

    /// Attack 16: `sleep 3110 & echo ok` was answered at the time limit with "the command
    /// was killed", though the shell had exited 0 at once: what was killed is the job it
    /// left, which held the output open.
    #[cfg(unix)]
    #[test]
    fn a_job_left_holding_the_output_is_what_the_time_limit_kills_and_says_so() {
        let limits = CommandLimits {
            time: Duration::from_millis(300),
            ..ROOMY
        };
        let outcome = run_command("sleep 30 & echo ok", limits).unwrap();
        assert_eq!(
            outcome.stopped,
            Some(Stopped::OutputHeldPastLimit(Duration::from_millis(300)))
        );
        let (answer, _) = outcome.answer(1000);
        assert_eq!(
            String::from_utf8(answer).unwrap(),
            "ok\n[server: the command ended, but a process it left running held its output \
             open until the time limit, 0.3 s]\n"
        );
        assert_eq!(
            outcome.summary_with_leftovers(),
            "exit status 0, but a process it left held its output open until the time limit \
             (0.3 s); killed with the command's process group"
        );
    }

    #[test]
    fn a_command_that_runs_too_long_is_killed_with_what_it_printed_kept() {
        let limits = CommandLimits {
            time: Duration::from_millis(300),
            ..ROOMY
        };
        let outcome = run_command("echo started; sleep 30; echo never", limits).unwrap();
        assert_eq!(
            outcome.stopped,
            Some(Stopped::TimeLimit(Duration::from_millis(300)))
        );
        let (answer, _) = outcome.answer(1000);
        assert_eq!(
            String::from_utf8(answer).unwrap(),
            "started\n[server: the command was killed after 0.3 s, its time limit]\n"
        );
    }

    #[test]
    fn endless_output_is_cut_at_the_limit_and_the_command_killed() {
        let limits = CommandLimits {
            output: 10_000,
            ..ROOMY
        };
        let outcome = run_command("yes", limits).unwrap();
        assert_eq!(outcome.stopped, Some(Stopped::OutputLimit(10_000)));
        assert_eq!(outcome.stdout.len(), 10_000);
        let (answer, _) = outcome.answer(10_000);
        assert_eq!(answer.len(), 10_000);
        assert!(answer.ends_with(b"the command was stopped]\n"));
        assert!(answer.starts_with(b"y\ny\n"));
    }

    #[test]
    fn a_full_stderr_pipe_does_not_deadlock() {
        // 200 KB to stderr before anything to stdout: more than a pipe holds.
        let outcome = run_command("head -c 200000 /dev/zero >&2; echo done", ROOMY).unwrap();
        assert_eq!(outcome.stderr.len(), 200_000);
        assert_eq!(outcome.stdout, b"done\n");
    }

    #[test]
    fn a_command_reading_stdin_gets_end_of_file_at_once() {
        let outcome = run_command("cat; echo after", ROOMY).unwrap();
        assert_eq!(outcome.stdout, b"after\n");
    }

    #[test]
    fn the_counting_command_prints_3000_numbered_lines() {
        let outcome = run_command(COUNT_TO_3000, ROOMY).unwrap();
        assert_eq!(outcome.stdout.len(), COUNT_TO_3000_BYTES);
        assert!(outcome.stdout.ends_with(b"2999\n3000\n"));
    }

    #[test]
    fn a_long_command_line_is_quoted_by_its_start_and_length() {
        assert_eq!(quoted("seq 3000"), "\"seq 3000\"");
        let long = format!("echo {}", "y".repeat(100));
        assert_eq!(
            quoted(&long),
            format!("\"echo {}\"… (105 bytes)", "y".repeat(35))
        );
    }

    #[test]
    fn an_answer_longer_than_the_frame_limit_is_cut_with_a_notice() {
        let outcome = Outcome {
            stdout: vec![b'x'; 500],
            stderr: Vec::new(),
            status: None,
            stopped: None,
            left: Leftovers::default(),
            held_after_kill: false,
        };
        let (answer, _) = outcome.answer(200);
        assert_eq!(answer.len(), 200);
        assert!(answer.ends_with(b"at 200 bytes, the frame limit]\n"));
    }
}
