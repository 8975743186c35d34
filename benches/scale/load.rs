//! The `scale` row's load generator, a process of its own (`speed --bench --scale-load
//! ADDR N ROUNDS`), so that neither it nor the server needs more than N and a few
//! descriptors, and the server's CPU time and memory are the server's alone.
//!
//! One thread, mio (epoll): N connections opened (at most [`CONNECTING`] at a time, so the
//! server's listen backlog is not flooded), each served one round trip first (a warm-up,
//! not timed: it proves the server has accepted it and answers it). Then it prints `ready`
//! and waits for `go` on stdin (the bench reads the server's CPU time between the two), and
//! then all N run at once: each sends a frame of 64 bytes (`struct.pack('i', 64)` and 64
//! lower-case letters), waits for the whole answer (the same frame, upper-cased), and sends
//! the next, [`ROUNDS`] times. It prints one line of results.
//!
//! The same bytes suit every server in the row: lesson 11's echo is raw (it upper-cases
//! whatever it reads), and the header `40 00 00 00` has no lower-case letter in it, so its
//! answer is the frame upper-cased, as the framed servers' is. The body has no `q`, so no
//! read can ever be lesson 11's quit word.

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The body's length, and the frame on the wire.
pub const BODY: usize = 64;
const FRAME: usize = 4 + BODY;

/// Round trips per connection, after the warm-up.
pub const ROUNDS: u32 = 100;

/// Connections being opened at once.
const CONNECTING: usize = 256;

/// How long the opening (with the warm-ups) and the run may take before the generator
/// counts what is left as failed.
const OPEN_LIMIT: Duration = Duration::from_secs(90);
const RUN_LIMIT: Duration = Duration::from_secs(180);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connecting,
    Warming,
    Ready,
    Running,
    Done,
    Failed,
}

struct Conn {
    stream: TcpStream,
    phase: Phase,
    /// Bytes of the request written, and of the answer read.
    written: usize,
    got: usize,
    answer: [u8; FRAME],
    sent_at: Instant,
    rounds: u32,
}

/// `speed --bench --scale-load ADDR N ROUNDS`: runs and exits.
pub fn main(args: &[String]) -> ! {
    let result = (|| -> Result<(), Box<dyn std::error::Error>> {
        let addr: SocketAddr = args.first().ok_or("no address")?.parse()?;
        let n: usize = args.get(1).ok_or("no count")?.parse()?;
        let rounds: u32 = args.get(2).ok_or("no rounds")?.parse()?;
        run(addr, n, rounds)
    })();
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("load generator: {e}");
            std::process::exit(1)
        }
    }
}

fn request() -> [u8; FRAME] {
    let mut frame = [0u8; FRAME];
    frame[..4].copy_from_slice(&(BODY as i32).to_le_bytes());
    for (i, b) in frame[4..].iter_mut().enumerate() {
        *b = b"abcdefghijklmnop"[i % 16];
    }
    frame
}

fn run(addr: SocketAddr, n: usize, rounds: u32) -> Result<(), Box<dyn std::error::Error>> {
    let request = request();
    let mut expected = request;
    expected.make_ascii_uppercase();
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(1024);
    let mut conns: Vec<Conn> = Vec::with_capacity(n);
    let mut failures: BTreeMap<String, usize> = BTreeMap::new();
    let fail = |conn: &mut Conn, why: String, failures: &mut BTreeMap<String, usize>| {
        conn.phase = Phase::Failed;
        *failures.entry(why).or_default() += 1;
    };

    // 1. Open, at most CONNECTING at a time; each, once connected, makes its warm-up
    //    round trip.
    let started = Instant::now();
    let mut opened = 0usize;
    let mut settled = 0usize; // warmed up, or failed
    let mut connecting = 0usize;
    while settled < n {
        while opened < n && connecting < CONNECTING {
            // A token is the connection's index in `conns`.
            let token = Token(conns.len());
            match TcpStream::connect(addr) {
                Ok(mut stream) => {
                    poll.registry().register(
                        &mut stream,
                        token,
                        Interest::READABLE | Interest::WRITABLE,
                    )?;
                    conns.push(Conn {
                        stream,
                        phase: Phase::Connecting,
                        written: 0,
                        got: 0,
                        answer: [0; FRAME],
                        sent_at: Instant::now(),
                        rounds: 0,
                    });
                    connecting += 1;
                }
                Err(e) => {
                    // No descriptor, no port: this connection never existed.
                    *failures.entry(format!("connect: {e}")).or_default() += 1;
                    settled += 1;
                }
            }
            opened += 1;
        }
        let left = OPEN_LIMIT.saturating_sub(started.elapsed());
        if left.is_zero() {
            for conn in conns
                .iter_mut()
                .filter(|c| matches!(c.phase, Phase::Connecting | Phase::Warming))
            {
                fail(
                    conn,
                    "no answer to its first round trip within the opening limit".into(),
                    &mut failures,
                );
            }
            if n > opened {
                *failures
                    .entry("never opened: the opening limit ran out".into())
                    .or_default() += n - opened;
            }
            break;
        }
        poll.poll(&mut events, Some(left))?;
        for event in events.iter() {
            let conn = &mut conns[event.token().0];
            let before = conn.phase;
            if before == Phase::Connecting {
                match connected(conn) {
                    Ok(false) => continue,
                    Ok(true) => {
                        connecting -= 1;
                        conn.phase = Phase::Warming;
                        conn.written = 0;
                        conn.got = 0;
                    }
                    Err(e) => {
                        connecting -= 1;
                        fail(conn, format!("connect: {e}"), &mut failures);
                        settled += 1;
                        continue;
                    }
                }
            }
            if conn.phase == Phase::Warming {
                match step(conn, &request, &expected) {
                    Ok(Some(_)) => {
                        conn.phase = Phase::Ready;
                        settled += 1;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        fail(conn, format!("before its first answer: {e}"), &mut failures);
                        settled += 1;
                    }
                }
            }
        }
    }
    let open_time = started.elapsed();
    let ready = conns.iter().filter(|c| c.phase == Phase::Ready).count();
    println!("ready\t{ready}\t{:.3}", open_time.as_secs_f64());
    io::stdout().flush()?;

    // 2. The bench reads the server's CPU time, then says go.
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    if line.trim() != "go" {
        return Err(format!("expected go, got {line:?}").into());
    }

    // 3. All at once: every ready connection sends its first frame, then each goes on as
    //    its answers come.
    let mut latencies: Vec<u32> = Vec::with_capacity(ready * rounds as usize);
    let start = Instant::now();
    let mut running = 0usize;
    for conn in conns.iter_mut().filter(|c| c.phase == Phase::Ready) {
        conn.phase = Phase::Running;
        conn.written = 0;
        conn.got = 0;
        running += 1;
        if let Err(e) = step(conn, &request, &expected) {
            fail(conn, format!("during the run: {e}"), &mut failures);
            running -= 1;
        }
    }
    while running > 0 {
        let left = RUN_LIMIT.saturating_sub(start.elapsed());
        if left.is_zero() {
            for conn in conns.iter_mut().filter(|c| c.phase == Phase::Running) {
                fail(
                    conn,
                    format!(
                        "unfinished when the run limit ({} s) ran out",
                        RUN_LIMIT.as_secs()
                    ),
                    &mut failures,
                );
            }
            break;
        }
        poll.poll(&mut events, Some(left))?;
        for event in events.iter() {
            let conn = &mut conns[event.token().0];
            if conn.phase != Phase::Running {
                continue;
            }
            // Answers may come back to back: go on until this socket would block.
            loop {
                match step(conn, &request, &expected) {
                    Ok(Some(rtt)) => {
                        latencies.push(u32::try_from(rtt.as_micros()).unwrap_or(u32::MAX));
                        conn.rounds += 1;
                        if conn.rounds == rounds {
                            conn.phase = Phase::Done;
                            running -= 1;
                            break;
                        }
                        conn.written = 0;
                        conn.got = 0;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        fail(conn, format!("during the run: {e}"), &mut failures);
                        running -= 1;
                        break;
                    }
                }
            }
        }
    }
    let wall = start.elapsed();
    let done = conns.iter().filter(|c| c.phase == Phase::Done).count();
    let (p50, p99) = percentiles(&mut latencies);
    let failed: Vec<String> = failures
        .iter()
        .map(|(why, count)| format!("{count}|{why}"))
        .collect();
    println!(
        "done\t{done}\t{}\t{:.6}\t{p50}\t{p99}\t{}",
        latencies.len(),
        wall.as_secs_f64(),
        failed.join("\t")
    );
    io::stdout().flush()?;
    Ok(())
}

/// Whether a connect in progress has finished: `Ok(false)` not yet, `Err` failed (mio:
/// after a writable event, `take_error`, then `peer_addr`).
fn connected(conn: &mut Conn) -> io::Result<bool> {
    if let Some(e) = conn.stream.take_error()? {
        return Err(e);
    }
    match conn.stream.peer_addr() {
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(false),
        Err(e) => Err(e),
    }
}

/// Sends the rest of the request and reads what has come of the answer, never waiting:
/// `Ok(Some(time))` when the whole answer is in (its round-trip time).
fn step(
    conn: &mut Conn,
    request: &[u8; FRAME],
    expected: &[u8; FRAME],
) -> io::Result<Option<Duration>> {
    while conn.written < FRAME {
        if conn.written == 0 {
            conn.sent_at = Instant::now();
        }
        match conn.stream.write(&request[conn.written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(k) => conn.written += k,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    while conn.got < FRAME {
        match conn.stream.read(&mut conn.answer[conn.got..]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ))
            }
            Ok(k) => conn.got += k,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if conn.answer != *expected {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "a wrong answer"));
    }
    Ok(Some(conn.sent_at.elapsed()))
}

/// The 50th and 99th percentiles, in microseconds (0 when there are none).
fn percentiles(us: &mut [u32]) -> (u32, u32) {
    if us.is_empty() {
        return (0, 0);
    }
    let at = |p: f64, us: &mut [u32]| {
        let i = ((us.len() - 1) as f64 * p).round() as usize;
        *us.select_nth_unstable(i).1
    };
    (at(0.50, us), at(0.99, us))
}

/// The generator's two lines, read back by the bench.
pub struct Ready {
    pub connections: usize,
    pub open_secs: f64,
}

pub struct Done {
    pub connections: usize,
    pub round_trips: usize,
    pub wall_secs: f64,
    pub p50_us: u32,
    pub p99_us: u32,
    /// `(count, why)`.
    pub failures: Vec<(usize, String)>,
}

pub fn parse_ready(line: &str) -> Option<Ready> {
    let mut f = line.trim_end().split('\t');
    (f.next()? == "ready").then_some(())?;
    Some(Ready {
        connections: f.next()?.parse().ok()?,
        open_secs: f.next()?.parse().ok()?,
    })
}

pub fn parse_done(line: &str) -> Option<Done> {
    let mut f = line.trim_end_matches('\n').split('\t');
    (f.next()? == "done").then_some(())?;
    Some(Done {
        connections: f.next()?.parse().ok()?,
        round_trips: f.next()?.parse().ok()?,
        wall_secs: f.next()?.parse().ok()?,
        p50_us: f.next()?.parse().ok()?,
        p99_us: f.next()?.parse().ok()?,
        failures: f
            .filter(|s| !s.is_empty())
            .filter_map(|s| {
                let (count, why) = s.split_once('|')?;
                Some((count.parse().ok()?, why.to_owned()))
            })
            .collect(),
    })
}
