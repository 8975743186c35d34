//! What a program costs, read from the OS: CPU time and peak memory.
//!
//! Lesson 11 prints how much CPU its busy loop burns while no client sends anything; the
//! benchmarks report peak memory beside each figure. Both come from the kernel's own
//! accounting (POSIX `clock_gettime`, `getrusage`; on Windows `GetProcessTimes`), so they
//! measure the process, not a guess. Where the OS offers no such figure the functions return
//! `None` and callers say "not measured".

use std::time::Duration;

/// CPU time used so far by the whole process, all threads, user plus system
/// (`CLOCK_PROCESS_CPUTIME_ID` on Unix, `GetProcessTimes` on Windows).
pub fn process_cpu_time() -> Option<Duration> {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec into the pointer it is given, which
        // points at a live local.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
        (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }
    #[cfg(windows)]
    {
        use windows_sys::Win32::Foundation::FILETIME;
        use windows_sys::Win32::System::Threading::{GetCurrentProcess, GetProcessTimes};
        let zero = || FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let (mut created, mut exited, mut kernel, mut user) = (zero(), zero(), zero(), zero());
        // SAFETY: GetCurrentProcess returns a pseudo-handle that needs no closing; the four
        // pointers point at live locals, which GetProcessTimes fills.
        let ok = unsafe {
            GetProcessTimes(
                GetCurrentProcess(),
                &mut created,
                &mut exited,
                &mut kernel,
                &mut user,
            )
        };
        // A FILETIME counts 100-nanosecond ticks in two 32-bit halves.
        let ticks = |t: FILETIME| (u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime);
        (ok != 0).then(|| Duration::from_nanos((ticks(kernel) + ticks(user)).saturating_mul(100)))
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}

/// The largest resident set this process has had, in bytes (`getrusage(RUSAGE_SELF)`:
/// `ru_maxrss`, which Linux counts in KiB and macOS in bytes).
pub fn peak_rss() -> Option<u64> {
    #[cfg(unix)]
    {
        // SAFETY: an all-zero rusage is a valid value of a plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: getrusage fills the struct the pointer points at, a live local.
        let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
        if rc != 0 {
            return None;
        }
        let max = usage.ru_maxrss as u64;
        Some(if cfg!(target_os = "macos") {
            max
        } else {
            max * 1024
        })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A duration in milliseconds with one decimal, the way the lessons print measurements
/// (`12.3 ms`); the transcript tests mask exactly this shape.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(any(unix, windows))]
    #[test]
    fn cpu_time_grows_when_the_process_works() {
        let before = process_cpu_time().unwrap();
        // Work that the optimiser cannot drop: its result is used below.
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(process_cpu_time().unwrap() > before);
    }

    #[cfg(unix)]
    #[test]
    fn peak_rss_sees_memory_that_was_touched() {
        let before = peak_rss().unwrap();
        let block = vec![1u8; 64 << 20];
        std::hint::black_box(&block);
        assert!(peak_rss().unwrap() >= before.max(64 << 20));
    }

    #[test]
    fn ms_has_one_decimal() {
        assert_eq!(ms(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(ms(Duration::ZERO), "0.0 ms");
    }
}
