//! How a course program ends on a signal: one line on stderr and exit status 130, whatever
//! catchable signal would have ended it, never a silent death.
//!
//! A process has one handler per signal, and `ctrlc` (with its "termination" feature) takes
//! three: SIGINT (Ctrl-C), SIGTERM (a service manager's stop, plain `kill`) and SIGHUP (the
//! terminal closed). Every other signal whose default action ends a process is sent on to
//! SIGTERM ([`forward_to_sigterm`]), so that `kill -USR1`, `Ctrl-\` or a stray SIGALRM end
//! it the same way. One `ctrlc` handler is installed, once, by whoever asks first; what it
//! says (and cleans up first) is the last [`on_ending`] given, or plain `interrupted`:
//!
//! - every server ([`say_when_ended`], where it starts serving): `interrupted`;
//! - lessons 07 and 08 (`guard::shell`): the running command is killed first;
//! - lesson 09 (`guard::saving`): the partial files are removed first.
//!
//! SIGKILL cannot be caught, SIGSTOP only stops, and Rust's runtime ignores SIGPIPE.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

/// What the handler does before it exits: cleans up, and returns the line to print.
pub type Ending = fn() -> String;

/// The [`Ending`] given last, if any.
static ENDING: Mutex<Option<Ending>> = Mutex::new(None);

/// Whether the handler is in place (or why not), decided once.
static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();

/// From now on, a signal that would end this process runs `ending` (which cleans up and
/// returns one line), prints its line on stderr and exits with status 130. Installs the
/// handler if nobody has yet; replaces what an earlier call gave. `Err` (the OS refused the
/// handler) says why, for the caller's own warning.
pub fn on_ending(ending: Ending) -> Result<(), String> {
    *ENDING.lock().unwrap_or_else(|e| e.into_inner()) = Some(ending);
    install()
}

/// For a server, where it starts serving: a signal that would end it prints `interrupted`
/// (or what [`on_ending`] gave, lessons 07, 08 and 09) and exits with status 130. Before,
/// SIGTERM, SIGHUP or SIGUSR1 ended most servers with no line at all.
pub fn say_when_ended() {
    if let Err(e) = install() {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(
            err,
            "{}",
            crate::tr!(
                "cannot catch Ctrl-C ({e}): an interrupt ends the server without a line"
                    | "无法捕获 Ctrl-C（{e}）：中断会让服务端不声不响地结束"
            )
        );
    }
}

/// The handler, once.
fn install() -> Result<(), String> {
    INSTALLED
        .get_or_init(|| {
            ctrlc::set_handler(|| {
                let ending = *ENDING.lock().unwrap_or_else(|e| e.into_inner());
                let line = match ending {
                    Some(ending) => ending(),
                    None => crate::tr!("interrupted" | "已中断"),
                };
                // Not eprintln!: a stderr that cannot be written to (closed, /dev/full)
                // must not keep the process from exiting. One write, the line and its end
                // together: where stdout goes to the same place, a line of the server's
                // cannot come between them.
                to_stderr(&line);
                std::process::exit(130);
            })
            .map_err(|e| e.to_string())?;
            #[cfg(unix)]
            forward_to_sigterm();
            Ok(())
        })
        .clone()
}

/// Every other signal whose default action ends a process and that a program can catch:
/// SIGQUIT (`Ctrl-\`), SIGUSR1 and SIGUSR2 (`kill -USR1`), the timers' SIGALRM, SIGVTALRM and
/// SIGPROF (`timeout -s ALRM`), SIGXCPU and SIGXFSZ (resource limits), and on Linux
/// SIGPWR, SIGSTKFLT, SIGIO and the real-time signals. Each is turned into a SIGTERM to
/// this process, which the handler for SIGTERM then takes (`ctrlc`'s, installed by this
/// module; lesson 14's, tokio's). (SIGPIPE is ignored by Rust's runtime; SIGKILL cannot be
/// caught, and SIGSTOP only stops.) Before, each of these killed a server silently: lesson
/// 07's command ran on under init, lesson 09's `.part` file stayed.
///
/// The signals a fault raises, SIGABRT, SIGSYS, SIGTRAP, SIGFPE and SIGILL, are forwarded
/// too when another process sent them (`kill -TRAP`: the signal's `si_code` is SI_USER,
/// SI_QUEUE or SI_TKILL, all ≤ 0); one the process raised itself by a fault (a division by
/// zero, a bad instruction, a breakpoint) gets its default action back and is raised again,
/// so a real fault still ends the process as it would have. (Found by an attack: `kill
/// -TRAP` mid-upload left 09's `.part`, and 07's command ran on.) SIGSEGV and SIGBUS stay
/// with Rust's runtime, which uses them to report a stack overflow.
///
/// Lesson 09 ignores SIGXFSZ afterwards (`saving::fail_writes_past_the_size_limit`): a
/// write past `ulimit -f` then fails with EFBIG instead.
#[cfg(unix)]
pub fn forward_to_sigterm() {
    extern "C" fn to_sigterm(_: libc::c_int) {
        // SAFETY: kill(2) and getpid(2) are async-signal-safe and take plain integers.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGTERM);
        }
    }
    #[allow(unused_mut)]
    let mut signals = vec![
        libc::SIGQUIT,
        libc::SIGUSR1,
        libc::SIGUSR2,
        libc::SIGALRM,
        libc::SIGVTALRM,
        libc::SIGPROF,
        libc::SIGXCPU,
        libc::SIGXFSZ,
    ];
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        signals.extend([libc::SIGPWR, libc::SIGIO]);
        #[cfg(any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64"
        ))]
        signals.push(libc::SIGSTKFLT);
        signals.extend(libc::SIGRTMIN()..=libc::SIGRTMAX());
    }
    for signal in signals {
        // SAFETY: a zeroed sigaction is a valid start; the handler only calls
        // async-signal-safe functions; the handler is reset to the default in a program
        // this process starts (execve), so commands see these signals as usual.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = to_sigterm as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
    extern "C" fn sent_or_fault(
        signal: libc::c_int,
        info: *mut libc::siginfo_t,
        _: *mut libc::c_void,
    ) {
        // SAFETY: the kernel passes a valid siginfo_t with SA_SIGINFO; kill(2), getpid(2),
        // signal(2) and raise(3) are async-signal-safe.
        unsafe {
            if (*info).si_code <= 0 {
                libc::kill(libc::getpid(), libc::SIGTERM);
            } else {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
        }
    }
    for signal in [
        libc::SIGABRT,
        libc::SIGSYS,
        libc::SIGTRAP,
        libc::SIGFPE,
        libc::SIGILL,
    ] {
        // SAFETY: as above; SA_SIGINFO makes the kernel call the three-argument handler.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = sent_or_fault
                as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// Writes `line` and its end to stderr in one write, and goes on whatever happens: a stderr
/// that cannot be written to (a reader that has gone, `2>/dev/full`) is no reason to panic,
/// which is what `eprintln!` does then (an attack: exit status 101 and a panic message
/// where an error's one line was due).
pub fn to_stderr(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}
