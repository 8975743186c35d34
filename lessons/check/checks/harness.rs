//! What every exercise's check shares: steps that pass or fail in the lesson's words (in
//! English or Chinese), the learner's code run on threads of its own under a time limit of a
//! few seconds, a panic reported as a panic with its file and line, and a hang reported with
//! the step it hung in.

use socket_lessons::lang::pick;
use socket_lessons::tr;
use std::any::Any;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::{self, ThreadId};
use std::time::Duration;

use super::alloc::{Usage, Watch};
use super::kernel;

/// How long a check waits for the learner's code before calling it stuck. A right answer
/// takes milliseconds; the limit only bounds a wrong one, and keeps a hang cheap.
pub const STUCK: Duration = Duration::from_secs(3);

/// The file under check.
pub struct Subject {
    /// Where it is.
    pub path: PathBuf,
    /// How it is named to the learner: relative to the course's folder when inside it.
    pub shown: String,
}

impl Subject {
    pub fn new(path: &Path) -> Subject {
        Subject {
            path: path.to_path_buf(),
            shown: shown_path(path),
        }
    }

    /// The file's text, for the checks that read the source.
    pub fn source(&self) -> io::Result<String> {
        std::fs::read_to_string(&self.path)
    }
}

static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// The course's folder, for showing paths relative to it.
pub fn set_root(root: &Path) {
    let _ = ROOT.set(root.to_path_buf());
}

/// `a/b/../c` as `a/c`, and relative to the course's folder when inside it.
pub fn shown_path(path: &Path) -> String {
    let mut tidy = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir if tidy.file_name().is_some() => {
                tidy.pop();
            }
            Component::CurDir => {}
            other => tidy.push(other),
        }
    }
    let relative = ROOT
        .get()
        .and_then(|root| tidy.strip_prefix(root).ok())
        .unwrap_or(&tidy);
    relative.to_string_lossy().replace('\\', "/")
}

/// One step that failed, in the learner's terms.
pub struct Failure {
    pub step: String,
    pub details: Vec<String>,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(step: impl Into<String>) -> Self {
        Failure {
            step: step.into(),
            details: Vec::new(),
            hint: None,
        }
    }

    pub fn detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// A failure of the check's own setup (a socket it could not open): not the learner's.
    pub fn setup(what: &str, e: impl std::fmt::Display) -> Self {
        Failure::new(tr!("set up the check: {what}" | "准备检查：{what}"))
            .detail(tr!("error: {e}" | "错误：{e}"))
    }

    /// Adds what the trouble was: a panic with its place, or no return in time.
    pub fn trouble(self, trouble: &Trouble, function: &str) -> Self {
        match trouble {
            Trouble::Panicked(p) => self.detail(tr!(
                "got: your {function} panicked at {}: {}"
                    | "实际：你的 {function} 在 {} 处 panic：{}",
                p.at,
                p.message
            )),
            Trouble::Hung => self.detail(tr!(
                "got: no return from your {function} within {} s: it is still waiting (or \
                 looping)"
                    | "实际：你的 {function} 在 {} 秒内没有返回：它还在等待（或在空转）",
                STUCK.as_secs()
            )),
        }
    }
}

/// How a check ended.
pub enum Outcome {
    Passed,
    Failed(Failure),
}

/// A check's steps: each that passes is printed at once (so a crash still shows how far
/// the check got); the first that fails stops the check.
#[derive(Default)]
pub struct Steps {
    /// What could not be checked here (a step that needs Linux), said after PASSED.
    pub unseen: Vec<String>,
}

impl Steps {
    /// Records a step that passed, unless a thread the learner's code started has panicked
    /// meanwhile: then that is this step's failure.
    pub fn ok(&mut self, step: impl Into<String>) -> Result<(), Failure> {
        let step = step.into();
        if let Some(p) = stray_panic() {
            return Err(Failure::new(step).detail(tr!(
                "got: a thread your code started panicked at {}: {}"
                    | "实际：你的代码启动的一个线程在 {} 处 panic：{}",
                p.at,
                p.message
            )));
        }
        println!("{}{step}", pick("  ok    ", "  通过  "));
        let _ = io::stdout().flush();
        Ok(())
    }

    /// A step this system cannot make.
    pub fn skip(&mut self, what: impl Into<String>) {
        self.unseen.push(what.into());
    }
}

/// Prints how the check ended and what passing means; the exit code says it too (0 passed,
/// 1 failed).
pub fn report(
    outcome: Outcome,
    steps: &Steps,
    means: &[(&str, &str)],
    cannot_see: &[(&str, &str)],
) -> std::process::ExitCode {
    match outcome {
        Outcome::Failed(failure) => {
            println!("{}{}", pick("  FAIL  ", "  失败  "), failure.step);
            for line in failure.details {
                println!("        {line}");
            }
            if let Some(hint) = failure.hint {
                println!("{}{hint}", pick("  hint: ", "  提示："));
            }
            println!("{}", verdict(false));
            std::process::ExitCode::FAILURE
        }
        Outcome::Passed => {
            println!("{}", verdict(true));
            println!(
                "{}",
                pick(
                    "What passing means: every step above held, which is to say",
                    "通过意味着：上面每一步都成立，也就是说"
                )
            );
            for (en, zh) in means {
                println!("  - {}", pick(en, zh));
            }
            if !cannot_see.is_empty() || !steps.unseen.is_empty() {
                println!(
                    "{}",
                    pick("What this check cannot see:", "这个检查看不到的：")
                );
                for (en, zh) in cannot_see {
                    println!("  - {}", pick(en, zh));
                }
                for line in &steps.unseen {
                    println!("  - {line}");
                }
            }
            std::process::ExitCode::SUCCESS
        }
    }
}

/// Reports a check's end: passed, or the failure that stopped it.
pub fn finish(
    steps: Steps,
    result: Result<(), Failure>,
    means: &[(&str, &str)],
    cannot_see: &[(&str, &str)],
) -> std::process::ExitCode {
    let outcome = match result {
        Ok(()) => Outcome::Passed,
        Err(failure) => Outcome::Failed(failure),
    };
    report(outcome, &steps, means, cannot_see)
}

/// The last line of a check: `PASSED` / `FAILED`, or `通过` / `未通过`.
pub fn verdict(passed: bool) -> &'static str {
    match passed {
        true => pick("PASSED", "通过"),
        false => pick("FAILED", "未通过"),
    }
}

/// A panic, as the learner should read it.
#[derive(Clone, Debug)]
pub struct Panic {
    /// `lessons/exercises/06_read_frame.rs:27:10`
    pub at: String,
    pub message: String,
}

struct Record {
    thread: ThreadId,
    panic: Panic,
    claimed: bool,
}

fn records() -> &'static Mutex<Vec<Record>> {
    static RECORDS: OnceLock<Mutex<Vec<Record>>> = OnceLock::new();
    RECORDS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Threads the check itself runs: a panic there is a fault of the check, reported as such.
fn check_threads() -> &'static Mutex<HashMap<ThreadId, ()>> {
    static MINE: OnceLock<Mutex<HashMap<ThreadId, ()>>> = OnceLock::new();
    MINE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Marks the calling thread as the check's own.
pub fn check_thread() {
    check_threads()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(thread::current().id(), ());
}

/// Panics are recorded (thread, place, message) instead of printed: the step that meets
/// one reports it in its own words.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| {
                format!(
                    "{}:{}:{}",
                    shown_path(Path::new(l.file())),
                    l.line(),
                    l.column()
                )
            })
            .unwrap_or_else(|| "?".into());
        let message = payload_text(info.payload());
        let thread = thread::current().id();
        let ours = check_threads()
            .lock()
            .map(|m| m.contains_key(&thread))
            .unwrap_or(false);
        if ours {
            eprintln!(
                "{}",
                tr!(
                    "the check itself panicked at {at}: {message} (a fault of the check, not of \
                     your code: please report it)"
                        | "检查程序自身在 {at} 处 panic：{message}（这是检查程序的问题，不是你的代码的问题：请报告它）"
                )
            );
        }
        if let Ok(mut records) = records().lock() {
            records.push(Record {
                thread,
                panic: Panic { at, message },
                claimed: ours,
            });
        }
    }));
}

fn payload_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}

/// The panic of `thread`, taken so that it is reported once.
fn claim(thread: ThreadId) -> Option<Panic> {
    let mut records = records().lock().ok()?;
    let record = records
        .iter_mut()
        .find(|r| r.thread == thread && !r.claimed)?;
    record.claimed = true;
    Some(record.panic.clone())
}

/// A panic on a thread the learner's code started, not reported yet.
pub fn stray_panic() -> Option<Panic> {
    let mut records = records().lock().ok()?;
    let record = records.iter_mut().find(|r| !r.claimed)?;
    record.claimed = true;
    Some(record.panic.clone())
}

/// Why the learner's code gave no value.
#[derive(Debug)]
pub enum Trouble {
    Panicked(Panic),
    Hung,
}

/// The learner's code running on a thread of its own, its memory watched.
pub struct Running<T> {
    result: Receiver<T>,
    started: Receiver<(ThreadId, Option<i32>, Option<Watch>)>,
    who: Option<(ThreadId, Option<i32>, Option<Watch>)>,
    usage: Arc<Mutex<Option<Usage>>>,
    /// What the thread held when it started counting.
    held: Arc<Mutex<isize>>,
    /// The value (or the panic), once it came.
    done: Option<Result<T, Trouble>>,
}

/// Starts `f` on a thread of its own: its kernel thread id is known, its allocations are
/// counted, a panic is recorded.
pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Running<T> {
    let (tx, result) = mpsc::channel();
    let (started_tx, started) = mpsc::channel();
    let usage = Arc::new(Mutex::new(None));
    let held = Arc::new(Mutex::new(0));
    let (usage_in, held_in) = (Arc::clone(&usage), Arc::clone(&held));
    let spawned = thread::Builder::new()
        .name("exercise".into())
        .spawn(move || {
            let watch = Watch::this_thread();
            if let Some(w) = &watch {
                *held_in.lock().unwrap_or_else(|e| e.into_inner()) = w.live();
            }
            let _ = started_tx.send((thread::current().id(), kernel::current_tid(), watch));
            let value = f();
            if let Some(w) = watch {
                let start = *held_in.lock().unwrap_or_else(|e| e.into_inner());
                *usage_in.lock().unwrap_or_else(|e| e.into_inner()) = Some(w.usage(start));
                w.release();
            }
            let _ = tx.send(value);
        });
    if let Err(e) = spawned {
        eprintln!("check: could not start a thread: {e}");
    }
    Running {
        result,
        started,
        who: None,
        usage,
        held,
        done: None,
    }
}

impl<T> Running<T> {
    fn who(&mut self) -> Option<(ThreadId, Option<i32>, Option<Watch>)> {
        if self.who.is_none() {
            self.who = self.started.recv_timeout(STUCK).ok();
        }
        self.who
    }

    /// The kernel's id of the thread (Linux).
    pub fn tid(&mut self) -> Option<i32> {
        self.who().and_then(|(_, tid, _)| tid)
    }

    /// Waits at most `limit` for the value.
    pub fn wait(mut self, limit: Duration) -> Result<T, Trouble> {
        if let Some(done) = self.done.take() {
            return done;
        }
        match self.result.recv_timeout(limit) {
            Ok(value) => Ok(value),
            Err(RecvTimeoutError::Timeout) => Err(Trouble::Hung),
            Err(RecvTimeoutError::Disconnected) => Err(self.panicked()),
        }
    }

    /// The value if the code has finished (or its panic); `None` while it runs.
    pub fn finished(&mut self) -> Option<&Result<T, Trouble>> {
        if self.done.is_none() {
            match self.result.try_recv() {
                Ok(value) => self.done = Some(Ok(value)),
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => self.done = Some(Err(self.panicked())),
            }
        }
        self.done.as_ref()
    }

    fn panicked(&mut self) -> Trouble {
        let panic = self.who().and_then(|(thread, _, _)| claim(thread));
        Trouble::Panicked(panic.unwrap_or(Panic {
            at: "?".into(),
            message: pick("(no message recorded)", "（没有记下消息）").into(),
        }))
    }

    /// What the thread did with memory: while it runs, so far; once it has returned, all.
    pub fn usage(&mut self) -> Option<Usage> {
        if let Some(done) = *self.usage.lock().unwrap_or_else(|e| e.into_inner()) {
            return Some(done);
        }
        let held = *self.held.lock().unwrap_or_else(|e| e.into_inner());
        self.who().and_then(|(_, _, w)| w).map(|w| w.usage(held))
    }

    /// Counts the peak from now on (for a server thread: from this scenario on).
    pub fn reset_usage(&mut self) {
        if let Some((_, _, Some(w))) = self.who() {
            w.reset();
            *self.held.lock().unwrap_or_else(|e| e.into_inner()) = w.live();
        }
    }
}

/// Runs `f` on its own thread and waits at most [`STUCK`] for it.
pub fn within<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Trouble> {
    spawn(f).wait(STUCK)
}

/// [`within`], with what the call did with memory.
pub fn within_watched<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> (Result<T, Trouble>, Option<Usage>) {
    let mut running = spawn(f);
    let _ = running.tid();
    let result = match running.result.recv_timeout(STUCK) {
        Ok(value) => Ok(value),
        Err(RecvTimeoutError::Timeout) => Err(Trouble::Hung),
        Err(RecvTimeoutError::Disconnected) => Err(running.panicked()),
    };
    let usage = running.usage();
    (result, usage)
}

/// The learner's server, `serve(listener)` on 127.0.0.1 with a port the OS chose, running
/// on its own thread.
pub struct Server {
    pub addr: SocketAddr,
    pub running: Running<io::Result<()>>,
}

impl Server {
    pub fn start(serve: fn(TcpListener) -> io::Result<()>) -> Result<Server, Failure> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Failure::setup("a listener on 127.0.0.1", e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::setup("a listener on 127.0.0.1", e))?;
        let mut running = spawn(move || serve(listener));
        let _ = running.tid();
        Ok(Server { addr, running })
    }

    /// Whether `serve` has returned or panicked: a server that did stopped serving
    /// everyone, usually the real trouble. The line says so, or `None` while it runs.
    pub fn ended(&mut self) -> Option<String> {
        match self.running.finished()? {
            Ok(Ok(())) => Some(tr!(
                "your serve() returned Ok(()): the server stopped serving"
                    | "你的 serve() 返回了 Ok(())：服务端不再服务了"
            )),
            Ok(Err(e)) => Some(tr!(
                "your serve() returned an error: {e}: the server stopped serving"
                    | "你的 serve() 返回了错误：{e}：服务端不再服务了"
            )),
            Err(Trouble::Panicked(p)) => Some(tr!(
                "your serve() panicked at {}: {}: the server stopped serving"
                    | "你的 serve() 在 {} 处 panic：{}：服务端不再服务了",
                p.at,
                p.message
            )),
            Err(Trouble::Hung) => None,
        }
    }

    /// Adds to `failure` whether the server has stopped, waiting a moment for it: a server
    /// that just hit the error that ends it is returning right now.
    pub fn explain(&mut self, failure: Failure) -> Failure {
        kernel::wait_until(Duration::from_millis(300), || {
            self.running.finished().is_some()
        });
        match self.ended() {
            Some(line) => failure.detail(line),
            None => failure,
        }
    }

    /// Connects a client, or fails at the step `who` saying why (a server that stopped has
    /// no listener left: the connection is refused).
    pub fn connect(&mut self, who: &str) -> Result<TcpStream, Failure> {
        match TcpStream::connect(self.addr) {
            Ok(stream) => {
                let _ = stream.set_read_timeout(Some(STUCK));
                Ok(stream)
            }
            Err(e) => {
                // The same step as the exchange that follows: a server that has just
                // stopped may still let the connect through, or no longer.
                let failure = Failure::new(who)
                    .detail(tr!("got: the connect failed: {e}" | "实际：连接失败：{e}"));
                Err(self.explain(failure))
            }
        }
    }
}

impl Server {
    /// A client that sends and never reads: it sends until a thread of the server sleeps in
    /// `send` on its connection (every buffer on the way back is full), and is returned
    /// then, for the caller to reset. `None` where that cannot be observed (not Linux).
    pub fn client_blocking_the_server(
        &mut self,
        step: &str,
        hint: &str,
    ) -> Result<Option<TcpStream>, Failure> {
        if !kernel::OBSERVABLE {
            return Ok(None);
        }
        let setup = |e: io::Error| Failure::setup("a client that does not read", e);
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .map_err(setup)?;
        // A small receive buffer: the server's answers fill it after a few kilobytes.
        let _ = socket.set_recv_buffer_size(4096);
        socket.connect(&self.addr.into()).map_err(setup)?;
        let mut client: TcpStream = socket.into();
        let mine = client.local_addr().map_err(setup)?;
        let Some(fd) = kernel::wait_for_socket_fd(self.addr, mine, STUCK) else {
            return Err(self.explain(Failure::new(step).detail(tr!(
                "got: your server did not accept the client within {} s"
                    | "实际：你的服务端在 {} 秒内没有接受这个客户端",
                STUCK.as_secs()
            ))));
        };
        // The server's send buffer small too (fixed, no autotuning): short answers fill it.
        kernel::set_buffers(fd, 4096, 256 * 1024);
        client.set_nonblocking(true).map_err(setup)?;
        let chunk = vec![b'a'; 64 * 1024];
        let deadline = std::time::Instant::now() + STUCK * 2;
        while std::time::Instant::now() < deadline {
            if kernel::sleeper(kernel::Call::Send, fd).is_some() {
                return Ok(Some(client));
            }
            match client.write(&chunk) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(1))
                }
                Err(_) => break,
            }
        }
        Err(self.explain(
            Failure::new(step)
                .detail(tr!(
                    "expected: your server, writing its answers back, blocks in send once the client's buffers are full"
                        | "期望：你的服务端往回写回答，客户端的缓冲区满了之后阻塞在 send 里"
                ))
                .detail(tr!(
                    "got: no thread of your server was seen blocked in send within {} s"
                        | "实际：{} 秒内没有看到你的服务端有线程阻塞在 send 里",
                    (STUCK * 2).as_secs()
                ))
                .hint(hint),
        ))
    }
}

/// One client's exchange in a step: who it is, what it sends, what must come back.
pub struct Talk<'a> {
    pub who: String,
    pub message: &'a [u8],
    pub want: &'a [u8],
}

impl Server {
    /// A client (`served`) is being served in `serve`'s own thread, asleep in read on it;
    /// the process is left without a free descriptor; a second client (`waiting`) connects
    /// and the first leaves, so the server's next `accept` fails with EMFILE; then
    /// descriptors are freed, and the waiting client must be served. `false` when that
    /// cannot be made here (not Linux, or a server that reads in another thread).
    pub fn accept_fails(
        &mut self,
        served: Talk,
        waiting: Talk,
        step: &str,
        hint: &str,
    ) -> Result<bool, Failure> {
        use kernel::{Call, NoNewDescriptors, ThreadFiles};
        let Some(tid) = self.running.tid() else {
            return Ok(false);
        };
        let mut first = self.connect(&served.who)?;
        exchange(self, &mut first, served.message, served.want, &served.who)?;
        let mine = first
            .local_addr()
            .map_err(|e| Failure::setup("a client", e))?;
        let Some(fd) = kernel::socket_fd(self.addr, mine) else {
            return Ok(false);
        };
        let Some(files) = ThreadFiles::open(tid) else {
            return Ok(false);
        };
        // Serving the first client in serve's own thread, asleep in read on it: its next
        // call after that client leaves is accept.
        if !kernel::wait_until(STUCK, || files.sleeps_in(Call::Recv, fd) == Some(true)) {
            return Ok(false);
        }
        let second = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .map_err(|e| Failure::setup("a client", e))?;
        let addr: SocketAddr = self.addr;
        {
            let Some(_no_fds) = NoNewDescriptors::new() else {
                return Ok(false);
            };
            let connected = second.connect(&addr.into());
            drop(first);
            if connected.is_ok() {
                // Wait until serve's thread has had its turn: it left the read on the first
                // client, and then it ended, or sleeps in another call (waiting before it
                // retries), or has run for 20 ms more (retrying accept at once). No
                // descriptor can be opened meanwhile: the thread's /proc files were opened
                // before.
                let mut left_at = None;
                kernel::wait_until(STUCK, || {
                    if self.running.finished().is_some() {
                        return true;
                    }
                    let Some(asleep) = files.asleep() else {
                        return true;
                    };
                    if files.sleeps_in(Call::Recv, fd) == Some(true) {
                        return false;
                    }
                    if asleep {
                        return true;
                    }
                    let now = files.runtime_ns().unwrap_or(0);
                    now.saturating_sub(*left_at.get_or_insert(now)) >= 20_000_000
                });
            }
        }
        let mut second: TcpStream = second.into();
        let _ = second.set_read_timeout(Some(STUCK));
        if let Some(line) = self.ended() {
            return Err(Failure::new(step).detail(line).hint(hint));
        }
        exchange(
            self,
            &mut second,
            waiting.message,
            waiting.want,
            &waiting.who,
        )?;
        Ok(true)
    }
}

/// The hint for a server that a failed accept ended.
pub fn accept_hint() -> String {
    tr!(
        "accept fails too: EMFILE when the process has no descriptor left, ECONNABORTED elsewhere. It is no client's fault and no reason to stop: skip it and accept again (the course's server waits a little first, so as not to spin)."
            | "accept 也会失败：进程没有描述符可用时是 EMFILE，在别的系统上还有 ECONNABORTED。这不是哪个客户端的错，也不是停下来的理由：跳过它，再 accept（课程的服务端会先等一小会儿，免得空转）。"
    )
}

/// Sends `message` and expects exactly `want` back within [`STUCK`]; a failure says what
/// came back and whether the server had stopped.
pub fn exchange(
    server: &mut Server,
    stream: &mut TcpStream,
    message: &[u8],
    want: &[u8],
    step: &str,
) -> Result<(), Failure> {
    let fail = |server: &mut Server, got: String| {
        server.explain(
            Failure::new(step)
                .detail(tr!(
                    "sent: {}; expected back: {}" | "发送：{}；期望收到：{}",
                    ends(message, 24),
                    ends(want, 24)
                ))
                .detail(tr!("got: {got}" | "实际：{got}")),
        )
    };
    if let Err(e) = stream.write_all(message) {
        return Err(fail(server, tr!("the send failed: {e}" | "发送失败：{e}")));
    }
    let _ = stream.set_read_timeout(Some(STUCK));
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while got.len() < want.len() {
        match stream.read(&mut buf) {
            Ok(0) => {
                return Err(fail(
                    server,
                    tr!(
                        "{} and then the server closed the connection" | "{}，然后服务端关闭了连接",
                        ends(&got, 24)
                    ),
                ))
            }
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if is_timeout(&e) => {
                return Err(fail(
                    server,
                    tr!(
                        "{} and then nothing within {} s: the server is not answering"
                            | "{}，然后 {} 秒内什么也没收到：服务端没有回答",
                        ends(&got, 24),
                        STUCK.as_secs()
                    ),
                ))
            }
            Err(e) => {
                return Err(fail(
                    server,
                    tr!(
                        "{} and then an error: {e}" | "{}，然后出错：{e}",
                        ends(&got, 24)
                    ),
                ))
            }
        }
    }
    if got != want {
        return Err(fail(server, ends(&got, 24)));
    }
    Ok(())
}

/// A read that timed out: `WouldBlock` on Unix, `TimedOut` on Windows.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Bytes as the lessons show them, with their count: `5 bytes b"HELLO"`.
pub fn shown(bytes: &[u8]) -> String {
    let n = bytes.len();
    let literal = format!("b\"{}\"", bytes.escape_ascii());
    if n == 1 {
        return tr!("1 byte {literal}" | "1 字节 {literal}");
    }
    tr!("{n} bytes {literal}" | "{n} 字节 {literal}")
}

/// Like [`shown`], a long buffer by its first and last `edge` bytes.
pub fn ends(bytes: &[u8], edge: usize) -> String {
    if bytes.len() <= 2 * edge {
        return shown(bytes);
    }
    let n = bytes.len();
    let (head, tail) = (&bytes[..edge], &bytes[n - edge..]);
    let literal = format!("b\"{}\"…b\"{}\"", head.escape_ascii(), tail.escape_ascii());
    tr!("{n} bytes {literal}" | "{n} 字节 {literal}")
}

/// Bytes as spaced hex: `ff ff ff 7f`.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where two byte strings first differ, for a line that says so.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or_else(|| (a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// A reader for scripted streams: it returns its chunks one `read` at a time (a chunk
/// bigger than the caller's buffer is split), then the end of the stream, or an error.
/// It notes how far it was read and whether a read asked for bytes past `watch`, or took
/// some (one read that returns the last bytes before `watch` and the first after it).
///
/// Its bytes are one buffer, never freed while it is read: memory the check allocated and
/// the learner's thread freed would hide what the learner's code allocates.
pub struct Script {
    data: Vec<u8>,
    /// The length of each chunk not yet given whole.
    sizes: std::collections::VecDeque<usize>,
    /// What the stream ends with: `None` a clean end, else this error.
    end: Option<io::ErrorKind>,
    pub given: usize,
    pub watch: usize,
    pub read_past: Arc<Mutex<bool>>,
    /// Called before each read with the bytes given so far (to act in the middle of a
    /// transfer: list a directory, plant a file, wait for another call).
    pub on_read: Option<Box<dyn FnMut(usize) + Send>>,
}

impl Script {
    pub fn new(chunks: Vec<Vec<u8>>) -> Script {
        let sizes = chunks.iter().map(Vec::len).filter(|n| *n > 0).collect();
        Script {
            data: chunks.concat(),
            sizes,
            end: None,
            given: 0,
            watch: usize::MAX,
            read_past: Arc::new(Mutex::new(false)),
            on_read: None,
        }
    }

    /// Ends the stream with an error of `kind` instead of a clean end.
    pub fn ending_with(mut self, kind: io::ErrorKind) -> Script {
        self.end = Some(kind);
        self
    }

    /// Notes a read that asks for bytes once `watch` bytes have been given.
    pub fn watching(mut self, watch: usize) -> Script {
        self.watch = watch;
        self
    }
}

impl Read for Script {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(f) = self.on_read.as_mut() {
            f(self.given);
        }
        if self.given >= self.watch && !buf.is_empty() {
            *self.read_past.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        let Some(chunk) = self.sizes.front_mut() else {
            return match self.end {
                None => Ok(0),
                Some(kind) => Err(io::Error::new(
                    kind,
                    pick(
                        "the stream failed (the check's scripted error)",
                        "流出错了（检查程序安排的错误）",
                    ),
                )),
            };
        };
        let n = (*chunk).min(buf.len());
        if self.given + n > self.watch {
            *self.read_past.lock().unwrap_or_else(|e| e.into_inner()) = true;
        }
        buf[..n].copy_from_slice(&self.data[self.given..self.given + n]);
        *chunk -= n;
        if *chunk == 0 {
            self.sizes.pop_front();
        }
        self.given += n;
        Ok(n)
    }
}

/// How a scripted stream arrives, in words: `in reads of 9, 4 bytes` or `in 23 reads of 1
/// byte each`.
pub fn reads(chunks: &[Vec<u8>]) -> String {
    if chunks.len() > 3 && chunks.iter().all(|c| c.len() == 1) {
        let n = chunks.len();
        tr!("in {n} reads of 1 byte each" | "分 {n} 次读取，每次 1 字节")
    } else if chunks.len() > 8 {
        let n = chunks.len();
        let total: usize = chunks.iter().map(Vec::len).sum();
        tr!("{total} bytes in {n} reads" | "共 {total} 字节，分 {n} 次读取")
    } else {
        let sizes: Vec<String> = chunks.iter().map(|c| c.len().to_string()).collect();
        let sizes = sizes.join(", ");
        tr!("in reads of {sizes} bytes" | "分几次读取，每次分别为 {sizes} 字节")
    }
}
