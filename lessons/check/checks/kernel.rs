//! What the kernel knows about this process, asked where a wrong answer would otherwise be
//! invisible: how many descriptors and threads it holds, which thread sleeps in which
//! system call on which descriptor, how many bytes wait in a socket's queues. Linux only
//! (`/proc/self`); elsewhere every question answers `None` and the check says which step it
//! could not make.
//!
//! Every wait here is for a state, never for a time: "the learner's thread sleeps in
//! `sendto` on descriptor 7" is what makes "its send was cut short by a signal" a
//! deterministic scenario instead of a lucky one. The time limits only bound a wrong answer.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// What kind of system call a thread sleeps in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Call {
    /// write, send, sendto, sendmsg, writev.
    Send,
    /// read, recv, recvfrom, recvmsg, readv.
    Recv,
}

/// Whether the questions below can be answered here.
pub const OBSERVABLE: bool = cfg!(target_os = "linux");

/// How many descriptors this process has open.
pub fn open_fds() -> Option<usize> {
    if !OBSERVABLE {
        return None;
    }
    // The listing itself holds one descriptor while it reads: not counted.
    let n = std::fs::read_dir("/proc/self/fd").ok()?.count();
    Some(n.saturating_sub(1))
}

/// How many threads this process runs.
pub fn threads() -> Option<usize> {
    if !OBSERVABLE {
        return None;
    }
    Some(std::fs::read_dir("/proc/self/task").ok()?.count())
}

/// Waits until `probe` answers at most `want` (descriptors closed, threads ended), at most
/// `limit`; returns the last answer. Closing and ending happen a moment after the event that
/// causes them; a right answer gets there within milliseconds.
pub fn settle_at_most(
    want: usize,
    limit: Duration,
    probe: impl Fn() -> Option<usize>,
) -> Option<usize> {
    let deadline = Instant::now() + limit;
    loop {
        let seen = probe()?;
        if seen <= want || Instant::now() >= deadline {
            return Some(seen);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The calling thread's id in the kernel (what `/proc/self/task/` lists).
pub fn current_tid() -> Option<i32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid takes no arguments and cannot fail.
        Some(unsafe { libc::syscall(libc::SYS_gettid) } as i32)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The descriptor of this process's socket whose local address is `local` and whose peer
/// is `peer` (a connection the learner's code opened, found from the other end).
pub fn socket_fd(local: SocketAddr, peer: SocketAddr) -> Option<i32> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::BorrowedFd;
        for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
            let Some(fd) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<i32>().ok())
            else {
                continue;
            };
            let is_socket = std::fs::read_link(entry.path())
                .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
            if !is_socket {
                continue;
            }
            // SAFETY: the descriptor is open (it was just listed) and only borrowed for two
            // getsockname/getpeername calls; if it was closed meanwhile they fail harmlessly.
            let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
            let sock = socket2::SockRef::from(&borrowed);
            let here = sock.local_addr().ok().and_then(|a| a.as_socket());
            let there = sock.peer_addr().ok().and_then(|a| a.as_socket());
            if here == Some(local) && there == Some(peer) {
                return Some(fd);
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (local, peer);
        None
    }
}

/// Waits up to `limit` for [`socket_fd`] to find the socket (a server that has not accepted
/// yet has no descriptor for it).
pub fn wait_for_socket_fd(local: SocketAddr, peer: SocketAddr, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(fd) = socket_fd(local, peer) {
            return Some(fd);
        }
        if !OBSERVABLE || Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[cfg(target_os = "linux")]
fn syscall_numbers(call: Call) -> &'static [libc::c_long] {
    match call {
        Call::Send => &[
            libc::SYS_write,
            libc::SYS_sendto,
            libc::SYS_sendmsg,
            libc::SYS_writev,
        ],
        Call::Recv => &[
            libc::SYS_read,
            libc::SYS_recvfrom,
            libc::SYS_recvmsg,
            libc::SYS_readv,
        ],
    }
}

/// What a descriptor of this process refers to: `socket:[12345]` names a socket by its
/// inode, the same for every descriptor of it (`try_clone`, `dup`). Read with readlink,
/// which opens nothing: it works while the process may open no descriptor.
#[cfg(target_os = "linux")]
fn target(fd: i64) -> Option<std::path::PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{fd}")).ok()
}

/// Whether the descriptor a call was given, `arg`, is `fd` or another handle to the same
/// socket: a server that writes through `conn.try_clone()` writes on another descriptor
/// number to the same connection.
#[cfg(target_os = "linux")]
fn same_socket(arg: Option<i64>, fd: i32) -> bool {
    let Some(arg) = arg else {
        return false;
    };
    if arg == i64::from(fd) {
        return true;
    }
    match (target(arg), target(i64::from(fd))) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Whether thread `tid` of this process sleeps in a call of kind `call`, on descriptor
/// `fd` (or any other descriptor of the same socket) if one is given.
/// `/proc/self/task/TID/syscall` names the call and its arguments only while the thread is
/// blocked in it; `stat` says it sleeps.
pub fn sleeps_in(tid: i32, call: Call, fd: Option<i32>) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")) else {
            return false;
        };
        // "pid (comm) S ...": the state follows the last ')'.
        let state = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next());
        if !matches!(state, Some("S") | Some("D")) {
            return false;
        }
        let Ok(text) = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")) else {
            return false;
        };
        let mut fields = text.split_whitespace();
        let Some(nr) = fields.next().and_then(|n| n.parse::<libc::c_long>().ok()) else {
            return false;
        };
        if !syscall_numbers(call).contains(&nr) {
            return false;
        }
        match fd {
            None => true,
            Some(fd) => same_socket(
                fields
                    .next()
                    .and_then(|a| i64::from_str_radix(a.trim_start_matches("0x"), 16).ok()),
                fd,
            ),
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (tid, call, fd);
        false
    }
}

/// The CPU time thread `tid` has run so far, in nanoseconds (schedstat's first field): a
/// measure of "it had its chance" that does not depend on how busy the machine is.
pub fn runtime_ns(tid: i32) -> Option<u64> {
    if !OBSERVABLE {
        return None;
    }
    std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// A thread of this process that sleeps in a call of kind `call` on `fd` (on any
/// descriptor of its socket), if any.
pub fn sleeper(call: Call, fd: i32) -> Option<i32> {
    if !OBSERVABLE {
        return None;
    }
    std::fs::read_dir("/proc/self/task")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .find(|&tid| sleeps_in(tid, call, Some(fd)))
}

/// Waits until `ready` holds or `limit` passes; true when it held. Polls every
/// millisecond: the states waited for here (a thread asleep in a call, a queue drained) do
/// not signal anyone.
pub fn wait_until(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Sends thread `tid` a signal whose handler does nothing (installed once, with
/// SA_RESTART). A thread asleep in `send` after it has copied some bytes returns at once
/// with that count: a short write, as any signal can cause (`man 7 signal`, "Interruption
/// of system calls": a call that has transferred data returns a partial count). A call
/// that had copied nothing is restarted as if nothing happened.
pub fn interrupt(tid: i32) -> bool {
    signal(tid, true)
}

/// Sends thread `tid` a signal whose handler does nothing and was installed without
/// SA_RESTART (the way a program that wants its blocking calls cut short installs one). A
/// thread asleep in `send` that has copied nothing yet returns at once with EINTR:
/// `ErrorKind::Interrupted`, which means "call again", not "the connection failed".
pub fn interrupt_without_restart(tid: i32) -> bool {
    signal(tid, false)
}

/// SIGUSR1 (handler with SA_RESTART) or SIGUSR2 (without) to thread `tid`.
fn signal(tid: i32, restart: bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::sync::Once;
        static HANDLERS: Once = Once::new();
        extern "C" fn nothing(_: libc::c_int) {}
        HANDLERS.call_once(|| {
            for (signal, flags) in [(libc::SIGUSR1, libc::SA_RESTART), (libc::SIGUSR2, 0)] {
                // SAFETY: a zeroed sigaction with a handler that does nothing
                // (async-signal-safe); sigaction copies it.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = nothing as extern "C" fn(libc::c_int) as usize;
                    action.sa_flags = flags;
                    libc::sigemptyset(&mut action.sa_mask);
                    libc::sigaction(signal, &action, std::ptr::null_mut());
                }
            }
        });
        let signal = if restart {
            libc::SIGUSR1
        } else {
            libc::SIGUSR2
        };
        // SAFETY: tgkill takes plain integers; a thread that is gone gives ESRCH.
        unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, signal) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (tid, restart);
        false
    }
}

/// How many times thread `tid` has gone to sleep of its own accord so far (its voluntary
/// context switches): a count that grows by one each time it blocks in a call, so that a
/// new sleep can be told from the one it was in.
pub fn sleeps(tid: i32) -> Option<u64> {
    if !OBSERVABLE {
        return None;
    }
    std::fs::read_to_string(format!("/proc/self/task/{tid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))?
        .trim()
        .parse()
        .ok()
}

/// How a sender was interrupted, for a failure's words.
#[derive(Clone, Copy, Default, Debug)]
pub struct Interruptions {
    /// Signals that came after the call had copied bytes: a short count.
    pub short: u32,
    /// Signals that came before it had copied any (no SA_RESTART): EINTR.
    pub eintr: u32,
}

impl Interruptions {
    pub fn any(&self) -> bool {
        self.short + self.eintr > 0
    }
}

/// Interrupts the thread that sends on `fd` while its peer reads nothing, the way signals
/// can: once after its send has copied bytes (a short count); once in the call it makes
/// next, before that has copied any (EINTR); then, after `read_some` has let some bytes
/// through (it reads from the peer's end and says how many it held before and after), once more
/// after that call has copied bytes (a short count again). A sender that stops (it gave up,
/// or `stopped` says it is done) ends the sequence early. Every wait is for a state: a
/// thread asleep in send, a new sleep (its count of sleeps grown), bytes taken.
pub fn interrupt_sender(
    fd: i32,
    peer_fd: Option<i32>,
    limit: Duration,
    stopped: &dyn Fn() -> bool,
    read_some: &mut dyn FnMut() -> (usize, usize),
) -> Interruptions {
    let mut done = Interruptions::default();
    let mut tid = None;
    wait_until(limit, || {
        tid = sleeper(Call::Send, fd);
        tid.is_some() || stopped()
    });
    let Some(tid) = tid else {
        return done;
    };
    // Asleep in send again, in a call after the one it was in when `before` was counted.
    let again = |before: Option<u64>, extra: &dyn Fn() -> bool| {
        wait_until(limit, || {
            stopped() || (sleeps(tid) > before && sleeps_in(tid, Call::Send, Some(fd)) && extra())
        }) && !stopped()
    };
    let before = sleeps(tid);
    if !interrupt(tid) {
        return done;
    }
    done.short += 1;
    if !again(before, &|| true) {
        return done;
    }
    let before = sleeps(tid);
    if !interrupt_without_restart(tid) {
        return done;
    }
    done.eintr += 1;
    if !again(before, &|| true) {
        return done;
    }
    // What the sender has handed to the kernel so far: what the peer holds, and what is
    // still queued on the way (in the sender's send queue, in the peer's receive queue).
    let queued = || unsent(fd).unwrap_or(0) + peer_fd.and_then(unread).unwrap_or(0);
    let before = sleeps(tid);
    let queued_before = queued();
    let (held_before, held) = read_some();
    let mark = held_before + queued_before;
    if again(before, &|| held + queued() > mark) && interrupt(tid) {
        done.short += 1;
    }
    done
}

/// Whether descriptor `fd` is in non-blocking mode (O_NONBLOCK).
pub fn nonblocking(fd: i32) -> Option<bool> {
    #[cfg(unix)]
    {
        // SAFETY: F_GETFL reads the descriptor's flags; a closed one gives -1.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        (flags >= 0).then_some(flags & libc::O_NONBLOCK != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = fd;
        None
    }
}

/// Bytes waiting to be read in socket `fd`'s receive queue (FIONREAD).
pub fn unread(fd: i32) -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        let mut n: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int through the pointer.
        let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
        (rc == 0).then_some(n.max(0) as usize)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        None
    }
}

/// Bytes the application has taken from socket `fd` so far: what the kernel received
/// (TCP_INFO's tcpi_bytes_received, Linux 4.1) minus what still waits in the queue.
pub fn consumed(fd: i32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `info` is a plain C struct that getsockopt fills in; `len` says its size.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            )
        };
        let needed = std::mem::offset_of!(libc::tcp_info, tcpi_bytes_received) + 8;
        if rc != 0 || (len as usize) < needed {
            return None;
        }
        let unread = unread(fd)? as u64;
        Some(info.tcpi_bytes_received.saturating_sub(unread))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        None
    }
}

/// The receive window socket `fd` advertises to its peer now, in bytes (TCP_INFO's
/// tcpi_rcv_wnd, Linux 6.2): 0 when its receive buffer is full and nothing more can come.
pub fn receive_window(fd: i32) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: as in `consumed`.
        let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = unsafe {
            libc::getsockopt(
                fd,
                libc::IPPROTO_TCP,
                libc::TCP_INFO,
                (&mut info as *mut libc::tcp_info).cast(),
                &mut len,
            )
        };
        let needed = std::mem::offset_of!(libc::tcp_info, tcpi_rcv_wnd) + 4;
        (rc == 0 && len as usize >= needed).then_some(info.tcpi_rcv_wnd)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        None
    }
}

/// Bytes in socket `fd`'s send queue not yet acknowledged by the peer (SIOCOUTQ).
pub fn unsent(fd: i32) -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        let mut n: libc::c_int = 0;
        // SAFETY: TIOCOUTQ (SIOCOUTQ for sockets) writes one c_int through the pointer.
        let rc = unsafe { libc::ioctl(fd, libc::TIOCOUTQ, &mut n) };
        (rc == 0).then_some(n.max(0) as usize)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = fd;
        None
    }
}

/// Sets SO_SNDBUF and SO_RCVBUF on descriptor `fd` (a socket the learner's server
/// accepted): buffers of a fixed size make back-pressure come after kilobytes instead of
/// megabytes of autotuned buffers.
pub fn set_buffers(fd: i32, send: usize, receive: usize) -> bool {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::BorrowedFd;
        // SAFETY: borrowed for two setsockopt calls while the learner's socket is open.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&borrowed);
        sock.set_send_buffer_size(send).is_ok() && sock.set_recv_buffer_size(receive).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (fd, send, receive);
        false
    }
}

/// The read timeout (SO_RCVTIMEO) the learner's code set on socket `fd`, if any; when it is
/// longer than `to`, it is set to `to`, so that a pause of the check's outlasts it (the
/// same effect as a long pause, without the wait). Returns the timeout it found.
pub fn shorten_read_timeout(fd: i32, to: Duration) -> Option<Duration> {
    #[cfg(unix)]
    {
        use std::os::fd::BorrowedFd;
        // SAFETY: borrowed for getsockopt/setsockopt while the learner's socket is open.
        let borrowed = unsafe { BorrowedFd::borrow_raw(fd) };
        let sock = socket2::SockRef::from(&borrowed);
        let found = sock.read_timeout().ok().flatten()?;
        if found > to {
            let _ = sock.set_read_timeout(Some(to));
        }
        Some(found)
    }
    #[cfg(not(unix))]
    {
        let _ = (fd, to);
        None
    }
}

/// While alive, this process can open no new descriptor: the soft RLIMIT_NOFILE is 0, so
/// `accept`, `socket` and `open` fail with EMFILE ("Too many open files"), as they do on a
/// server that has run out. Descriptors already open keep working. Dropping it restores
/// the limit.
pub struct NoNewDescriptors {
    #[cfg(unix)]
    saved: libc::rlimit,
}

impl NoNewDescriptors {
    pub fn new() -> Option<Self> {
        #[cfg(unix)]
        {
            // SAFETY: getrlimit/setrlimit read and write one plain struct.
            unsafe {
                let mut saved: libc::rlimit = std::mem::zeroed();
                if libc::getrlimit(libc::RLIMIT_NOFILE, &mut saved) != 0 {
                    return None;
                }
                let lowered = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: saved.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &lowered) != 0 {
                    return None;
                }
                Some(NoNewDescriptors { saved })
            }
        }
        #[cfg(not(unix))]
        {
            None
        }
    }
}

impl Drop for NoNewDescriptors {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: restores the limit read in `new`.
        unsafe {
            libc::setrlimit(libc::RLIMIT_NOFILE, &self.saved);
        }
    }
}

/// The processes whose parent is this process, zombies included (a child that ended and
/// was never waited for).
pub fn children() -> Option<Vec<(u32, char)>> {
    if !OBSERVABLE {
        return None;
    }
    let me = std::process::id();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let mut fields = rest.split_whitespace();
        let state = fields.next().and_then(|s| s.chars().next()).unwrap_or('?');
        let ppid = fields.next().and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(me) {
            found.push((pid, state));
        }
    }
    Some(found)
}

/// A thread's `/proc` files, opened beforehand: they can be read again (from offset 0)
/// while this process may open nothing new ([`NoNewDescriptors`]).
pub struct ThreadFiles {
    #[cfg(target_os = "linux")]
    stat: std::fs::File,
    #[cfg(target_os = "linux")]
    syscall: std::fs::File,
    #[cfg(target_os = "linux")]
    schedstat: std::fs::File,
}

impl ThreadFiles {
    pub fn open(tid: i32) -> Option<ThreadFiles> {
        #[cfg(target_os = "linux")]
        {
            let open = |name: &str| std::fs::File::open(format!("/proc/self/task/{tid}/{name}"));
            Some(ThreadFiles {
                stat: open("stat").ok()?,
                syscall: open("syscall").ok()?,
                schedstat: open("schedstat").ok()?,
            })
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = tid;
            None
        }
    }

    #[cfg(target_os = "linux")]
    fn read(file: &std::fs::File) -> Option<String> {
        use std::os::unix::fs::FileExt;
        let mut buf = [0u8; 512];
        let n = file.read_at(&mut buf, 0).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }

    /// Whether the thread sleeps (in any call); `None` once it is gone.
    pub fn asleep(&self) -> Option<bool> {
        #[cfg(target_os = "linux")]
        {
            let stat = Self::read(&self.stat)?;
            Some(matches!(
                stat.rsplit_once(')')
                    .and_then(|(_, r)| r.split_whitespace().next()),
                Some("S") | Some("D")
            ))
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }

    /// Whether the thread sleeps in a call of kind `call` on `fd`; `None` once it is gone.
    pub fn sleeps_in(&self, call: Call, fd: i32) -> Option<bool> {
        #[cfg(target_os = "linux")]
        {
            let stat = Self::read(&self.stat)?;
            let asleep = matches!(
                stat.rsplit_once(')')
                    .and_then(|(_, r)| r.split_whitespace().next()),
                Some("S") | Some("D")
            );
            let text = Self::read(&self.syscall)?;
            let mut fields = text.split_whitespace();
            let nr = fields.next().and_then(|n| n.parse::<libc::c_long>().ok());
            let arg = fields
                .next()
                .and_then(|a| i64::from_str_radix(a.trim_start_matches("0x"), 16).ok());
            Some(
                asleep
                    && nr.is_some_and(|nr| syscall_numbers(call).contains(&nr))
                    && same_socket(arg, fd),
            )
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (call, fd);
            None
        }
    }

    /// The time the thread has run so far, in nanoseconds (schedstat's first field).
    pub fn runtime_ns(&self) -> Option<u64> {
        #[cfg(target_os = "linux")]
        {
            Self::read(&self.schedstat)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        }
        #[cfg(not(target_os = "linux"))]
        {
            None
        }
    }
}
