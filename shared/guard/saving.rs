//! Receiving a file from a peer that may lie, stall or vanish (lesson 09): never leaving a
//! partial or unverified file where a good one would be.
//!
//! The notes write straight to the final name as bytes arrive, so a transfer cut short or
//! corrupted leaves a broken file under a good name. [`receive_file`] writes to a temporary
//! name in the target directory, hashes while receiving (on a second thread, so hashing and
//! receiving overlap), and renames to the real name only when size and md5 match;
//! otherwise the partial file is deleted and the error says why. Names are checked first
//! ([`crate::guard::names::check_file_name`]).
//!
//! Memory stays flat whatever the size: a few 1 MiB buffers. Sizes are `u64` throughout, so
//! files over 4 GiB work.

use crate::guard::names::why_refused;
use crate::reason;
use crate::wire::checksum::hex_digest;
use crate::wire::files::CHUNK;
use crate::wire::header::Reason;
use indicatif::ProgressBar;
use md5::{Digest, Md5};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::Mutex;
use std::thread;

/// Buffers in flight between the receiving thread and the hashing thread: memory use is
/// at most this many [`CHUNK`]s.
const BUFFERS: usize = 4;

/// A file received and saved under its real name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// Where it is now.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// The md5 of what was received (equal to the expected one when there was one).
    pub md5: String,
}

/// Why a receive failed, and whether the stream is still in step.
#[derive(Debug)]
pub struct Failed {
    /// One line: what went wrong; it ends by saying nothing was saved. In English for an
    /// answer on the wire (lesson 09's server sends it back), and in the language of the
    /// moment for this side's output ([`Reason`]).
    pub reason: Reason,
    /// `true` when every body byte was read (an md5 mismatch): the next message can follow
    /// on the same connection. `false` when the stream ended or failed inside the body.
    pub in_step: bool,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason.shown)
    }
}

impl std::error::Error for Failed {}

/// Whether a received file may replace a file of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Never: if `dir/name` exists when the file is complete, nothing is saved.
    Keep,
    /// Yes, atomically (asked for with `--overwrite`).
    Replace,
}

/// Receives exactly `size` bytes from `input` into `dir/name`.
///
/// The bytes go to a temporary file in `dir` (a hidden name, unique to this process and
/// call), are hashed on the way, and the file is renamed to `name` only when all `size`
/// bytes came and, if `expected_md5` is given, their md5 matches it. On any failure the
/// temporary file is deleted and nothing of it is left in `dir`. An existing `dir/name` is
/// replaced only with [`Existing::Replace`], and only by a verified file (the rename is
/// atomic); with [`Existing::Keep`] it is never touched, even if it appears while the
/// bytes arrive (the temporary file is linked to the name, which fails if it exists).
///
/// SIMPLIFICATION: no `fsync` before the rename. After a power cut, some file systems can
/// show the new name with missing data; a server that must survive that syncs the file
/// (and the directory) first, at the cost of waiting for the disk.
pub fn receive_file(
    input: &mut impl Read,
    dir: &Path,
    name: &str,
    size: u64,
    expected_md5: Option<&str>,
    existing: Existing,
    progress: &ProgressBar,
) -> Result<Saved, Failed> {
    let received = receive_unsaved(input, dir, name, size, existing, progress)?;
    if let Some(expected) = expected_md5 {
        if !expected.eq_ignore_ascii_case(&received.md5) {
            let (size, md5) = (received.size, &received.md5);
            // The peer's md5, previewed and escaped: it goes into a log line and a verdict.
            let expected = crate::guard::quiet::field(expected);
            return Err(Failed {
                reason: reason!(
                    "md5 check failed: the header says {expected}, the {size} bytes received hash \
                     to {md5}; the file was deleted, nothing saved"
                        | "md5 校验失败：JSON 报头说是 {expected}，收到的 {size} 字节算出来是 {md5}；文件已删除，什么也没保存"
                ),
                in_step: true,
            });
        }
    }
    received.save(existing)
}

/// A body received whole into a temporary file, hashed, not yet given its name: for a
/// protocol where the verdict comes after the bytes (notes E §6: the receiver sends its md5
/// back, and the sender says whether it matches). [`Unsaved::save`] gives it its name;
/// dropping it deletes it.
#[derive(Debug)]
pub struct Unsaved {
    temp: TempFile,
    final_path: PathBuf,
    name: String,
    /// How many bytes came (all that were announced).
    pub size: u64,
    /// Their md5 hexdigest.
    pub md5: String,
}

impl Unsaved {
    /// Gives the file its name, by the rule of `existing`.
    pub fn save(self, existing: Existing) -> Result<Saved, Failed> {
        let Unsaved {
            temp,
            final_path,
            name,
            size,
            md5,
        } = self;
        temp.persist(&final_path, existing).map_err(|e| Failed {
            reason: if e.kind() == io::ErrorKind::AlreadyExists {
                already_there(&name)
            } else {
                let to = final_path.display();
                Reason::of(&e).within(
                    |e| format!("cannot rename to {to}: {e}; nothing saved"),
                    |e| format!("无法改名为 {to}：{e}；什么也没保存"),
                )
            },
            in_step: true,
        })?;
        Ok(Saved {
            path: final_path,
            size,
            md5,
        })
    }
}

/// Receives exactly `size` bytes from `input` into a temporary file in `dir`, hashing them,
/// and stops before naming it (see [`Unsaved`]). The checks of [`receive_file`] on the
/// name and an existing file come first.
pub fn receive_unsaved(
    input: &mut impl Read,
    dir: &Path,
    name: &str,
    size: u64,
    existing: Existing,
    progress: &ProgressBar,
) -> Result<Unsaved, Failed> {
    let fail = |reason: Reason, in_step: bool| Failed { reason, in_step };
    if let Some(why) = why_refused(name) {
        return Err(fail(why, false));
    }
    let final_path = dir.join(name);
    if existing == Existing::Keep && fs::symlink_metadata(&final_path).is_ok() {
        return Err(fail(already_there(name), false));
    }
    let mut temp = TempFile::create(dir).map_err(|e| {
        let dir = dir.display();
        fail(
            Reason::of(&e).within(
                |e| format!("cannot create a temporary file in {dir}: {e}"),
                |e| format!("无法在 {dir} 里创建临时文件：{e}"),
            ),
            false,
        )
    })?;
    let (received, md5) = match receive_and_hash(input, &mut temp.file, size, progress) {
        Ok(done) => done,
        Err(e) => {
            let why = Reason::of(&e).within(
                |e| format!("{e}; nothing saved"),
                |e| format!("{e}；什么也没保存"),
            );
            return Err(fail(why, false));
        }
    };
    if received < size {
        return Err(fail(
            reason!(
                "the body ended after {received} of {size} bytes; the partial file was deleted, \
                 nothing saved"
                    | "真实数据只到了 {size} 字节中的 {received} 字节就结束了；不完整的文件已删除，什么也没保存"
            ),
            false,
        ));
    }
    Ok(Unsaved {
        temp,
        final_path,
        name: name.to_owned(),
        size: received,
        md5,
    })
}

fn already_there(name: &str) -> Reason {
    // A name from a peer, shown by its first 32 characters and its length.
    let name = crate::guard::quiet::preview_text(name);
    reason!(
        "{name} exists already and was not replaced (--overwrite replaces it); nothing saved"
            | "{name} 已经存在，没有被替换（加 --overwrite 才会替换）；什么也没保存"
    )
}

/// Reads up to `size` bytes into `file`, hashing them on a second thread. Returns how many
/// came (fewer than `size` when the stream ended early) and their md5.
///
/// Two threads, because md5 (about 0.55 GiB/s on the course's machine) is the slower side and
/// receiving (about 3 GiB/s on loopback) can hide behind it: done one after the other, they
/// would take their sum; overlapped, their maximum (docs/performance.md).
/// The receiving thread fills a chunk, writes it to the file and passes the buffer to the
/// hasher, which hands it back when done: [`BUFFERS`] buffers go round, nothing else is
/// allocated.
fn receive_and_hash(
    input: &mut impl Read,
    file: &mut Sink,
    size: u64,
    progress: &ProgressBar,
) -> io::Result<(u64, String)> {
    let (to_hasher, hasher_rx) = mpsc::sync_channel::<Chunk>(BUFFERS);
    let (back, returned) = mpsc::channel::<Chunk>();
    thread::scope(|scope| {
        let hasher = scope.spawn(move || {
            let mut md5 = Md5::new();
            for chunk in hasher_rx {
                md5.update(chunk.data());
                // The receiver may have stopped (an error); then nobody needs the buffer.
                let _ = back.send(chunk);
            }
            hex_digest(&md5.finalize())
        });

        let mut received = 0u64;
        let mut allocated = 0;
        let result = loop {
            if received == size {
                break Ok(());
            }
            let mut chunk = match returned.try_recv() {
                Ok(chunk) => chunk,
                Err(_) if allocated < BUFFERS => {
                    allocated += 1;
                    Chunk::new()
                }
                // All buffers are with the hasher: wait for one. recv fails only if the
                // hasher is gone, which it cannot be while `to_hasher` is alive.
                Err(_) => match returned.recv() {
                    Ok(chunk) => chunk,
                    Err(_) => break Err(hasher_stopped()),
                },
            };
            let want = (size - received).min(CHUNK as u64) as usize;
            let got = match chunk.fill(input, want) {
                Ok(got) => got,
                Err(e) => break Err(e),
            };
            if got == 0 {
                break Ok(()); // the stream ended early; the caller reports it
            }
            if let Err(e) = file.write_chunk(chunk.data()) {
                let why = Reason::of(&e).within(
                    |e| format!("write the temporary file: {e}"),
                    |e| format!("写临时文件：{e}"),
                );
                break Err(why.into_error(e.kind()));
            }
            received += got as u64;
            progress.inc(got as u64);
            if to_hasher.send(chunk).is_err() {
                break Err(hasher_stopped());
            }
            if got < want {
                break Ok(()); // the stream ended inside this chunk
            }
        };
        drop(to_hasher);
        // join fails only if the hasher panicked, which md5 does not do.
        let md5 = hasher.join().map_err(|_| {
            io::Error::other(reason!(
                "the hashing thread panicked" | "计算 md5 的线程崩溃了（panic）"
            ))
        })?;
        result.map(|()| (received, md5))
    })
}

fn hasher_stopped() -> io::Error {
    io::Error::other(reason!(
        "the hashing thread stopped" | "计算 md5 的线程停下了"
    ))
}

/// The alignment direct I/O asks of buffers, file offsets and lengths.
const DIRECT_ALIGN: usize = 4096;

/// A [`CHUNK`]-sized buffer whose data starts on a [`DIRECT_ALIGN`] boundary (a `Vec` one
/// alignment longer, used from the first aligned byte: no unsafe allocation needed).
struct Chunk {
    raw: Vec<u8>,
    start: usize,
    len: usize,
}

impl Chunk {
    fn new() -> Chunk {
        let raw = vec![0u8; CHUNK + DIRECT_ALIGN];
        let start = raw.as_ptr().align_offset(DIRECT_ALIGN);
        Chunk { raw, start, len: 0 }
    }

    /// Reads until `want` bytes are in or the stream ends; returns how many came.
    fn fill(&mut self, input: &mut impl Read, want: usize) -> io::Result<usize> {
        let space = &mut self.raw[self.start..self.start + want];
        let mut filled = 0;
        while filled < want {
            match input.read(&mut space[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.len = filled;
        Ok(filled)
    }

    fn data(&self) -> &[u8] {
        &self.raw[self.start..self.start + self.len]
    }
}

/// The temporary file being written, with direct I/O when the system offers it.
///
/// Why direct I/O (Linux `O_DIRECT`): a normal `write` copies the data into the page cache,
/// and on the machine this course was measured on, that copy cost more than half as much
/// CPU as the md5 itself, on a 2-core machine that also runs the sender and the hasher.
/// With `O_DIRECT` the disk reads the data from our buffer (DMA); nothing is copied. It
/// needs aligned buffers ([`Chunk`]) and lengths that are whole blocks, so the last, short
/// chunk is written the normal way. File systems without it (some tmpfs, network file
/// systems) refuse the flag; then every write is a normal one.
#[derive(Debug)]
struct Sink {
    file: File,
    direct: bool,
}

impl Sink {
    fn write_chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if self.direct && !data.len().is_multiple_of(DIRECT_ALIGN) {
            self.stop_direct()?;
        }
        match self.file.write_all(data) {
            // A file system that took the flag at open but refuses the write.
            Err(e) if self.direct && e.kind() == io::ErrorKind::InvalidInput => {
                self.stop_direct()?;
                self.file.write_all(data)
            }
            other => other,
        }
    }

    /// Turns direct I/O on where the file system takes it; leaves the file as it is where
    /// it does not (`fcntl` fails with EINVAL, and nothing else has happened).
    #[cfg(target_os = "linux")]
    fn start_direct(&mut self) {
        use std::os::fd::AsRawFd;
        let fd = self.file.as_raw_fd();
        // SAFETY: fcntl(2) on a descriptor we own, with integer arguments only.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        self.direct =
            flags >= 0 && unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_DIRECT) } == 0;
    }

    #[cfg(not(target_os = "linux"))]
    fn start_direct(&mut self) {}

    #[cfg(target_os = "linux")]
    fn stop_direct(&mut self) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let fd = self.file.as_raw_fd();
        // SAFETY: fcntl(2) on a descriptor we own, with integer arguments only.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
            return Err(io::Error::last_os_error());
        }
        self.direct = false;
        Ok(())
    }

    #[cfg(not(target_os = "linux"))]
    fn stop_direct(&mut self) -> io::Result<()> {
        self.direct = false;
        Ok(())
    }
}

/// A hidden temporary file next to where the real one will go, deleted when dropped unless
/// it was renamed into place.
#[derive(Debug)]
struct TempFile {
    path: PathBuf,
    file: Sink,
    kept: bool,
}

/// Temporary files begin with this: `.socket-lessons-PID-N.part`. A fixed pattern, not the
/// received name (a 255-byte name would make the temporary name too long for the file
/// system), so that a later run can recognise what an interrupted one left behind.
const TEMP_PREFIX: &str = ".socket-lessons-";
const TEMP_SUFFIX: &str = ".part";
/// A temporary file's name for the moment between its creation and its lock.
const NEWBORN_SUFFIX: &str = ".new";
/// The number in the next temporary name this process makes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
/// How many temporary names [`TempFile::create`] tries before it gives up.
const MAX_NAME_TRIES: u32 = 100;

/// Gives `from` the name `to` unless `to` exists already (in any form): a hard link, then
/// the old name removed. Where the file system has no hard links, a check and a rename.
fn name_without_replacing(from: &Path, to: &Path) -> io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(e),
        Err(_) if fs::symlink_metadata(to).is_ok() => Err(io::ErrorKind::AlreadyExists.into()),
        Err(_) => fs::rename(from, to),
    }
}

/// The temporary files this process has open, for [`remove_on_interrupt`].
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the list was held leaves it usable: it is only a list of paths.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl TempFile {
    fn create(dir: &Path) -> io::Result<TempFile> {
        // Names already taken are skipped; something planted under every name tried (or a
        // folder that refuses them all) ends in an error, never in a loop without end.
        for _ in 0..MAX_NAME_TRIES {
            let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
            let name = format!("{TEMP_PREFIX}{}-{n}", std::process::id());
            let path = dir.join(format!("{name}{TEMP_SUFFIX}"));
            // Born under another name, locked, then given the temporary name: a file with
            // the temporary name is locked from the first moment another process can see
            // it, so remove_stale never takes a transfer being born for a stale one.
            let newborn = dir.join(format!("{name}{NEWBORN_SUFFIX}"));
            // create_new: never open (and truncate) what is already there, whatever it is
            // (a file, a FIFO, a folder, a link).
            let file = match open_new(&newborn) {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            };
            let named = hold(&file.file).and_then(|()| name_without_replacing(&newborn, &path));
            match named {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    let _ = fs::remove_file(&newborn);
                    continue;
                }
                Err(e) => {
                    let _ = fs::remove_file(&newborn);
                    return Err(e);
                }
            }
            live().push(path.clone());
            return Ok(TempFile {
                path,
                file,
                kept: false,
            });
        }
        Err(reason!(
            "no free temporary name after {MAX_NAME_TRIES} tries"
                | "试了 {MAX_NAME_TRIES} 个临时文件名，没有一个是空着的"
        )
        .into_error(io::ErrorKind::AlreadyExists))
    }

    /// Gives the temporary file its real name. With [`Existing::Keep`] a hard link, which
    /// fails with `AlreadyExists` if the name is taken, then the temporary name removed;
    /// where the file system has no hard links, a check and a rename.
    fn persist(mut self, to: &Path, existing: Existing) -> io::Result<()> {
        match existing {
            Existing::Replace => fs::rename(&self.path, to)?,
            Existing::Keep => name_without_replacing(&self.path, to)?,
        }
        self.kept = true;
        live().retain(|p| p != &self.path);
        Ok(())
    }
}

/// Makes a write past the file-size limit (`ulimit -f`, RLIMIT_FSIZE; a quota of sorts)
/// fail with EFBIG ("File too large") instead of killing this process: SIGXFSZ, whose
/// default action ends the process, is ignored, as Rust's runtime ignores SIGPIPE. A
/// receiver then treats it as it treats a full disk: the transfer fails with the OS's
/// reason and its temporary file is removed. Before, a 2 MB upload to a server started
/// under a 1 MB limit killed the server with no line and left its `.part`. (An ignored
/// signal stays ignored in a program this process starts; lesson 09 starts none.)
pub fn fail_writes_past_the_size_limit() {
    #[cfg(unix)]
    // SAFETY: signal(2) with SIG_IGN installs no handler and touches no memory of ours.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// On Ctrl-C (SIGINT), SIGTERM, SIGHUP or any other signal that would end this process and
/// can be caught (SIGQUIT, SIGUSR1, SIGALRM…: [`crate::guard::ending`]): removes the
/// temporary files of the transfers under way, says so on stderr in one line, and exits
/// with status 130. Without it the process would die at once and leave them behind (review
/// 29, attack 4: SIGUSR1, SIGQUIT and SIGALRM still did, only Ctrl-C, SIGTERM and SIGHUP
/// were caught). (kill -9 cannot be caught: the next run's [`remove_stale`] cleans up after
/// it.)
pub fn remove_on_interrupt() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let installed = crate::guard::ending::on_ending(|| {
            let removed: Vec<PathBuf> = live().drain(..).collect();
            for path in &removed {
                let _ = fs::remove_file(path);
            }
            match removed.len() {
                0 => crate::tr!("interrupted" | "已中断"),
                n => crate::tr!(
                    "interrupted: {n} partial file(s) removed, nothing half-written is left"
                        | "已中断：删掉了 {n} 个不完整的文件，没有留下写了一半的东西"
                ),
            }
        });
        if let Err(e) = installed {
            crate::guard::ending::to_stderr(&crate::tr!(
                "cannot catch Ctrl-C ({e}): an interrupted transfer may leave a .part file"
                    | "无法捕获 Ctrl-C（{e}）：中断的传输可能会留下一个 .part 文件"
            ));
        }
    });
}

/// Removes, from `dir`, temporary files that an earlier run of these lessons left behind
/// (killed with kill -9, or the machine stopped), and returns their names. A temporary file
/// of a transfer still under way is left alone.
///
/// "Under way" is decided by the file itself, not by the pid in its name: every temporary
/// file is held with an exclusive lock (flock) by the process writing it, which the kernel
/// releases when that process ends, however it ends. A file nobody holds is stale. A pid
/// would not do: in a container the server is pid 1 after every restart, two containers
/// sharing a directory both have a pid 1, and pids are reused.
pub fn remove_stale(dir: &Path) -> io::Result<Vec<String>> {
    let mut removed = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !is_temporary_name(&name) {
            continue;
        }
        let path = dir.join(&name);
        // Only a regular file we could have made is ours to remove: something else under
        // such a name (a FIFO, a folder, a link someone planted) is left alone, and opening
        // it neither blocks (O_NONBLOCK) nor follows a link (O_NOFOLLOW).
        if held(&path)? {
            continue;
        }
        match fs::remove_file(&path) {
            Ok(()) => removed.push(name),
            // Gone since the folder was read: its own process removed it.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    removed.sort();
    Ok(removed)
}

/// Whether `name` is one of ours: `.socket-lessons-PID-N.part`, or `….new` (a file killed
/// between its creation and its temporary name).
fn is_temporary_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
        return false;
    };
    let Some(rest) = rest
        .strip_suffix(TEMP_SUFFIX)
        .or_else(|| rest.strip_suffix(NEWBORN_SUFFIX))
    else {
        return false;
    };
    rest.split_once('-')
        .is_some_and(|(pid, n)| pid.parse::<u32>().is_ok() && n.parse::<u64>().is_ok())
}

/// Takes an exclusive advisory lock on `file` without waiting, for as long as it is open.
#[cfg(unix)]
fn hold(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock takes a descriptor this `File` owns and plain flags; it touches no
    // memory of ours.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn hold(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Whether the temporary file at `path` is in use (some process, this one included, holds
/// its lock), or is not a regular file at all (then it is not ours, and is left alone too).
#[cfg(unix)]
fn held(path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
    {
        Ok(file) => file,
        // Gone since the directory was read: its transfer finished.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
        // A link (ELOOP with O_NOFOLLOW), or anything we may not open: not ours.
        Err(_) => return Ok(true),
    };
    if !file.metadata()?.is_file() {
        return Ok(true);
    }
    match hold(&file) {
        // Nobody holds it (our own probe's lock goes with `file`).
        Ok(()) => Ok(false),
        Err(e) if e.raw_os_error() == Some(libc::EWOULDBLOCK) => Ok(true),
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn held(_path: &Path) -> io::Result<bool> {
    // No lock to ask here: leave every temporary file alone rather than remove a live one.
    Ok(true)
}

/// Creates a new file, with direct I/O where the system and the file system allow it.
///
/// The file is created first, plainly (`O_CREAT | O_EXCL | O_NOFOLLOW`: never an existing
/// file, never through a link), and direct I/O is asked for afterwards with `fcntl`. Asking
/// at `open` instead is a trap: on a file system without `O_DIRECT` (ramfs; tmpfs before
/// Linux 6.6), `open(O_CREAT | O_DIRECT)` creates the file and *then* fails with EINVAL, so
/// a retry without the flag finds the name taken, and a loop that moves on to the next
/// name fills the folder with empty files at full speed.
fn open_new(path: &Path) -> io::Result<Sink> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(path)?;
    let mut sink = Sink {
        file,
        direct: false,
    };
    sink.start_direct();
    Ok(sink)
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
            live().retain(|p| p != &self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::names::MAX_FILE_NAME_LEN;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "socket-lessons-files-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn a_good_body_is_saved_under_its_name_and_nothing_else_is_left() {
        let dir = scratch("good");
        let body = data(3 * CHUNK + 17);
        let md5 = crate::wire::checksum::md5_hex(&body);
        let saved = receive_file(
            &mut &body[..],
            &dir,
            "f.bin",
            body.len() as u64,
            Some(&md5),
            Existing::Keep,
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(saved.md5, md5);
        assert_eq!(fs::read(dir.join("f.bin")).unwrap(), body);
        assert_eq!(entries(&dir), ["f.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_short_body_leaves_nothing_behind() {
        let dir = scratch("short");
        let body = data(CHUNK + 5);
        let failed = receive_file(
            &mut &body[..body.len() - 1],
            &dir,
            "f.bin",
            body.len() as u64,
            None,
            Existing::Replace,
            &ProgressBar::hidden(),
        )
        .unwrap_err();
        assert!(
            failed
                .reason
                .wire
                .contains("after 1048580 of 1048581 bytes"),
            "{failed}"
        );
        assert!(!failed.in_step);
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_flipped_byte_leaves_nothing_behind_and_keeps_the_stream_in_step() {
        let dir = scratch("flipped");
        let body = data(1000);
        let md5 = crate::wire::checksum::md5_hex(&body);
        let mut wire = body.clone();
        wire[500] ^= 1;
        wire.extend_from_slice(b"next");
        let mut input = &wire[..];
        let failed = receive_file(
            &mut input,
            &dir,
            "f.bin",
            1000,
            Some(&md5),
            Existing::Keep,
            &ProgressBar::hidden(),
        )
        .unwrap_err();
        assert!(
            failed.reason.wire.starts_with("md5 check failed"),
            "{failed}"
        );
        assert!(failed.in_step);
        assert_eq!(input, b"next");
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_existing_file_survives_a_failed_receive() {
        let dir = scratch("existing");
        fs::write(dir.join("f.bin"), b"the old good file").unwrap();
        let failed = receive_file(
            &mut &b"new"[..],
            &dir,
            "f.bin",
            10,
            None,
            Existing::Replace,
            &ProgressBar::hidden(),
        );
        assert!(failed.is_err());
        assert_eq!(fs::read(dir.join("f.bin")).unwrap(), b"the old good file");
        assert_eq!(entries(&dir), ["f.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing_was_asked_for() {
        let dir = scratch("keep");
        fs::write(dir.join("f.bin"), b"mine").unwrap();
        let body = b"theirs";
        let receive = |existing| {
            receive_file(
                &mut &body[..],
                &dir,
                "f.bin",
                6,
                None,
                existing,
                &ProgressBar::hidden(),
            )
        };
        let failed = receive(Existing::Keep).unwrap_err();
        assert!(failed.reason.wire.contains("exists already"), "{failed}");
        assert_eq!(fs::read(dir.join("f.bin")).unwrap(), b"mine");
        receive(Existing::Replace).unwrap();
        assert_eq!(fs::read(dir.join("f.bin")).unwrap(), b"theirs");
        assert_eq!(entries(&dir), ["f.bin"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_longest_name_fits_because_the_temporary_name_does_not_carry_it() {
        let dir = scratch("long");
        let name = format!("{}.bin", "n".repeat(MAX_FILE_NAME_LEN - 4));
        assert_eq!(name.len(), MAX_FILE_NAME_LEN);
        receive_file(
            &mut &b"abc"[..],
            &dir,
            &name,
            3,
            None,
            Existing::Keep,
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(entries(&dir), [name]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn stale_temporary_files_are_removed_and_files_in_use_are_not() {
        let dir = scratch("stale");
        // Left by processes that are gone: nobody holds them. One named with this very
        // process's pid (what an earlier pid 1 leaves in a container) is stale too.
        let dead = format!("{TEMP_PREFIX}4194305-0{TEMP_SUFFIX}");
        let earlier_me = format!("{TEMP_PREFIX}{}-999999{TEMP_SUFFIX}", std::process::id());
        for name in [
            dead.as_str(),
            earlier_me.as_str(),
            ".other.part",
            "keep.bin",
        ] {
            fs::write(dir.join(name), b"x").unwrap();
        }
        // In use by another process (or another container): held open with its lock. Its
        // pid, 1, says nothing.
        let elsewhere = format!("{TEMP_PREFIX}1-0{TEMP_SUFFIX}");
        let held_elsewhere = File::create(dir.join(&elsewhere)).unwrap();
        hold(&held_elsewhere).unwrap();
        // A transfer under way in this process.
        let open = TempFile::create(&dir).unwrap();
        let open_name = open
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let mut want = vec![dead, earlier_me];
        want.sort();
        assert_eq!(remove_stale(&dir).unwrap(), want);
        let mut left = vec![
            elsewhere.clone(),
            open_name,
            ".other.part".to_owned(),
            "keep.bin".to_owned(),
        ];
        left.sort();
        assert_eq!(entries(&dir), left);
        // Once its holder closes it, that file is stale too.
        drop(held_elsewhere);
        assert_eq!(remove_stale(&dir).unwrap(), [elsewhere]);
        drop(open);
        fs::remove_dir_all(dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn things_planted_under_temporary_names_are_skipped_not_opened_or_removed() {
        use std::os::unix::fs::symlink;
        let dir = scratch("planted");
        let pid = std::process::id();
        // What a local user could plant in a shared folder, under the names this process
        // will try next (other tests may take some of them first: 12 names are tried
        // below) and under names remove_stale looks at.
        let next = TEMP_COUNTER.load(Ordering::Relaxed);
        let fifo = format!("{TEMP_PREFIX}{pid}-{}{TEMP_SUFFIX}", next);
        let folder = format!("{TEMP_PREFIX}{pid}-{}{NEWBORN_SUFFIX}", next + 1);
        let link = format!("{TEMP_PREFIX}{pid}-{}{TEMP_SUFFIX}", next + 2);
        let fifo_path =
            std::ffi::CString::new(dir.join(&fifo).into_os_string().into_encoded_bytes()).unwrap();
        // SAFETY: mkfifo(3) with a NUL-terminated path and a mode.
        assert_eq!(unsafe { libc::mkfifo(fifo_path.as_ptr(), 0o600) }, 0);
        fs::create_dir(dir.join(&folder)).unwrap();
        fs::write(dir.join("target.txt"), b"not yours").unwrap();
        symlink(dir.join("target.txt"), dir.join(&link)).unwrap();
        // remove_stale neither blocks on the FIFO nor removes or follows any of them.
        assert_eq!(remove_stale(&dir).unwrap(), Vec::<String>::new());
        let mut want = vec![
            fifo.clone(),
            folder.clone(),
            link.clone(),
            "target.txt".into(),
        ];
        want.sort();
        assert_eq!(entries(&dir), want);
        // A temporary file can still be made (under a name nothing holds) and used.
        let mut made = Vec::new();
        for _ in 0..12 {
            made.push(TempFile::create(&dir).unwrap());
        }
        for temp in &made {
            assert!(fs::symlink_metadata(&temp.path).unwrap().is_file());
        }
        drop(made);
        assert_eq!(fs::read(dir.join("target.txt")).unwrap(), b"not yours");
        assert_eq!(entries(&dir), want);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_killed_newborn_is_stale_too() {
        let dir = scratch("newborn");
        let newborn = format!("{TEMP_PREFIX}4194305-3{NEWBORN_SUFFIX}");
        fs::write(dir.join(&newborn), b"").unwrap();
        assert_eq!(remove_stale(&dir).unwrap(), [newborn]);
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(dir).unwrap();
    }

    /// Runs `test` (an ignored test of this module) again inside a private mount namespace
    /// with a fresh file system of `fstype` mounted on a scratch folder, named to it by
    /// `SOCKET_LESSONS_MOUNTED`. Needs root and util-linux's `unshare`: without them it says
    /// it skipped (and fails under `CI=true`, where they are required).
    #[cfg(target_os = "linux")]
    fn on_fresh_mount(fstype: &str, test: &str) {
        let dir = scratch(&format!("mount-{fstype}"));
        let exe = std::env::current_exe().unwrap();
        let script = format!(
            "mount -t {fstype} -o size=64m {fstype} \"$0\" || exit 77; exec \"$1\" --ignored --exact {test} --nocapture",
        );
        let run = std::process::Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", &script])
            .arg(&dir)
            .arg(&exe)
            .env("SOCKET_LESSONS_MOUNTED", &dir)
            .output();
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        match run {
            Ok(out) if out.status.success() => {
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(stdout.contains("test result: ok. 1 passed"), "{stdout}");
            }
            // 77: the mount failed; `unshare: …`: no namespace for us (not root).
            Ok(out)
                if !ci
                    && (out.status.code() == Some(77)
                        || String::from_utf8_lossy(&out.stderr).starts_with("unshare:")) =>
            {
                println!(
                    "skipped: cannot mount {fstype} here (needs root): {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok(out) => panic!(
                "{test} on {fstype} failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
            Err(e) if !ci => println!("skipped: no unshare ({e})"),
            Err(e) => panic!("unshare: {e}"),
        }
        let _ = fs::remove_dir_all(dir);
    }

    /// The body of the mount tests: a receive into the mounted folder, good and cut short,
    /// leaves exactly the saved file, and the temporary files made there are few.
    #[test]
    #[ignore = "run by on_fresh_mount inside a private mount namespace"]
    fn receiving_on_the_mounted_file_system() {
        let Ok(dir) = std::env::var("SOCKET_LESSONS_MOUNTED") else {
            return;
        };
        let dir = PathBuf::from(dir);
        let body = data(3 * CHUNK + 5);
        let md5 = crate::wire::checksum::md5_hex(&body);
        let saved = receive_file(
            &mut &body[..],
            &dir,
            "good.bin",
            body.len() as u64,
            Some(&md5),
            Existing::Keep,
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert_eq!(fs::read(&saved.path).unwrap(), body);
        let short = receive_file(
            &mut &body[..100],
            &dir,
            "short.bin",
            body.len() as u64,
            None,
            Existing::Keep,
            &ProgressBar::hidden(),
        );
        assert!(short.is_err());
        assert_eq!(entries(&dir), ["good.bin"]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn ramfs_without_direct_io_neither_spins_nor_leaves_files() {
        on_fresh_mount(
            "ramfs",
            "guard::saving::tests::receiving_on_the_mounted_file_system",
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn tmpfs_neither_spins_nor_leaves_files() {
        on_fresh_mount(
            "tmpfs",
            "guard::saving::tests::receiving_on_the_mounted_file_system",
        );
    }
}
