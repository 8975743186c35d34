//! The checks of the exercises, one file each (`ex06.rs` checks exercise 06), and what they
//! share.
//!
//! This folder is compiled twice. `check` (`../main.rs`) includes it as a module, to run
//! the course's solutions and to list the exercises. And `check` builds it as a small
//! library of its own, beside a program made for one learner's file: that program holds
//! the file and this library and nothing else, so a file that does not compile stops only
//! its own check (`../compile.rs`). The same folder is both a module and a crate root,
//! which is why its files name each other with `super::`.

pub mod alloc;
pub mod ex00;
pub mod ex01;
pub mod ex02;
pub mod ex03;
pub mod ex04;
pub mod ex05;
pub mod ex06;
pub mod ex07;
pub mod ex08;
pub mod ex09;
pub mod ex10;
pub mod ex11;
pub mod ex12;
pub mod ex13;
pub mod exercises;
pub mod harness;
pub mod kernel;
pub mod source;

use harness::Subject;
use std::path::Path;
use std::process::ExitCode;

/// The program built for one learner's file starts here: `--lang en|zh` from `check`,
/// then the exercise's check on `file`.
// Used by the programs `check` generates, not by `check` itself.
#[allow(dead_code)]
pub fn main(root: &str, lesson: &str, file: &str, run: fn(&Subject) -> ExitCode) -> ExitCode {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--lang" {
            if let Some(Ok(lang)) = args.next().map(|l| socket_lessons::lang::parse(&l)) {
                socket_lessons::lang::set(lang);
            }
        }
    }
    let _ = lesson;
    start(Path::new(root));
    run(&Subject::new(Path::new(file)))
}

/// What every check process does first: the signals the commands it runs will inherit put
/// back to their defaults, the course's folder known (to show paths), panics recorded
/// instead of printed, the calling thread marked as the check's own.
pub fn start(root: &Path) {
    default_signals();
    harness::set_root(root);
    harness::install_panic_hook();
    harness::check_thread();
}

/// SIGINT, SIGTERM, SIGHUP and SIGQUIT back to their default action, and no signal
/// blocked: whatever this process inherited. A shell starts a background job (`cargo test
/// &` in a script) with SIGINT and SIGQUIT ignored, and an ignored signal stays ignored in
/// every program started from here, the learner's commands included (`sleep` would then
/// outlive a SIGINT). So the commands a check runs get the same dispositions every time.
/// SIGPIPE is left as Rust sets it (ignored here: a write to a closed socket is an error,
/// not the end of the check); `std::process::Command` gives a child the default.
fn default_signals() {
    #[cfg(unix)]
    // SAFETY: signal() with SIG_DFL and sigprocmask with an emptied set take plain values;
    // this runs first, on the main thread, before any other thread is started.
    unsafe {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT] {
            libc::signal(signal, libc::SIG_DFL);
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
}
