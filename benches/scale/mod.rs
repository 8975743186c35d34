//! The `scale` rows: N clients at once, N = 100, 1,000 and 10,000, each making 100 round
//! trips of a 64-byte frame, against five servers: lesson 11's thread per client and its
//! readiness polling (mio), lesson 14 on a current-thread and on a multi-thread runtime,
//! and a Python asyncio streams server (`asyncio_server.py` beside this file).
//!
//! Each server is a process of its own, and so is the load generator (`load.rs`, one
//! thread, epoll): neither needs more than N and a few descriptors, and the server's CPU
//! time and memory are its own. The bench raises its soft descriptor limit to the hard one
//! first (the children inherit it) and says so. The generator opens the N connections
//! first, each with one round trip that is not timed, then all N run at once.
//!
//! For each server and N: round trips per second (all of them, over the run's wall time),
//! p50 and p99 of the round-trip times, the server's peak resident memory (VmHWM) and that
//! peak less the idle server's memory, per connection, and the server's CPU seconds during
//! the run. Targets, at 10,000: lesson 14 and 11's poll serve every connection; 14 makes at
//! least 0.8 × the round trips per second of 11's poll; at most 16 KiB per connection for
//! both. Threads and Python are shown as ratios to 11's poll. Where a server does not
//! serve all N, the table says how many and why (the generator's failures, and what the
//! server's log says). A plot of round trips per second and memory against N is written as
//! an SVG beside the bench's other files.

pub mod load;

use super::{process_cpu, release_example, thousands, vm_hwm, Table, MIB};
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The numbers of clients.
const COUNTS: [usize; 3] = [100, 1_000, 10_000];

/// The targets' figures.
const AT: usize = 10_000;
const VS_POLL: f64 = 0.8;
const PER_CONNECTION: u64 = 16 * 1024;

/// The servers of the row, in the table's order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Threads,
    Poll,
    CurrentThread,
    MultiThread,
    Python,
}

const KINDS: [Kind; 5] = [
    Kind::Threads,
    Kind::Poll,
    Kind::CurrentThread,
    Kind::MultiThread,
    Kind::Python,
];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Threads => "11 thread per client",
            Kind::Poll => "11 poll (mio)",
            Kind::CurrentThread => "14 tokio current-thread",
            Kind::MultiThread => "14 tokio multi-thread",
            Kind::Python => "Python asyncio streams",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Kind::Threads => "11-threads",
            Kind::Poll => "11-poll",
            Kind::CurrentThread => "14-current-thread",
            Kind::MultiThread => "14-multi-thread",
            Kind::Python => "python-asyncio",
        }
    }

    /// The plot's colour.
    fn colour(self) -> &'static str {
        match self {
            Kind::Threads => "#d62728",
            Kind::Poll => "#1f77b4",
            Kind::CurrentThread => "#2ca02c",
            Kind::MultiThread => "#9467bd",
            Kind::Python => "#ff7f0e",
        }
    }
}

/// The programs, built once.
struct Programs {
    lesson_11: PathBuf,
    /// Whether lesson 11's server takes `--max-clients` and `--max-per-address` (its cap
    /// was a constant, 1,000 clients, before it did).
    lesson_11_caps: bool,
    lesson_14: PathBuf,
    python: Option<&'static str>,
}

impl Programs {
    fn command(&self, kind: Kind, n: usize) -> Option<Command> {
        let n = n.to_string();
        let idle = ["--idle-limit", "600"];
        let caps = ["--max-clients", &n, "--max-per-address", &n];
        let mut command;
        match kind {
            Kind::Threads | Kind::Poll => {
                command = Command::new(&self.lesson_11);
                let way = if kind == Kind::Threads {
                    "threads"
                } else {
                    "poll"
                };
                command
                    .args(["server", "--port", "0", "--way", way])
                    .args(idle);
                if self.lesson_11_caps {
                    command.args(caps);
                }
            }
            Kind::CurrentThread | Kind::MultiThread => {
                command = Command::new(&self.lesson_14);
                let runtime = if kind == Kind::CurrentThread {
                    "current-thread"
                } else {
                    "multi-thread"
                };
                command
                    .args([
                        "server",
                        "--port",
                        "0",
                        "--wire",
                        "echo",
                        "--runtime",
                        runtime,
                    ])
                    .args(idle)
                    .args(caps);
            }
            Kind::Python => {
                command = Command::new(self.python?);
                command
                    .arg(
                        Path::new(env!("CARGO_MANIFEST_DIR"))
                            .join("benches/scale/asyncio_server.py"),
                    )
                    .arg("0");
            }
        }
        Some(command)
    }
}

/// One server at one N.
struct Measured {
    kind: Kind,
    n: usize,
    /// Connections that made all their round trips.
    served: usize,
    round_trips: usize,
    rate: f64,
    p50_us: u32,
    p99_us: u32,
    open_secs: f64,
    peak: Option<u64>,
    per_connection: Option<u64>,
    cpu_run: Option<Duration>,
    /// Why connections failed: the generator's reasons, then the server's own words.
    why: Vec<String>,
}

/// `cargo bench --bench speed -- scale`.
pub fn rows(table: &mut Table) -> Result<(), Box<dyn std::error::Error>> {
    let (soft, hard) = raise_descriptor_limit()?;
    table.note(&format!(
        "scale: the soft limit on open descriptors was raised from {soft} to the hard limit, {hard}, for the bench and the processes it starts (each needs N and a few)"
    ));
    let lesson_11 = release_example("11_concurrent_server")?;
    let help = Command::new(&lesson_11)
        .args(["server", "--help"])
        .output()?;
    let help = String::from_utf8_lossy(&help.stdout);
    let programs = Programs {
        lesson_11_caps: help.contains("--max-clients") && help.contains("--max-per-address"),
        lesson_11,
        lesson_14: release_example_with_feature("14_async_tokio", "async")?,
        python: Command::new("python3")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
            .then_some("python3"),
    };
    if !programs.lesson_11_caps {
        table.note("scale: lesson 11's server has no --max-clients here: it serves at most 1,000 clients (its MAX_CLIENTS) and closes the rest at once");
    }
    let work = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("speed")
        .join("scale");
    fs::create_dir_all(&work)?;
    let me = std::env::current_exe()?;
    // `--scale-n=100,1000`: only these Ns (to try the row without its longest part).
    let counts: Vec<usize> = std::env::args()
        .find_map(|a| {
            let list = a.strip_prefix("--scale-n=")?;
            Some(
                list.split(',')
                    .filter_map(|n| n.trim().parse().ok())
                    .collect(),
            )
        })
        .unwrap_or_else(|| COUNTS.to_vec());
    let mut all = Vec::new();
    for n in counts {
        if hard < (n + 64) as u64 {
            table.note(&format!(
                "scale: N = {n} skipped: the hard descriptor limit ({hard}) is under N + 64"
            ));
            continue;
        }
        for kind in KINDS {
            let Some(command) = programs.command(kind, n) else {
                table.note(&format!(
                    "scale: {} skipped at N = {n}: python3 not found",
                    kind.label()
                ));
                continue;
            };
            let measured = measure(kind, n, command, &me, &work)?;
            eprintln!(
                "scale: {} at N = {n}: {} round trips/s, {} of {n} served",
                kind.label(),
                thousands(measured.rate),
                measured.served
            );
            all.push(measured);
        }
    }
    table.note(&results_table(&all));
    targets(table, &all);
    let plot = work.join("scale.svg");
    fs::write(&plot, svg(&all))?;
    table.note(&format!("scale: the plot is {}", plot.display()));
    Ok(())
}

/// Raises the soft RLIMIT_NOFILE to the hard one; returns both as they were.
fn raise_descriptor_limit() -> io::Result<(u64, u64)> {
    #[cfg(unix)]
    {
        // SAFETY: getrlimit and setrlimit read and write one rlimit, a live local.
        unsafe {
            let mut limit: libc::rlimit = std::mem::zeroed();
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return Err(io::Error::last_os_error());
            }
            let soft = limit.rlim_cur as u64;
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok((soft, limit.rlim_max as u64))
        }
    }
    #[cfg(not(unix))]
    {
        Err(io::Error::other(
            "the scale rows need a Unix descriptor limit",
        ))
    }
}

/// `cargo build --release --example NAME --features FEATURE` in this bench's target folder.
fn release_example_with_feature(name: &str, feature: &str) -> io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .ok_or_else(|| io::Error::other("the bench binary is not in target/<profile>/deps"))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "build",
            "--quiet",
            "--release",
            "--example",
            name,
            "--features",
            feature,
        ])
        .env("CARGO_TARGET_DIR", target)
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "cargo build --example {name} --features {feature} failed"
        )));
    }
    Ok(target.join("release").join("examples").join(name))
}

/// Starts the server (its output into a log file), runs the generator against it, and
/// reads the server's CPU time and memory around the run.
fn measure(
    kind: Kind,
    n: usize,
    mut command: Command,
    me: &Path,
    work: &Path,
) -> Result<Measured, Box<dyn std::error::Error>> {
    let log_path = work.join(format!("{}-{n}.log", kind.file()));
    let log = File::create(&log_path)?;
    let mut server = Running(
        command
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?,
    );
    let pid = server.0.id();
    let port = listening_port(&log_path, &mut server.0)?;
    let baseline = vm_rss(pid);

    let mut generator = Running(
        Command::new(me)
            .args([
                "--bench",
                "--scale-load",
                &format!("127.0.0.1:{port}"),
                &n.to_string(),
            ])
            .arg(load::ROUNDS.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?,
    );
    let mut to_generator = generator.0.stdin.take().ok_or("no stdin")?;
    let mut from_generator = BufReader::new(generator.0.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    from_generator.read_line(&mut line)?;
    let ready = load::parse_ready(&line).ok_or_else(|| format!("the generator said {line:?}"))?;
    let cpu_before = process_cpu(pid);
    writeln!(to_generator, "go")?;
    line.clear();
    from_generator.read_line(&mut line)?;
    let done = load::parse_done(&line).ok_or_else(|| format!("the generator said {line:?}"))?;
    let cpu_after = process_cpu(pid);
    let peak = vm_hwm(pid);
    drop(generator); // its connections close with it
    drop(server);

    let mut why: Vec<String> = done
        .failures
        .iter()
        .map(|(count, reason)| format!("{} {reason}", thousands(*count as f64)))
        .collect();
    if done.connections < n {
        why.extend(server_says(&log_path));
    }
    let per_connection = peak
        .zip(baseline)
        .map(|(peak, base)| peak.saturating_sub(base) / ready.connections.max(1) as u64);
    Ok(Measured {
        kind,
        n,
        served: done.connections,
        round_trips: done.round_trips,
        rate: done.round_trips as f64 / done.wall_secs.max(1e-9),
        p50_us: done.p50_us,
        p99_us: done.p99_us,
        open_secs: ready.open_secs,
        peak,
        per_connection,
        cpu_run: cpu_after.zip(cpu_before).map(|(a, b)| a.saturating_sub(b)),
        why,
    })
}

/// A child process killed and reaped when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The port from the server's `listening on HOST:PORT` line, read from its log.
fn listening_port(log: &Path, server: &mut Child) -> Result<u16, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = fs::read_to_string(log)?;
        if let Some(line) = text.lines().find(|l| l.contains("listening on")) {
            let port = line
                .rsplit(':')
                .next()
                .and_then(|p| p.trim().parse().ok())
                .ok_or_else(|| format!("no port in {line:?}"))?;
            return Ok(port);
        }
        if let Some(status) = server.try_wait()? {
            return Err(format!("the server ended ({status}) before listening:\n{text}").into());
        }
        if Instant::now() > deadline {
            return Err(format!("the server did not listen within 30 s:\n{text}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the server's log says about connections it did not serve: its refusal lines and
/// failures to start a thread, each kind once with its count.
fn server_says(log: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(log) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for (needle, what) in [
        ("refused", "the server's log: "),
        ("no thread", "the server's log: "),
        ("accept failed", "the server's log: "),
        ("Resource temporarily unavailable", "the server's log: "),
    ] {
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(needle)).collect();
        if let Some(first) = lines.first() {
            found.push(format!(
                "{what}{} line(s) like \"{}\"",
                lines.len(),
                first.trim()
            ));
        }
    }
    found
}

/// The resident memory of a running process now (VmRSS; Linux).
fn vm_rss(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn ms(us: u32) -> String {
    format!("{:.2} ms", f64::from(us) / 1000.0)
}

/// Every server at every N, as a Markdown table, with the reasons for what was not served.
fn results_table(all: &[Measured]) -> String {
    let mut out = format!(
        "scale: {} round trips of a {}-byte frame per connection, all connections at once\n\n\
         | server | N | served | round trips/s | p50 | p99 | peak RSS | per connection | server CPU in the run | opening |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
        load::ROUNDS,
        load::BODY
    );
    for m in all {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} s |\n",
            m.kind.label(),
            thousands(m.n as f64),
            thousands(m.served as f64),
            thousands(m.rate),
            ms(m.p50_us),
            ms(m.p99_us),
            m.peak.map_or("not measured".into(), |p| format!(
                "{:.1} MiB",
                p as f64 / MIB as f64
            )),
            m.per_connection.map_or("not measured".into(), kib),
            m.cpu_run.map_or("not measured".into(), |d| format!(
                "{:.2} s",
                d.as_secs_f64()
            )),
            m.open_secs,
        ));
    }
    for m in all.iter().filter(|m| !m.why.is_empty()) {
        out.push_str(&format!(
            "\n{} at N = {}: {} of {} served; {}",
            m.kind.label(),
            thousands(m.n as f64),
            thousands(m.served as f64),
            thousands(m.n as f64),
            m.why.join("; ")
        ));
    }
    out
}

/// The rows held to targets, at N = 10,000, and the two shown as ratios.
fn targets(table: &mut Table, all: &[Measured]) {
    let at = |kind: Kind| all.iter().find(|m| m.kind == kind && m.n == AT);
    let poll = at(Kind::Poll);
    for kind in [Kind::CurrentThread, Kind::MultiThread, Kind::Poll] {
        let Some(m) = at(kind) else { continue };
        table.row(
            &format!(
                "scale: {} serves all {} clients",
                kind.label(),
                thousands(AT as f64)
            ),
            format!("{} served", thousands(m.served as f64)),
            format!("all {}", thousands(AT as f64)),
            m.served as f64 / AT as f64,
            Some(m.served == AT && m.round_trips == AT * load::ROUNDS as usize),
            &served_how(m),
        );
    }
    for kind in [Kind::CurrentThread, Kind::MultiThread] {
        let (Some(m), Some(p)) = (at(kind), poll) else {
            continue;
        };
        // Against a poll server that served fewer connections, the figures measure
        // different loads: no verdict but a miss, and the row says why.
        let how = if p.served == AT {
            format!(
                "p50 {}, p99 {}; 11 poll p50 {}, p99 {}",
                ms(m.p50_us),
                ms(m.p99_us),
                ms(p.p50_us),
                ms(p.p99_us)
            )
        } else {
            format!(
                "no comparison: 11 poll served {} of {} connections",
                thousands(p.served as f64),
                thousands(AT as f64)
            )
        };
        table.row(
            &format!(
                "scale: {} round trips/s at {}",
                kind.label(),
                thousands(AT as f64)
            ),
            thousands(m.rate),
            format!("≥ {VS_POLL} × 11 poll ({})", thousands(p.rate)),
            m.rate / p.rate,
            Some(m.rate >= VS_POLL * p.rate && p.served == AT),
            &how,
        );
    }
    for kind in [Kind::CurrentThread, Kind::MultiThread, Kind::Poll] {
        let Some(m) = at(kind) else { continue };
        let Some(per) = m.per_connection else {
            table.note(&format!(
                "scale: memory per connection of {}: not measurable here",
                kind.label()
            ));
            continue;
        };
        table.row(
            &format!(
                "scale: {} memory per connection at {}",
                kind.label(),
                thousands(AT as f64)
            ),
            kib(per),
            format!("≤ {}", kib(PER_CONNECTION)),
            per as f64 / PER_CONNECTION as f64,
            Some(per <= PER_CONNECTION),
            &format!(
                "(peak RSS - idle RSS) / {} connections",
                thousands(m.served.max(1) as f64)
            ),
        );
    }
    for kind in [Kind::Threads, Kind::Python] {
        let (Some(m), Some(p)) = (at(kind), poll) else {
            continue;
        };
        table.row(
            &format!(
                "scale: {} round trips/s at {}",
                kind.label(),
                thousands(AT as f64)
            ),
            thousands(m.rate),
            format!("none; against 11 poll ({})", thousands(p.rate)),
            m.rate / p.rate,
            None,
            &format!(
                "{} of {} served, {} per connection",
                thousands(m.served as f64),
                thousands(AT as f64),
                m.per_connection.map_or("not measured".into(), kib)
            ),
        );
    }
}

fn served_how(m: &Measured) -> String {
    if m.why.is_empty() {
        format!("{} round trips", thousands(m.round_trips as f64))
    } else {
        m.why.join("; ")
    }
}

// ---------------------------------------------------------------------------------------
// The plot: round trips per second and peak memory against N, an SVG drawn here
// ---------------------------------------------------------------------------------------

fn svg(all: &[Measured]) -> String {
    const W: f64 = 440.0;
    const H: f64 = 300.0;
    // A panel: linear from 0 with round steps, or (`log`) powers of ten, which keeps a
    // server of 3 MiB and one of 500 MiB both readable.
    let panel = |x0: f64, title: &str, value: &dyn Fn(&Measured) -> Option<f64>, log: bool| {
        let (left, right, top, bottom) = (x0 + 70.0, x0 + W - 20.0, 40.0, H - 50.0);
        let max = all.iter().filter_map(value).fold(0.0f64, f64::max).max(1.0);
        let ticks: Vec<f64> = if log {
            let decades = max.log10().ceil().max(1.0) as i32;
            (0..=decades).map(|d| 10f64.powi(d)).collect()
        } else {
            let raw = max / 4.0;
            let magnitude = 10f64.powf(raw.log10().floor());
            let step = [1.0, 2.0, 5.0, 10.0]
                .iter()
                .map(|m| m * magnitude)
                .find(|step| *step >= raw)
                .unwrap_or(10.0 * magnitude);
            (0..=((max / step).ceil() as i32))
                .map(|i| f64::from(i) * step)
                .collect()
        };
        let top_value = *ticks.last().expect("at least one tick");
        let x = |n: usize| left + (right - left) * ((n as f64).log10() - 2.0) / 2.0;
        let y = |v: f64| {
            let at = if log {
                v.max(1.0).log10() / top_value.log10()
            } else {
                v / top_value
            };
            bottom - (bottom - top) * at
        };
        let mut s = format!(
            "<text x=\"{}\" y=\"22\" font-size=\"14\" text-anchor=\"middle\">{title}</text>\n\
             <line x1=\"{left}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"black\"/>\n\
             <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{bottom}\" stroke=\"black\"/>\n",
            (left + right) / 2.0
        );
        for n in COUNTS {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n",
                x(n),
                bottom + 16.0,
                thousands(n as f64)
            ));
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">clients at once (N, log scale)</text>\n",
            (left + right) / 2.0,
            bottom + 34.0
        ));
        for v in ticks {
            s.push_str(&format!(
                "<text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{}</text>\n\
                 <line x1=\"{left}\" y1=\"{:.1}\" x2=\"{right}\" y2=\"{:.1}\" stroke=\"#ddd\"/>\n",
                left - 4.0,
                y(v) + 3.0,
                thousands(v),
                y(v),
                y(v)
            ));
        }
        for kind in KINDS {
            let points: Vec<(f64, f64, bool)> = all
                .iter()
                .filter(|m| m.kind == kind)
                .filter_map(|m| Some((x(m.n), y(value(m)?), m.served == m.n)))
                .collect();
            let path: Vec<String> = points
                .iter()
                .map(|(px, py, _)| format!("{px:.1},{py:.1}"))
                .collect();
            s.push_str(&format!(
                "<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n",
                kind.colour(),
                path.join(" ")
            ));
            for (px, py, whole) in points {
                // A hollow marker: not every connection was served at this N.
                let fill = if whole { kind.colour() } else { "white" };
                s.push_str(&format!(
                    "<circle cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"4\" fill=\"{fill}\" stroke=\"{}\"/>\n",
                    kind.colour()
                ));
            }
        }
        s
    };
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
        2.0 * W,
        H + 40.0
    );
    s.push_str(&panel(
        0.0,
        "round trips per second",
        &|m| Some(m.rate),
        false,
    ));
    s.push_str(&panel(
        W,
        "server's peak memory (MiB, log scale)",
        &|m| m.peak.map(|p| p as f64 / MIB as f64),
        true,
    ));
    for (i, kind) in KINDS.iter().enumerate() {
        let lx = 20.0 + 170.0 * i as f64;
        s.push_str(&format!(
            "<rect x=\"{lx}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n",
            H + 12.0,
            kind.colour(),
            lx + 16.0,
            H + 22.0,
            kind.label()
        ));
    }
    s.push_str(&format!(
        "<text x=\"20\" y=\"{}\" font-size=\"10\">hollow marker: not every connection served at that N</text>\n</svg>\n",
        H + 36.0
    ));
    s
}
