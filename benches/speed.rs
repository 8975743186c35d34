//! How fast the course's plumbing is, each figure beside the limit it should meet.
//!
//! `cargo bench` runs this once and prints one table (Markdown, to paste into the book's
//! performance page, docs/performance.md). Every row is a figure, the limit it is held to,
//! and their ratio:
//!
//! 1. framed throughput: 1 MiB frames (header included) through `write_frame` /
//!    `FrameReader` over loopback, against the fastest plain copy of the same bytes in the
//!    same 1 MiB writes (target ≥ 0.95×), 64 MiB a run. Both copies are searched for
//!    first, each at every setting: the plain receiver (`read` into 64 KiB to 4 MiB,
//!    `read_exact` of 1 MiB), the framed one (bodies read 64 or 256 KiB at a time,
//!    `FrameReader::reading_at_most`, or whole), and the sender's socket buffer (the
//!    kernel's own, which it grows, or SO_SNDBUF 256 or 512 KiB); the search is printed
//!    under the table. Each copy at its fastest setting then runs in pairs with the other,
//!    many short pairs rather than a few long ones; the row says how far the pairs' ratios
//!    spread, and the CPU time, context switches and CPU idle entries each copy cost per GiB;
//! 2. request/response: a 64-byte framed echo (`write_frame`, `FrameReader` on both ends),
//!    round trips per second, against the same exchange written unframed (target ≥ 0.95×),
//!    in pairs of 1,000 round trips each;
//!    and a row with the unframed echo's two threads held on one core, which shows what a
//!    wake-up on another core costs;
//! 3. file transfer: lesson 09 downloading a 1 GiB file, as two real processes, against md5
//!    of the same bytes in this process (target ≤ 2.5×: each download is a new server's
//!    first, which hashes the file before sending its header, then sends it while the
//!    client hashes it, about 2× md5, the protocol's floor), and the peak memory of both
//!    processes (target < 32 MiB each);
//! 4. the same unchanged file downloaded again from the same server process, which
//!    remembers its md5 (`digest_cache`), so only the client hashes: against md5 of the
//!    bytes (target ≤ 1.3×);
//! 5. the notes' two writes per message against one write and against two writes with
//!    TCP_NODELAY: time per exchange (lesson 13);
//! 6. `scale`: 100, 1,000 and 10,000 clients at once, 100 round trips of a 64-byte frame
//!    each, against lesson 11's thread per client and its poll, lesson 14 on tokio's two
//!    runtimes and a Python asyncio server, with a load generator in a process of its own
//!    (benches/scale/): round trips per second, latency, memory per connection, CPU
//!    (`-- scale --scale-n=100,1000` for some of the Ns only).
//!
//! Why a `harness = false` program and not criterion or divan: the rows are few and large
//! (a 1 GiB download is one sample of several seconds), each must be printed beside its own
//! limit and ratio, and the whole run must stay within minutes. Criterion's statistics want
//! many samples of small functions and print their own report; this prints the table we
//! need, from medians of a few runs, with no extra dependency.
//!
//! Figures are medians of several runs; the table says how many. Where a ratio compares two
//! ways of doing the same thing (rows 1 and 2), they run in pairs, the ratio is the median
//! of the pairs' ratios, and the row gives their middle half: on this VM a pair's ratio
//! moves by several percent from one pair to the next, and a target of 0.95 is only as
//! sure as the median is steady. A row that misses its target is marked MISSED and the run
//! exits with failure, so a regression is seen.
//!
//! `cargo bench --bench speed -- framed echo` runs only the rows named (framed, echo,
//! download, notes, nagle, iperf3, scale). `-- --busy` runs them with a busy loop beside them, a
//! process of its own in Linux's SCHED_IDLE class: the other core is kept busy whenever
//! the bench leaves it (so it seldom halts, the thing that changes round trips most on a
//! VM), and the bench still has both cores.
//! `-- --contended` runs the same loop at the bench's own priority, so that it takes a
//! share of the cores (about one of the two this course was measured on). The table's first
//! line says which, and the load average before the run.

mod scale;

use socket_lessons::guard::digest_cache::SETTLE;
use socket_lessons::stage::measure;
use socket_lessons::wire::fast_framing::{write_frame, FrameReader};
use socket_lessons::wire::files;
use socket_lessons::wire::framing::LEN_PREFIX_BYTES;
use socket_lessons::wire::nagle::{self, Writes};
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

/// Row 1: how much data each throughput run moves, and how many pairs of runs. Many short
/// runs, not a few long ones: on this VM one run of the same copy can be twice as fast as
/// the next, framed or plain, and a pair's ratio is that noisy too. Medians of 9 or 21
/// pairs of 1 GiB came out anywhere from 0.83 to 1.12 from one bench run to the next; of
/// 301 pairs of 64 MiB, from 0.95 to 1.07 in twelve idle and `--busy` runs, the pairs'
/// middle half as wide as 0.72–1.18. 601 pairs narrow the median's spread by about √2.
const STREAM_BYTES: usize = 64 << 20;
const STREAM_RUNS: usize = 601;
/// Row 1's search: runs of each setting.
const SEARCH_RUNS: usize = 5;

/// Row 2: round trips per run, and pairs of runs (many short ones, as for row 1: medians
/// of 7 pairs of 20,000 round trips ranged from 0.94 to 1.02 from one bench run to the
/// next, of 31 pairs of 5,000 from 0.96 to 1.11, of 101 pairs of 1,000 from 0.96 to 1.01
/// in twenty runs, idle, `--busy` and `--contended`).
const ECHO_ROUND_TRIPS: usize = 1_000;
const ECHO_RUNS: usize = 101;
const ECHO_LEN: usize = 64;

/// Rows 3 and 4: the file's size, and how many server processes (two downloads each).
const FILE_BYTES: u64 = 1 << 30;
const FILE_RUNS: usize = 3;

/// Row 5: exchanges per way (the two-write way takes about 40 ms each on Linux).
const NAGLE_EXCHANGES: usize = 100;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with no such flag and
    // only wants it to build and start: do nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        println!("speed: run with `cargo bench` to measure");
        return Ok(());
    }
    // The scale rows' load generator: this same program, started by them (benches/scale).
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--scale-load") {
        scale::load::main(&args[at + 1..]);
    }
    // What else the machine was doing, read before this run adds its own load.
    let load = fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "not known".into());
    // The busy loop of `--busy` or `--contended` (below): a child process that spins until
    // its parent is gone.
    if std::env::args().any(|a| a == "--spin") {
        spin(std::env::args().any(|a| a == "--idle-class"));
    }
    // `--busy`: the whole run with a busy loop beside it, a process of its own (so that its
    // CPU time is not counted as ours), in Linux's SCHED_IDLE class, whose weight is so low
    // that it runs almost only on a CPU the bench leaves, and gives way as soon as a bench
    // thread wakes: the bench keeps both cores, but a CPU it leaves seldom goes idle.
    // (A loop for each CPU gave 0.0 idle entries per echo round trip, as one loop did in
    // all but one run (0.5), but the repeated download then took 0.98 to 1.34 × md5 in
    // five runs, against 0.97 to 1.21 in eight with one loop.)
    // `--contended`: the same loop at the bench's own priority, which takes its fair share:
    // about one core of the two, shared with the bench's threads.
    let busy = if std::env::args().any(|a| a == "--busy") {
        Some(Busy::IdleClass)
    } else if std::env::args().any(|a| a == "--contended") {
        Some(Busy::Contended)
    } else {
        None
    };
    let mut spinners = Vec::new();
    if let Some(how) = busy {
        let mut spinner = Command::new(std::env::current_exe()?);
        spinner.args(["--bench", "--spin"]);
        if how == Busy::IdleClass {
            spinner.arg("--idle-class");
        }
        spinners.push(Spinner(spinner.spawn()?));
    }
    // `cargo bench --bench speed -- notes iperf3` runs only the rows named.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |row: &str| only.is_empty() || only.iter().any(|o| o == row);
    let mut table = Table::default();
    if wanted("framed") {
        framed_throughput(&mut table)?;
    }
    if wanted("echo") {
        framed_echo(&mut table)?;
    }
    if wanted("download") {
        file_download(&mut table)?;
    }
    if wanted("notes") {
        notes_download(&mut table)?;
    }
    if wanted("nagle") {
        nagle_rows(&mut table)?;
    }
    if wanted("iperf3") {
        iperf3_reference(&mut table)?;
    }
    if wanted("scale") {
        scale::rows(&mut table)?;
    }
    // A busy loop that stopped early (SCHED_IDLE refused, say) would make the run an idle
    // one under a busy one's name.
    for Spinner(child) in &mut spinners {
        if let Some(status) = child.try_wait()? {
            return Err(format!("the busy loop stopped during the run ({status})").into());
        }
    }
    table.print(
        &load,
        match busy {
            Some(Busy::IdleClass) => "a busy loop beside it in the SCHED_IDLE class (--busy)",
            Some(Busy::Contended) => "a busy loop beside it at the same priority (--contended)",
            None => "no busy loop of its own",
        },
    );
    if table.missed > 0 {
        eprintln!("{} row(s) missed their target", table.missed);
        std::process::exit(1);
    }
    Ok(())
}

/// How the busy loop runs: `--busy` or `--contended`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Busy {
    IdleClass,
    Contended,
}

/// The busy loop's process, stopped when the run ends (or fails).
struct Spinner(std::process::Child);

impl Drop for Spinner {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Spins until the parent process has gone (then this process has been handed to another
/// parent), so that a bench stopped by Ctrl-C leaves no busy loop behind. With
/// `idle_class`, first moves itself into SCHED_IDLE (Linux), the class of the lowest
/// weight, which gets a CPU almost only when no other thread wants it.
#[cfg(unix)]
fn spin(idle_class: bool) -> ! {
    if idle_class {
        #[cfg(target_os = "linux")]
        {
            let param = libc::sched_param { sched_priority: 0 };
            // SAFETY: 0 names this process; `param` is a live local the call only reads.
            if unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) } != 0 {
                eprintln!("--busy: SCHED_IDLE refused: {}", io::Error::last_os_error());
                std::process::exit(2);
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            eprintln!("--busy: no SCHED_IDLE here (Linux only); --contended runs the loop at the same priority");
            std::process::exit(2);
        }
    }
    let parent = std::os::unix::process::parent_id();
    loop {
        let mut x = 0u64;
        for i in 0..10_000_000u64 {
            x = std::hint::black_box(x.wrapping_add(i));
        }
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(0);
        }
    }
}

#[cfg(not(unix))]
fn spin(_idle_class: bool) -> ! {
    eprintln!("--busy: not available here (it needs a Unix parent process id)");
    std::process::exit(2);
}

// ---------------------------------------------------------------------------------------
// Row 1: framed throughput against a plain copy
// ---------------------------------------------------------------------------------------

/// How a plain receiver reads: `read` into a buffer of this many bytes, or `read_exact` of
/// whole 1 MiB pieces.
#[derive(Clone, Copy, Debug)]
enum PlainRead {
    Read(usize),
    Exact(usize),
}

impl PlainRead {
    fn label(self) -> String {
        match self {
            PlainRead::Read(n) => format!("read into {} KiB", n / 1024),
            PlainRead::Exact(n) => format!("read_exact of {} KiB", n / 1024),
        }
    }
}

/// The receivers tried for the plain copy.
const PLAIN_READS: [PlainRead; 5] = [
    PlainRead::Read(64 * 1024),
    PlainRead::Read(256 * 1024),
    PlainRead::Read(MIB),
    PlainRead::Read(4 * MIB),
    PlainRead::Exact(MIB),
];

/// The sender's socket buffer tried for both copies: the kernel's own (it grows it as the
/// stream goes, up to `net.ipv4.tcp_wmem`'s last figure, 4 MiB by default) or SO_SNDBUF
/// set to this many bytes (Linux doubles the figure for its bookkeeping).
const SEND_BUFFERS: [Option<usize>; 3] = [None, Some(256 * 1024), Some(512 * 1024)];

fn send_buffer_label(size: Option<usize>) -> String {
    match size {
        None => "the kernel's send buffer".into(),
        Some(n) => format!("SO_SNDBUF {} KiB", n / 1024),
    }
}

/// The framed receivers tried: bodies (1 MiB - 4 here) in reads of at most this many bytes
/// (`FrameReader::reading_at_most`), or whole (`None`).
const FRAMED_READS: [Option<usize>; 3] = [Some(64 * 1024), Some(256 * 1024), None];

fn framed_label(limit: Option<usize>) -> String {
    match limit {
        None => "bodies read whole".into(),
        Some(n) => format!("bodies read {} KiB at a time", n / 1024),
    }
}

/// One run of a throughput row: wall time, and what the process spent on it.
#[derive(Clone, Copy)]
struct Run {
    took: Duration,
    usage: Usage,
}

fn framed_throughput(table: &mut Table) -> io::Result<()> {
    // 1a. The strongest plain copy and the strongest framed copy: 64 MiB in 1 MiB writes,
    //     read by each receiver with each send buffer, framed and plain in turn and every
    //     setting interleaved, so that every setting sees the same machine state. Each copy
    //     is then held at its own fastest setting. (The framed copy used to be held to the
    //     plain winner's way of reading. Under `--busy`, with bodies read 64 KiB at a time,
    //     a run's median came out anywhere from 0.90 to 1.07 of the plain copy, so the verdict
    //     flipped from one run to the next; the plain copy against itself, run the same way,
    //     gave 1.00 and 1.01.)
    let chunk = vec![0x5au8; MIB];
    let body = &chunk[..MIB - LEN_PREFIX_BYTES];
    let settings: Vec<(PlainRead, Option<usize>)> = SEND_BUFFERS
        .iter()
        .flat_map(|&sb| PLAIN_READS.iter().map(move |&how| (how, sb)))
        .collect();
    let framed_settings: Vec<(Option<usize>, Option<usize>)> = SEND_BUFFERS
        .iter()
        .flat_map(|&sb| FRAMED_READS.iter().map(move |&limit| (limit, sb)))
        .collect();
    let mut plain_runs: Vec<Vec<Run>> = vec![Vec::new(); settings.len()];
    let mut framed_runs: Vec<Vec<Run>> = vec![Vec::new(); framed_settings.len()];
    for round in 0..SEARCH_RUNS {
        // The plain settings first in even rounds, the framed ones first in odd rounds.
        for plain_now in [round % 2 == 0, round % 2 == 1] {
            if plain_now {
                for (&(how, sb), runs) in settings.iter().zip(&mut plain_runs) {
                    runs.push(plain_copy(&chunk, how, sb)?);
                }
            } else {
                for (&(limit, sb), runs) in framed_settings.iter().zip(&mut framed_runs) {
                    runs.push(framed_copy(body, limit, sb)?);
                }
            }
        }
    }
    let plain_medians: Vec<Duration> = plain_runs.iter_mut().map(|r| median_run(r).took).collect();
    let framed_medians: Vec<Duration> =
        framed_runs.iter_mut().map(|r| median_run(r).took).collect();
    let fastest =
        |medians: &[Duration]| (0..medians.len()).min_by_key(|&i| medians[i]).unwrap_or(0);
    let (best, best_framed) = (fastest(&plain_medians), fastest(&framed_medians));
    let mut search = format!(
        "Row 1's search for the fastest plain and framed copies, GiB/s, median of \
         {SEARCH_RUNS} (the fastest of each in bold):"
    );
    let bold = |x: f64, yes: bool| {
        if yes {
            format!("**{x:.2}**")
        } else {
            format!("{x:.2}")
        }
    };
    // One setting's median, in bold if it is its copy's fastest.
    let shown = |label: String, i: usize, medians: &[Duration], best: usize| {
        format!("{label} {}", bold(gib_s(medians[i]), i == best))
    };
    for &sb in SEND_BUFFERS.iter() {
        let plain: Vec<String> = (0..settings.len())
            .filter(|&i| settings[i].1 == sb)
            .map(|i| shown(settings[i].0.label(), i, &plain_medians, best))
            .collect();
        let framed: Vec<String> = (0..framed_settings.len())
            .filter(|&i| framed_settings[i].1 == sb)
            .map(|i| {
                shown(
                    framed_label(framed_settings[i].0),
                    i,
                    &framed_medians,
                    best_framed,
                )
            })
            .collect();
        search += &format!(
            "\n- {}: plain: {}; framed: {}",
            send_buffer_label(sb),
            plain.join("; "),
            framed.join("; ")
        );
    }
    table.note(&search);

    // 1b. Each at its fastest, run after run in pairs: frames of 1 MiB on the wire (a 4-byte
    //     header and a body of 1 MiB - 4, the first bytes of the plain copy's own buffer), so
    //     that both make the same write calls from the same memory. The ratio is the median
    //     of the pairs' ratios: the machine's drift from one pair to the next cancels within
    //     a pair, and the median of many pairs does not lean on a few.
    let (how, sb) = settings[best];
    let (limit, framed_sb) = framed_settings[best_framed];
    let (mut framed, mut plain, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..STREAM_RUNS {
        let (f, p) = in_turn(
            i,
            || framed_copy(body, limit, framed_sb),
            || plain_copy(&chunk, how, sb),
        )?;
        ratios.push(p.took.as_secs_f64() / f.took.as_secs_f64());
        framed.push(f);
        plain.push(p);
    }
    let (ratio, spread) = middle(&mut ratios);
    let (framed, plain) = (median_run(&mut framed), median_run(&mut plain));
    table.row(
        &format!(
            "1 MiB frames, write_frame → FrameReader, loopback, {}, {}",
            framed_label(limit),
            send_buffer_label(framed_sb)
        ),
        format!("{:.2} GiB/s", gib_s(framed.took)),
        format!(
            "≥ 0.95 × the fastest plain copy ({:.2} GiB/s: {}, {})",
            gib_s(plain.took),
            how.label(),
            send_buffer_label(sb)
        ),
        ratio,
        Some(ratio >= 0.95),
        &format!(
            "median of {STREAM_RUNS} pairs, {spread}; {}; plain: {}",
            framed.usage.per_gib(),
            plain.usage.per_gib()
        ),
    );
    Ok(())
}

/// Pair `i` of a row measured in pairs: the framed run first in even pairs, the plain run
/// first in odd ones. The same plain copy run against itself in 9 pairs gave median ratios
/// from 0.97 to 1.02 over six tries, four of them with the first run the slower: a fixed
/// order could lean the ratio by that much.
fn in_turn<T>(
    i: usize,
    framed: impl FnOnce() -> io::Result<T>,
    plain: impl FnOnce() -> io::Result<T>,
) -> io::Result<(T, T)> {
    if i.is_multiple_of(2) {
        let f = framed()?;
        Ok((f, plain()?))
    } else {
        let p = plain()?;
        Ok((framed()?, p))
    }
}

/// The median of a row's pair ratios, and "the middle half 0.97–1.04": the ratios
/// between the first and third quartiles, which show how far one pair can lean.
fn middle(ratios: &mut [f64]) -> (f64, String) {
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    (
        ratios[n / 2],
        format!(
            "the middle half {:.2}–{:.2}",
            ratios[n / 4],
            ratios[3 * n / 4]
        ),
    )
}

fn gib_s(d: Duration) -> f64 {
    STREAM_BYTES as f64 / (1u64 << 30) as f64 / d.as_secs_f64()
}

fn median_run(runs: &mut [Run]) -> Run {
    runs.sort_by_key(|r| r.took);
    runs[runs.len() / 2]
}

/// About `STREAM_BYTES` in writes of `chunk`, read back by a plain receiver.
fn plain_copy(chunk: &[u8], how: PlainRead, send_buffer: Option<usize>) -> io::Result<Run> {
    let writes = STREAM_BYTES / chunk.len();
    let total = writes * chunk.len();
    over_loopback(
        send_buffer,
        |mut out| {
            for _ in 0..writes {
                out.write_all(chunk)?;
            }
            Ok(())
        },
        |mut input| {
            let mut got = 0;
            match how {
                PlainRead::Read(size) => {
                    let mut buf = vec![0u8; size];
                    loop {
                        let n = input.read(&mut buf)?;
                        if n == 0 {
                            break;
                        }
                        got += n;
                    }
                }
                PlainRead::Exact(size) => {
                    let mut buf = vec![0u8; size];
                    while got + size <= total {
                        input.read_exact(&mut buf)?;
                        got += size;
                    }
                    got += input.read_to_end(&mut Vec::new())?;
                }
            }
            check_len(got, total)
        },
    )
}

/// `STREAM_BYTES` of frames with bodies of `body`'s size, one write_frame each, read back
/// through a FrameReader into one reused body.
fn framed_copy(body: &[u8], limit: Option<usize>, send_buffer: Option<usize>) -> io::Result<Run> {
    let frames = STREAM_BYTES / (LEN_PREFIX_BYTES + body.len());
    over_loopback(
        send_buffer,
        |mut out| {
            for _ in 0..frames {
                write_frame(&mut out, body)?;
            }
            Ok(())
        },
        |input| {
            let mut reader = FrameReader::new(input);
            if let Some(limit) = limit {
                reader = reader.reading_at_most(limit);
            }
            let mut got = 0;
            // One body buffer for every frame, as the plain copy has one buffer.
            let mut frame = Vec::new();
            while reader.read_frame_into(&mut frame)? {
                got += LEN_PREFIX_BYTES + frame.len();
            }
            check_len(got, frames * (LEN_PREFIX_BYTES + body.len()))
        },
    )
}

fn check_len(got: usize, want: usize) -> io::Result<()> {
    if got == want {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "received {got} bytes, sent {want}"
        )))
    }
}

/// Runs `send` on a connected client socket (its SO_SNDBUF set to `send_buffer`, if given)
/// and `receive` on the server's end, at the same time; returns the time until both are
/// done, and what the process spent meanwhile.
fn over_loopback(
    send_buffer: Option<usize>,
    send: impl FnOnce(TcpStream) -> io::Result<()> + Send,
    receive: impl FnOnce(TcpStream) -> io::Result<()>,
) -> io::Result<Run> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let client = TcpStream::connect(addr)?;
    if let Some(size) = send_buffer {
        socket2::SockRef::from(&client).set_send_buffer_size(size)?;
    }
    let (server, _) = listener.accept()?;
    let before = Usage::now();
    let start = Instant::now();
    std::thread::scope(|scope| {
        let sender = scope.spawn(move || send(client));
        receive(server)?;
        sender
            .join()
            .map_err(|_| io::Error::other("sender panicked"))?
    })?;
    let took = start.elapsed();
    Ok(Run {
        took,
        usage: Usage::now().since(before),
    })
}

/// CPU time and context switches of this process, all threads (those ended included):
/// `getrusage(RUSAGE_SELF)`. Zero where there is no such call.
///
/// And how many times any CPU went idle meanwhile, the whole machine (Linux's cpuidle
/// counters, `/sys/devices/system/cpu/cpu*/cpuidle/state*/usage`; in a VM with the
/// haltpoll driver, each is a halt after a short poll, which the host must wake; on the
/// machine the performance page's runs come from, the POLL state had counted none):
/// `None` where there are none.
#[derive(Clone, Copy, Default)]
struct Usage {
    cpu: Duration,
    switches: u64,
    idle_entries: Option<u64>,
}

/// The sum of every CPU's cpuidle `usage` counters (entries into an idle state).
fn idle_entries() -> Option<u64> {
    let mut total = None;
    for cpu in fs::read_dir("/sys/devices/system/cpu").ok()?.flatten() {
        let name = cpu.file_name();
        let name = name.to_string_lossy();
        if !name.starts_with("cpu") || !name[3..].chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let Ok(states) = fs::read_dir(cpu.path().join("cpuidle")) else {
            continue;
        };
        for state in states.flatten() {
            if let Some(n) = fs::read_to_string(state.path().join("usage"))
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok())
            {
                total = Some(total.unwrap_or(0) + n);
            }
        }
    }
    total
}

impl Usage {
    fn now() -> Usage {
        #[cfg(unix)]
        {
            // SAFETY: an all-zero rusage is a valid value of a plain C struct.
            let mut u: libc::rusage = unsafe { std::mem::zeroed() };
            // SAFETY: getrusage fills the struct the pointer points at, a live local.
            if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
                let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
                return Usage {
                    cpu: tv(u.ru_utime) + tv(u.ru_stime),
                    switches: (u.ru_nvcsw + u.ru_nivcsw) as u64,
                    idle_entries: idle_entries(),
                };
            }
        }
        Usage {
            idle_entries: idle_entries(),
            ..Usage::default()
        }
    }

    fn since(self, before: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(before.cpu),
            switches: self.switches.saturating_sub(before.switches),
            idle_entries: self
                .idle_entries
                .zip(before.idle_entries)
                .map(|(a, b)| a.saturating_sub(b)),
        }
    }

    /// "0.27 s CPU, 1,003 switches, 2,110 idle entries per GiB" (`STREAM_BYTES` moved).
    fn per_gib(self) -> String {
        let gib = STREAM_BYTES as f64 / (1u64 << 30) as f64;
        format!(
            "{:.2} s CPU, {} switches{} per GiB",
            self.cpu.as_secs_f64() / gib,
            thousands(self.switches as f64 / gib),
            self.idle_entries
                .map(|n| format!(", {} idle entries", thousands(n as f64 / gib)))
                .unwrap_or_default()
        )
    }

    /// "2.0 switches, 1.9 idle entries per round trip".
    fn per_round_trip(self) -> String {
        let n = ECHO_ROUND_TRIPS as f64;
        format!(
            "{:.1} switches{} per round trip",
            self.switches as f64 / n,
            self.idle_entries
                .map(|i| format!(", {:.1} idle entries", i as f64 / n))
                .unwrap_or_default()
        )
    }
}

// ---------------------------------------------------------------------------------------
// Row 2: 64-byte echo, framed against unframed
// ---------------------------------------------------------------------------------------

fn framed_echo(table: &mut Table) -> io::Result<()> {
    let mut framed = Vec::new();
    let mut plain = Vec::new();
    let mut one_core = Vec::new();
    // In pairs, and the ratio is the median of the pairs' ratios: on an idle VM a round
    // trip's speed drifts by 2× from one minute to the next, and the drift cancels within
    // a pair.
    let mut ratios = Vec::new();
    for i in 0..ECHO_RUNS {
        let (f, p) = in_turn(i, || echo_run(true, None), || echo_run(false, None))?;
        ratios.push(p.took.as_secs_f64() / f.took.as_secs_f64());
        framed.push(f);
        plain.push(p);
        if let Some(cpu) = current_cpu() {
            one_core.push(echo_run(false, Some(cpu))?);
        }
    }
    let (ratio, spread) = middle(&mut ratios);
    let per_s = |d: Duration| ECHO_ROUND_TRIPS as f64 / d.as_secs_f64();
    let (framed, plain) = (median_run(&mut framed), median_run(&mut plain));
    let switches = |r: Run| r.usage.per_round_trip();
    table.row(
        "64-byte framed echo, round trips",
        format!("{} /s", thousands(per_s(framed.took))),
        format!("≥ 0.95 × unframed ({} /s)", thousands(per_s(plain.took))),
        ratio,
        Some(ratio >= 0.95),
        &format!(
            "median of {ECHO_RUNS} pairs, {spread}; {}",
            switches(framed)
        ),
    );
    if one_core.is_empty() {
        table.note("64-byte echo on one core: not measurable here (no sched_setaffinity)");
    } else {
        let one = median_run(&mut one_core);
        table.row(
            "64-byte unframed echo, both threads held on one core",
            format!("{} /s", thousands(per_s(one.took))),
            "none; compared with the unframed echo free to use both cores".into(),
            per_s(one.took) / per_s(plain.took),
            None,
            &format!(
                "median of {ECHO_RUNS}; {}; free: {}",
                switches(one),
                switches(plain)
            ),
        );
    }
    Ok(())
}

/// The CPU this thread is running on (Linux), to hold the echo's two threads there.
fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: sched_getcpu takes no arguments and only returns a number.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Holds the calling thread on one CPU (Linux; elsewhere `current_cpu` gave `None` and
/// this is never called).
fn hold_on(cpu: usize) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: an all-zero cpu_set_t is the empty set; CPU_SET writes one bit of the live
        // local, and sched_setaffinity (0 = this thread) only reads it.
        let rc = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    let _ = cpu;
    Ok(())
}

/// One run of the echo: the client sends 64 bytes and waits for them back, round after
/// round. Framed: a 4-byte header and a 60-byte body, one write_frame, read through a
/// FrameReader into one reused body (one read per frame, as the unframed side has).
/// Unframed: 64 bytes in one write_all, read_exact into one array. With `on`, both threads are held on that CPU.
fn echo_run(framed: bool, on: Option<usize>) -> io::Result<Run> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> io::Result<()> {
        if let Some(cpu) = on {
            hold_on(cpu)?;
        }
        let (mut conn, _) = listener.accept()?;
        if framed {
            let mut requests = FrameReader::new(&conn);
            let mut out = &conn;
            // One body buffer for every message, as the unframed side has one array.
            let mut body = Vec::new();
            while requests.read_frame_into(&mut body)? {
                write_frame(&mut out, &body)?;
            }
        } else {
            let mut buf = [0u8; ECHO_LEN];
            loop {
                match conn.read_exact(&mut buf) {
                    Ok(()) => conn.write_all(&buf)?,
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    });
    // The client in a thread of its own, so that holding it on a CPU does not hold the
    // rest of the bench there.
    let client = std::thread::spawn(move || -> io::Result<Run> {
        if let Some(cpu) = on {
            hold_on(cpu)?;
        }
        let stream = TcpStream::connect(addr)?;
        let message = [0x61u8; ECHO_LEN];
        let body = &message[..ECHO_LEN - LEN_PREFIX_BYTES];
        let mut back = [0u8; ECHO_LEN];
        let (mut out, mut input) = (&stream, &stream);
        let mut answers = FrameReader::new(&stream);
        let mut answer = Vec::new();
        let before = Usage::now();
        let start = Instant::now();
        for _ in 0..ECHO_ROUND_TRIPS {
            if framed {
                write_frame(&mut out, body)?;
                if !answers.read_frame_into(&mut answer)? {
                    return Err(io::Error::other("no answer"));
                }
            } else {
                out.write_all(&message)?;
                input.read_exact(&mut back)?;
            }
        }
        let took = start.elapsed();
        let usage = Usage::now().since(before);
        Ok(Run { took, usage })
    });
    let run = client
        .join()
        .map_err(|_| io::Error::other("client panicked"))?;
    // The client's stream is closed once its thread has ended: the server sees the end.
    server
        .join()
        .map_err(|_| io::Error::other("server panicked"))??;
    run
}

// ---------------------------------------------------------------------------------------
// Rows 3 and 4: lesson 09, 1 GiB download, two real processes; then again, remembered
// ---------------------------------------------------------------------------------------

/// A lesson's release build, in the target folder this bench was built in
/// (`target/release/examples/`): `cargo build --release --example NAME` there.
fn release_example(name: &str) -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    // …/target/release/deps/speed-0123abcd → …/target/release
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| io::Error::other("the bench binary is not in target/<profile>/deps"))?;
    let target = profile_dir
        .parent()
        .ok_or_else(|| io::Error::other("no target folder"))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "--release", "--example", name])
        .env("CARGO_TARGET_DIR", target)
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "cargo build --example {name} failed"
        )));
    }
    Ok(target.join("release").join("examples").join(name))
}

fn file_download(table: &mut Table) -> Result<(), Box<dyn std::error::Error>> {
    let lesson = release_example("09_file_header")?;
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("speed");
    let (src, dst) = (work.join("served"), work.join("downloaded"));
    fs::create_dir_all(&src)?;
    fs::create_dir_all(&dst)?;
    let name = "one-gib.bin";
    let source = src.join(name);
    make_file(&source, FILE_BYTES)?;

    // md5 of the same bytes, in this process (page cache warm after the first).
    let mut md5_times = Vec::new();
    for _ in 0..FILE_RUNS {
        let start = Instant::now();
        files::md5_file(&mut File::open(&source)?)?;
        md5_times.push(start.elapsed());
    }
    let md5 = median(&mut md5_times);
    // A server remembers the md5 of a file only once the file has not changed for
    // `SETTLE`: a file just written would be hashed on every download.
    let age = fs::metadata(&source)?
        .modified()?
        .elapsed()
        .unwrap_or_default();
    std::thread::sleep(SETTLE.saturating_sub(age));

    // Each run starts a server process: its first download hashes the file (row 3), its
    // second finds the md5 remembered (row 4). Interleaved, so that both see the same
    // machine state.
    let mut first_times = Vec::new();
    let mut again_times = Vec::new();
    // CPU time of each download's client and server: (first, again) for each.
    let mut cpu: [Vec<ClientServerCpu>; 2] = [Vec::new(), Vec::new()];
    let mut client_peak = 0u64;
    let mut server_peak = Some(0u64);
    for _ in 0..FILE_RUNS {
        let mut server = Command::new(&lesson)
            .args(["server", "--port", "0", "--dir"])
            .arg(&src)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let port = server_port(&mut server)?;
        for (times, cpu) in [&mut first_times, &mut again_times]
            .into_iter()
            .zip(&mut cpu)
        {
            let saved = dst.join(name);
            let _ = fs::remove_file(&saved);
            let server_before = process_cpu(server.id());
            let start = Instant::now();
            let client = Command::new(&lesson)
                .args(["download", name, "--port", &port.to_string(), "--dir"])
                .arg(&dst)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            let (ok, peak, client_cpu) = wait_with_peak(client)?;
            times.push(start.elapsed());
            let server_cpu = process_cpu(server.id())
                .zip(server_before)
                .map(|(after, before)| after.saturating_sub(before));
            cpu.push((client_cpu, server_cpu));
            if !ok || fs::metadata(&saved)?.len() != FILE_BYTES {
                return Err("the download failed".into());
            }
            client_peak = client_peak.max(peak.unwrap_or(0));
            fs::remove_file(&saved)?;
        }
        server_peak = server_peak.zip(vm_hwm(server.id())).map(|(a, b)| a.max(b));
        let _ = server.kill();
        let _ = server.wait();
    }

    let first = median(&mut first_times);
    let ratio = first.as_secs_f64() / md5.as_secs_f64();
    table.row(
        "09 download of 1 GiB, two processes, loopback",
        format!("{:.2} s", first.as_secs_f64()),
        format!("≤ 2.5 × md5 of the bytes ({:.2} s)", md5.as_secs_f64()),
        ratio,
        Some(ratio <= 2.5),
        &format!(
            "median of {FILE_RUNS}, each a new server's first; {}",
            cpu_used(&cpu[0])
        ),
    );
    let again = median(&mut again_times);
    let ratio = again.as_secs_f64() / md5.as_secs_f64();
    table.row(
        "09 download of the same unchanged 1 GiB again, same server (md5 remembered)",
        format!("{:.2} s", again.as_secs_f64()),
        format!("≤ 1.3 × md5 of the bytes ({:.2} s)", md5.as_secs_f64()),
        ratio,
        Some(ratio <= 1.3),
        &format!(
            "median of {FILE_RUNS}, each a server's second; {}",
            cpu_used(&cpu[1])
        ),
    );
    let limit = 32 * MIB as u64;
    let downloads = 2 * FILE_RUNS;
    for (side, peak, how) in [
        (
            "client",
            Some(client_peak),
            format!("highest of {downloads} downloads"),
        ),
        (
            "server",
            server_peak,
            format!("highest of {FILE_RUNS} servers, {downloads} downloads"),
        ),
    ] {
        match peak {
            Some(peak) if peak > 0 => table.row(
                &format!("09 download, peak memory of the {side}"),
                format!("{:.1} MiB", peak as f64 / MIB as f64),
                "< 32 MiB".into(),
                peak as f64 / limit as f64,
                Some(peak < limit),
                &how,
            ),
            _ => table.note(&format!(
                "09 download, peak memory of the {side}: not measurable here"
            )),
        }
    }
    fs::remove_file(&source)?;
    Ok(())
}

/// A file of `size` bytes of varied content (a xorshift sequence: md5 has real work to
/// do), written once and flushed to disk, so that the downloads do not compete with
/// write-back of this file's dirty pages.
fn make_file(path: &Path, size: u64) -> io::Result<()> {
    if fs::metadata(path).is_ok_and(|m| m.len() == size) {
        return Ok(());
    }
    let file = File::create(path)?;
    let mut out = BufWriter::with_capacity(MIB, &file);
    let mut x = 0x9e3779b97f4a7c15u64;
    let mut block = vec![0u8; MIB];
    for _ in 0..size / MIB as u64 {
        for word in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            word.copy_from_slice(&x.to_le_bytes());
        }
        out.write_all(&block)?;
    }
    out.flush()?;
    drop(out);
    file.sync_all()
}

/// Reads the server's first line, `[server] listening on 127.0.0.1:PORT`, for the port.
fn server_port(server: &mut std::process::Child) -> Result<u16, Box<dyn std::error::Error>> {
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let mut line = String::new();
    io::BufRead::read_line(&mut io::BufReader::new(stdout), &mut line)?;
    let port = line
        .trim()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("no port in {line:?}"))?;
    Ok(port)
}

/// Waits for a child and returns whether it succeeded and its peak resident memory in bytes
/// (wait4's rusage; Unix only).
fn wait_with_peak(child: std::process::Child) -> io::Result<(bool, Option<u64>, Option<Duration>)> {
    #[cfg(unix)]
    {
        let pid = child.id() as libc::pid_t;
        let mut status = 0;
        // SAFETY: an all-zero rusage is a valid value of a plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 writes the status and the rusage into the two live locals; the pid
        // is our own child, not yet waited for (std's Child has not reaped it).
        let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if rc != pid {
            return Err(io::Error::last_os_error());
        }
        let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
        let kib = usage.ru_maxrss as u64;
        let bytes = if cfg!(target_os = "macos") {
            kib
        } else {
            kib * 1024
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
        };
        let cpu = time(usage.ru_utime) + time(usage.ru_stime);
        // The child is reaped; std must not wait for it again.
        std::mem::forget(child);
        Ok((ok, Some(bytes), Some(cpu)))
    }
    #[cfg(not(unix))]
    {
        let mut child = child;
        Ok((child.wait()?.success(), None, None))
    }
}

/// CPU time a running process has used so far, user and system (Linux: /proc/PID/stat, in
/// clock ticks, 10 ms each here); `None` elsewhere.
fn process_cpu(pid: u32) -> Option<Duration> {
    #[cfg(target_os = "linux")]
    {
        let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The fields after the command name (which may hold spaces) start with the third;
        // utime and stime are the 14th and 15th.
        let rest = stat.rsplit_once(')')?.1;
        let mut fields = rest.split_whitespace().skip(11);
        let utime: u64 = fields.next()?.parse().ok()?;
        let stime: u64 = fields.next()?.parse().ok()?;
        // SAFETY: sysconf only reads a system setting.
        let ticks = u64::try_from(unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).ok()?;
        (ticks > 0).then(|| Duration::from_secs_f64((utime + stime) as f64 / ticks as f64))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// The CPU time one download's client and server used, where known.
type ClientServerCpu = (Option<Duration>, Option<Duration>);

/// "CPU per download, client 2.22 s, server 0.60 s (medians)", from one row's downloads.
fn cpu_used(cpu: &[ClientServerCpu]) -> String {
    let side = |pick: fn(&ClientServerCpu) -> Option<Duration>| {
        let mut times: Vec<Duration> = cpu.iter().filter_map(pick).collect();
        if times.len() == cpu.len() && !times.is_empty() {
            format!("{:.2} s", median(&mut times).as_secs_f64())
        } else {
            "not measurable here".to_owned()
        }
    };
    let client = side(|c| c.0);
    let server = side(|c| c.1);
    format!("CPU per download, client {client}, server {server} (medians)")
}

/// A running process's peak resident memory (VmHWM in /proc; Linux only).
fn vm_hwm(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

// ---------------------------------------------------------------------------------------
// Row 5: the notes' two writes (lesson 13)
// ---------------------------------------------------------------------------------------

fn nagle_rows(table: &mut Table) -> io::Result<()> {
    let mut per = Vec::new();
    for writes in Writes::ALL {
        per.push(nagle::measure_on_loopback(writes, NAGLE_EXCHANGES, 60)?.per_exchange());
    }
    let (two, one, nodelay) = (per[0], per[1], per[2]);
    let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1000.0);
    table.row(
        "header + body as two writes, Nagle on (the notes)",
        format!("{} per exchange", ms(two)),
        format!("none; compared with one write ({})", ms(one)),
        two.as_secs_f64() / one.as_secs_f64(),
        None,
        &format!("mean of {NAGLE_EXCHANGES}"),
    );
    let limit = Duration::from_millis(1);
    for (label, d) in [
        ("header + body in one write (write_frame)", one),
        ("two writes with TCP_NODELAY", nodelay),
    ] {
        table.row(
            label,
            format!("{} per exchange", ms(d)),
            "< 1 ms".into(),
            d.as_secs_f64() / limit.as_secs_f64(),
            Some(d < limit),
            &format!("mean of {NAGLE_EXCHANGES}"),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------

#[derive(Default)]
struct Table {
    rows: Vec<[String; 5]>,
    notes: Vec<String>,
    missed: usize,
}

impl Table {
    /// One row. `ok: None` for a row shown for comparison, with no target of its own.
    fn row(
        &mut self,
        what: &str,
        figure: String,
        limit: String,
        ratio: f64,
        ok: Option<bool>,
        how: &str,
    ) {
        let status = match ok {
            Some(true) => "ok",
            Some(false) => {
                self.missed += 1;
                "MISSED"
            }
            None => "shown",
        };
        // A missed row shows a third decimal: 0.949 would be printed "0.95", which reads
        // as the target met.
        let ratio = if ok == Some(false) {
            format!("{ratio:.3}")
        } else {
            format!("{ratio:.2}")
        };
        self.rows.push([
            what.into(),
            figure,
            limit,
            ratio,
            format!("{status} ({how})"),
        ]);
    }

    fn note(&mut self, text: &str) {
        self.notes.push(text.into());
    }

    fn print(&self, load: &str, busy: &str) {
        println!(
            "{} CPUs; 1-minute load average before the run: {load}; {busy}\n",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        println!("| measurement | figure | limit | ratio | |");
        println!("|---|---|---|---|---|");
        for r in &self.rows {
            println!("| {} | {} | {} | {} | {} |", r[0], r[1], r[2], r[3], r[4]);
        }
        for n in &self.notes {
            println!("\n{n}");
        }
        let cpu = measure::process_cpu_time()
            .map(|d| format!("{:.1} s", d.as_secs_f64()))
            .unwrap_or_else(|| "not measured".into());
        println!("\n(this process used {cpu} of CPU)");
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn thousands(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// The notes side by side: notes A §9.2's own Python download against lesson 09
// ---------------------------------------------------------------------------------------

/// The file for the notes' row: big enough that reading it whole shows in memory. Their
/// `data += recv()` copies all it has on every chunk, so even this size does not finish
/// within `NOTES_PATIENCE` on the machine the performance page's runs come from.
const NOTES_FILE_BYTES: u64 = 100 << 20;

/// How long the notes' client may take before it is stopped (their `data += recv()` makes
/// a download of n bytes cost about n²/2 bytes of copying).
const NOTES_PATIENCE: Duration = Duration::from_secs(60);

/// Runs notes A §9.2's download server and client, as the notes wrote them (extracted by
/// tests/notes_programs/extract.py; only the port is substituted), on a 100 MiB file, then
/// lesson 09 on the same file: time, peak memory of each side, and whether the bytes came
/// whole. Skipped, with a line saying why, without python3 or the notes.
fn notes_download(table: &mut Table) -> Result<(), Box<dyn std::error::Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let notes = std::env::var_os("SOCKET_LESSONS_NOTES")
        .map_or_else(|| root.join("../shared/notes"), std::path::PathBuf::from);
    if !notes.join("000_1c2fa779c13fd268.txt").is_file() {
        table.note(&format!(
            "notes A §9.2 Python download: skipped, the notes are not at {}",
            notes.display()
        ));
        return Ok(());
    }
    if !Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        table.note("notes A §9.2 Python download: skipped, python3 not found");
        return Ok(());
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("speed-notes");
    let (served, fetched, programs) = (work.join("served"), work.join("fetched"), work.join("py"));
    for dir in [&served, &fetched, &programs] {
        fs::create_dir_all(dir)?;
    }
    // The notes' server sends `girl` + `.png` from its working directory.
    let source = served.join("girl.png");
    make_file(&source, NOTES_FILE_BYTES)?;
    // The notes' server opens the file beside its own script: it goes in `served`.
    for (side, dir) in [("server", &served), ("client", &programs)] {
        let status = Command::new("python3")
            .arg(root.join("tests/notes_programs/extract.py"))
            .arg(root.join(format!("tests/notes_programs/a92_{side}.json")))
            .arg(&notes)
            .arg(dir.join(format!("{side}.py")))
            .status()?;
        if !status.success() {
            return Err(format!("extracting notes A §9.2's {side} failed").into());
        }
    }

    // The notes' pair.
    let mut server = Command::new("python3")
        .arg("-u")
        .arg(served.join("server.py"))
        .current_dir(&served)
        .env("NOTES_PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let port = notes_server_port(&mut server)?;
    let saved = fetched.join("nb_girl.png");
    let _ = fs::remove_file(&saved);
    let start = Instant::now();
    // Under `timeout`: the notes' `send` of the whole file may send only part of it, and
    // their client would then wait for the rest for ever. (wait4's peak memory of
    // `timeout` includes the program it waited for.)
    let mut client = Command::new("timeout")
        .args([NOTES_PATIENCE.as_secs().to_string().as_str(), "python3"])
        .arg(programs.join("client.py"))
        .current_dir(&fetched)
        .env("NOTES_PORT", port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    client
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(b"girl\nq\n")?;
    let (_, notes_client_peak, _) = wait_with_peak(client)?;
    let notes_time = start.elapsed();
    // The server's peak from wait4 once it is stopped (it may have ended by itself).
    let _ = server.kill();
    let (_, notes_server_peak, _) = wait_with_peak(server)?;
    let got = fs::metadata(&saved).map(|m| m.len()).unwrap_or(0);
    let whole = got == NOTES_FILE_BYTES && fs::read(&saved)? == fs::read(&source)?;

    // Lesson 09 on the same file.
    let lesson = release_example("09_file_header")?;
    let mut server = Command::new(&lesson)
        .args(["server", "--port", "0", "--dir"])
        .arg(&served)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let port = server_port(&mut server)?;
    let _ = fs::remove_file(fetched.join("girl.png"));
    let start = Instant::now();
    let client = Command::new(&lesson)
        .args(["download", "girl.png", "--port", &port.to_string(), "--dir"])
        .arg(&fetched)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let (ok, lesson_client_peak, _) = wait_with_peak(client)?;
    let lesson_time = start.elapsed();
    let _ = server.kill();
    let (_, lesson_server_peak, _) = wait_with_peak(server)?;
    if !ok {
        return Err("lesson 09's download of the notes' file failed".into());
    }

    let ratio = notes_time.as_secs_f64() / lesson_time.as_secs_f64();
    table.row(
        "notes A §9.2 Python download of 100 MiB, two processes",
        format!("{:.2} s", notes_time.as_secs_f64()),
        format!(
            "lesson 09 on the same file: {:.2} s",
            lesson_time.as_secs_f64()
        ),
        ratio,
        None,
        &if whole {
            "one run; the file came whole".to_owned()
        } else if notes_time >= NOTES_PATIENCE {
            format!(
                "one run; stopped after {} s, not done: their data += recv() copies all it \
                 has received on every chunk",
                NOTES_PATIENCE.as_secs()
            )
        } else {
            format!("one run; the file did NOT come whole: {got} of {NOTES_FILE_BYTES} bytes")
        },
    );
    let mib = |b: u64| b as f64 / MIB as f64;
    for (side, notes_peak, lesson_peak) in [
        ("client", notes_client_peak, lesson_client_peak),
        ("server", notes_server_peak, lesson_server_peak),
    ] {
        match (notes_peak, lesson_peak) {
            (Some(n), Some(l)) if n > 0 && l > 0 => table.row(
                &format!("notes A §9.2 download, peak memory of the {side}"),
                format!("{:.1} MiB", mib(n)),
                format!("lesson 09's {side}: {:.1} MiB", mib(l)),
                n as f64 / l as f64,
                None,
                "same run",
            ),
            _ => table.note(&format!(
                "notes A §9.2 download, peak memory of the {side}: not measurable here"
            )),
        }
    }
    let _ = fs::remove_file(&saved);
    let _ = fs::remove_file(fetched.join("girl.png"));
    Ok(())
}

/// The harness prelude of an extracted notes program prints `listening on HOST:PORT`.
fn notes_server_port(server: &mut std::process::Child) -> Result<u16, Box<dyn std::error::Error>> {
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let mut lines = io::BufRead::lines(io::BufReader::new(stdout));
    for line in lines.by_ref() {
        let line = line?;
        if let Some(addr) = line.strip_prefix("listening on ") {
            let port = addr.rsplit(':').next().and_then(|p| p.trim().parse().ok());
            // Keep reading what it prints: Python's print() to a closed pipe raises
            // BrokenPipeError and would end the notes' server.
            std::thread::spawn(move || lines.for_each(drop));
            return port.ok_or_else(|| format!("no port in {line:?}").into());
        }
    }
    Err("the notes' server ended before it listened".into())
}

// ---------------------------------------------------------------------------------------
// The machine's loopback, measured by a tool nobody here wrote
// ---------------------------------------------------------------------------------------

/// iperf3 (Debian's package) over loopback for 3 s, in 1 MiB writes as row 1's plain copy:
/// the raw limit a TCP stream on this machine reaches, as a reference for row 1. Shown,
/// not a target.
fn iperf3_reference(table: &mut Table) -> Result<(), Box<dyn std::error::Error>> {
    let Ok(version) = Command::new("iperf3").arg("--version").output() else {
        table.note("loopback reference: iperf3 not installed (apt-get install iperf3)");
        return Ok(());
    };
    // A free port: bind 0, note it, let it go (iperf3 takes no port 0).
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = Command::new("iperf3")
        .args(["-s", "-B", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // The client tries again for a moment while the server starts (iperf3 reports a refused
    // connect in its JSON, with exit status 0).
    let mut result = Err("did not run".to_owned());
    for _ in 0..50 {
        let run = Command::new("iperf3")
            // 1 MiB writes (`-l`), as the plain copy of row 1 makes.
            .args([
                "-c",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-t",
                "3",
                "-l",
                "1M",
                "-J",
            ])
            .output()?;
        let report: serde_json::Value =
            serde_json::from_slice(&run.stdout).unwrap_or(serde_json::Value::Null);
        if let Some(bits) = report["end"]["sum_received"]["bits_per_second"].as_f64() {
            result = Ok(bits);
            break;
        }
        let error = report["error"].as_str().unwrap_or("no report").to_owned();
        let refused = error.contains("refused");
        result = Err(error);
        if !refused {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();
    let bits = match result {
        Ok(bits) => bits,
        Err(error) => {
            table.note(&format!("loopback reference: iperf3 failed: {error}"));
            return Ok(());
        }
    };
    let version = String::from_utf8_lossy(&version.stdout);
    table.row(
        "loopback reference, one TCP stream (iperf3)",
        format!("{:.2} GiB/s", bits / 8.0 / (1u64 << 30) as f64),
        "reference".into(),
        1.0,
        None,
        &format!(
            "{}, 3 s of 1 MiB writes",
            version
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ")
        ),
    );
    Ok(())
}
