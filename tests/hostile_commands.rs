//! Lessons 07 and 08 against clients that do not play fair: a command line longer than one
//! read, commands that leave processes running however they detach, a client that sits
//! idle, one that drips a byte every few seconds, one that never reads its answer or takes
//! a few bytes of it now and then, one that floods the log; and servers that drip or stall
//! their answers to the lessons' clients.
#![cfg(unix)]

mod common;

use common::{example, Running, WAIT};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Sends `command` bare (the notes' wire) and reads one `struct.pack('i')` framed answer.
fn ask_07(conn: &mut TcpStream, command: &[u8]) -> Vec<u8> {
    conn.write_all(command).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; i32::from_le_bytes(len) as usize];
    conn.read_exact(&mut body).unwrap();
    body
}

fn connect(port: u16) -> TcpStream {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(common::WAIT)).unwrap();
    conn
}

/// `false && echo AAAA… touch FILE`, cut so that its first 8192 bytes fill the server's
/// read and the rest, ` touch FILE`, would arrive as a command of its own.
fn split_command(file: &std::path::Path) -> Vec<u8> {
    let head = b"false && echo ";
    let mut line = head.to_vec();
    line.resize(8192, b'A');
    line.extend_from_slice(format!(" touch {}", file.display()).as_bytes());
    line
}

fn scratch_file(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("socket-lessons-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn lesson_07_refuses_a_command_that_fills_its_read_and_runs_nothing_of_it() {
    let file = scratch_file("07-split");
    let mut server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    let answer = ask_07(&mut conn, &split_command(&file));
    assert_eq!(
        String::from_utf8(answer).unwrap(),
        "error: the command filled the whole 8192-byte read, so it may go on past it; \
         nothing of it was run, and this connection is closed\n"
    );
    // The connection ends: the tail is never read as a command.
    let mut rest = Vec::new();
    conn.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    server.line_containing("refused, nothing run, closing the connection");
    drop(conn);
    // The next client is served, and the tail never ran.
    let mut next = connect(server.port);
    assert_eq!(ask_07(&mut next, b"echo next"), b"next\n");
    assert!(!file.exists(), "the tail of the line ran as a command");
}

#[test]
fn lesson_08_refuses_a_command_that_fills_its_read_and_runs_nothing_of_it() {
    let file = scratch_file("08-split");
    let mut server = Running::server(example("08_json_header"), &["server", "--port", "0"]);
    let mut conn = connect(server.port);
    conn.write_all(&split_command(&file)).unwrap();
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.contains("nothing of it was run, and this connection is closed"),
        "{text}"
    );
    server.line_containing("refused, nothing run, closing the connection");
    assert!(!file.exists(), "the tail of the line ran as a command");
}

/// Threads and open descriptors of a process, from /proc.
fn threads_and_fds(pid: u32) -> (usize, usize) {
    let count = |what: &str| {
        std::fs::read_dir(format!("/proc/{pid}/{what}"))
            .unwrap()
            .count()
    };
    (count("task"), count("fd"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_detached_background_job_leaks_no_thread_and_no_descriptor() {
    let server = Running::server(
        example("07_remote_cmd"),
        &["server", "--port", "0", "--time-limit", "1"],
    );
    let mut conn = connect(server.port);
    let mut counts = Vec::new();
    for _ in 0..6 {
        // The sleep leaves the process group (setsid) with the output pipes open.
        let answer = ask_07(&mut conn, b"setsid sleep 20 & echo x");
        assert!(
            answer.starts_with(b"x\n"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
        counts.push(threads_and_fds(server.pid()));
    }
    assert!(
        counts.iter().all(|c| *c == counts[0]),
        "threads and descriptors grew: {counts:?}"
    );
}

#[test]
fn an_idle_client_is_dropped_at_the_idle_limit_and_the_next_is_served() {
    for lesson in ["07_remote_cmd", "08_json_header"] {
        let mut server = Running::server(
            example(lesson),
            &["server", "--port", "0", "--idle-limit", "2"],
        );
        let _idle = connect(server.port);
        let mut next = connect(server.port);
        next.write_all(b"echo served").unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("served") {
            let n = next.read(&mut buf).unwrap();
            assert!(n > 0, "{lesson}: closed without an answer");
            answer.extend_from_slice(&buf[..n]);
        }
        let line = server.line_containing("waiting for a command");
        assert!(
            line.ends_with("waiting for a command: nothing within 2 s; closing"),
            "{lesson}: {line}"
        );
    }
}

#[test]
fn client_that_never_reads_its_answer_holds_the_server_only_until_the_answer_runs_out_of_time() {
    let mut server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    // 16 MiB of answer (the output limit), more than the two sockets' buffers hold, and
    // this client reads none of it.
    let mut greedy = connect(server.port);
    greedy.write_all(b"seq 3000000").unwrap();
    greedy.shutdown(Shutdown::Write).unwrap();
    let mut next = connect(server.port);
    assert_eq!(ask_07(&mut next, b"echo next"), b"next\n");
    let line = server.line_containing("the answer too slow");
    assert!(
        line.contains("(10 s, then 1048576 B/s allowed); closing"),
        "{line}"
    );
    drop(greedy);
}

/// A client that reads 1 KiB of its 16 MiB answer every second: every write the server
/// makes moves a little, so a limit on each write never runs out (the old rule: 10 s
/// without progress), and the client could hold the server for hours. The answer's clock
/// counts the whole answer: 10 s, then 1 MiB a second on average.
#[test]
fn client_taking_a_few_bytes_now_and_then_cannot_stretch_its_answer() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let mut server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    let done = Arc::new(AtomicBool::new(false));
    let stop = done.clone();
    let port = server.port;
    let sipper = std::thread::spawn(move || {
        let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
        conn.set_read_timeout(Some(WAIT)).unwrap();
        conn.write_all(b"seq 3000000").unwrap();
        let mut sip = [0u8; 1024];
        while !stop.load(Ordering::SeqCst) {
            match conn.read(&mut sip) {
                Ok(0) | Err(_) => return,
                Ok(_) => std::thread::sleep(Duration::from_secs(1)),
            }
        }
    });
    // Within WAIT (30 s): the clock gives the answer 10 s plus what its bytes earned
    // (the 3 to 4 MB the sockets' buffers took earn about 4 s at 1 MiB a second).
    let line = server.line_containing("the answer too slow");
    assert!(line.ends_with("; closing"), "{line}");
    let mut next = connect(server.port);
    assert_eq!(ask_07(&mut next, b"echo next"), b"next\n");
    done.store(true, Ordering::SeqCst);
    sipper.join().unwrap();
}

/// A client that sends the null command `:` (one byte) every 3 s, under the idle limit of
/// 5 s: each byte is a command of its own, so it is never idle and never too slow. The
/// session limit (6 s here) closes it with a notice, and the next client is served.
#[test]
fn client_dripping_a_byte_every_three_seconds_is_closed_at_the_session_limit() {
    for lesson in ["07_remote_cmd", "08_json_header"] {
        let mut server = Running::server(
            example(lesson),
            &[
                "server",
                "--port",
                "0",
                "--idle-limit",
                "5",
                "--session-limit",
                "6",
            ],
        );
        let mut dripper = connect(server.port);
        let port = server.port;
        let drips = std::thread::spawn(move || {
            let mut everything = Vec::new();
            let mut buf = [0u8; 4096];
            dripper
                .set_read_timeout(Some(Duration::from_secs(3)))
                .unwrap();
            for _ in 0..20 {
                if dripper.write_all(b":").is_err() {
                    break;
                }
                // Whatever comes back within 3 s (the answers, then the notice and the end).
                loop {
                    match dripper.read(&mut buf) {
                        Ok(0) => return everything,
                        Ok(n) => everything.extend_from_slice(&buf[..n]),
                        Err(_) => break,
                    }
                }
            }
            everything
        });
        let mut next = connect(port);
        next.write_all(b"echo next").unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        while !String::from_utf8_lossy(&answer).contains("next\n") {
            let n = next.read(&mut buf).unwrap();
            assert!(n > 0, "{lesson}: closed without an answer");
            answer.extend_from_slice(&buf[..n]);
        }
        let line = server.line_containing("the session limit");
        assert!(
            line.ends_with("served for 6 s, the session limit: closing the connection, so that others get their turn"),
            "{lesson}: {line}"
        );
        let seen = String::from_utf8_lossy(&drips.join().unwrap()).into_owned();
        assert!(
            seen.contains("[server: this connection has been served for 6 s, its session limit; connect again to go on]"),
            "{lesson}: {seen:?}"
        );
    }
}

/// The server's log while `flood` runs against it, in bytes, from its first line about the
/// flooding client to the line that says it left (the client ends with `q`).
fn log_bytes_during(
    server: &mut Running,
    flood: impl FnOnce(&mut TcpStream) -> usize,
) -> (usize, usize) {
    let mut conn = connect(server.port);
    let sent = flood(&mut conn) + 1;
    conn.write_all(b"q").unwrap();
    let before = server.seen().len();
    server.line_containing("said q");
    let _ = before;
    let lines = server.seen();
    let from = lines
        .iter()
        .rposition(|l| l.contains("accept -> a connection from"))
        .unwrap();
    let logged = lines[from + 1..].iter().map(|l| l.len() + 1).sum();
    (logged, sent)
}

/// 20,000 one-byte commands that are not UTF-8, as fast as the server answers them: each
/// used to cost three log lines (about 180 bytes) for one byte sent. The server's log gates
/// print 20 events of a kind in any 10 s, then a count.
#[test]
fn client_flooding_one_byte_commands_gets_at_most_one_log_byte_per_byte_it_sends() {
    for lesson in ["07_remote_cmd", "08_json_header"] {
        let mut server = Running::server(example(lesson), &["server", "--port", "0"]);
        let (logged, sent) = log_bytes_during(&mut server, |conn| {
            let mut buf = [0u8; 4096];
            for _ in 0..20_000 {
                conn.write_all(b"\xff").unwrap();
                // One answer, whole: it is small and comes in one segment on loopback;
                // its last byte is the error line's newline.
                let mut got = Vec::new();
                while !got.ends_with(b"\n") {
                    let n = conn.read(&mut buf).unwrap();
                    assert!(n > 0);
                    got.extend_from_slice(&buf[..n]);
                }
            }
            20_000
        });
        assert!(
            logged <= sent,
            "{lesson}: {logged} log bytes for {sent} bytes sent"
        );
        assert!(
            server
                .seen()
                .iter()
                .any(|l| l.contains("commands were served without their lines")),
            "{lesson}: no count of the lines held back"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Commands that leave processes running
// ---------------------------------------------------------------------------------------

/// A `sleep` length no other process on the machine uses (this test process's pid in its
/// fraction): the marker to look for in the process table.
#[cfg(target_os = "linux")]
fn marker(n: u32) -> String {
    format!("{}.{}", 1000 + n, std::process::id())
}

/// How many processes run `sleep MARKER`, their whole command line exactly that.
#[cfg(target_os = "linux")]
fn sleeping(marker: &str) -> usize {
    let wanted = format!("sleep\0{marker}\0");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter(|e| std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c == wanted.as_bytes()))
        .count()
}

/// Sends `command` (`M` in it replaced by a fresh marker) to the lesson's server and
/// returns the server's line about it (lesson 07's; empty for 08, which logs none).
///
/// The command ends with `read x < FIFO`: it cannot end before the test has seen the
/// marked `sleep` running, and then releases it. After the answer, the `sleep` must be
/// gone (within WAIT: nothing else would end it for 1000 s).
#[cfg(target_os = "linux")]
fn left_running_is_killed(lesson: &str, n: u32, command: &str, args: &[&str]) -> String {
    use std::os::unix::fs::OpenOptionsExt;
    let mark = marker(n);
    /// Removes the FIFO however the test ends.
    struct Fifo(PathBuf);
    impl Drop for Fifo {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let fifo = Fifo(std::env::temp_dir().join(format!("socket-lessons-07-jobs-{mark}")));
    let fifo = &fifo.0;
    let _ = std::fs::remove_file(fifo);
    assert!(std::process::Command::new("mkfifo")
        .arg(fifo)
        .status()
        .unwrap()
        .success());
    let command = format!(
        "{}\nread x < {}",
        command.replace('M', &mark),
        fifo.display()
    );
    let mut all = vec!["server", "--port", "0"];
    all.extend_from_slice(args);
    let mut server = Running::server(example(lesson), &all);
    let mut conn = connect(server.port);
    conn.write_all(command.as_bytes()).unwrap();
    let deadline = Instant::now() + WAIT;
    while sleeping(&mark) == 0 {
        assert!(Instant::now() < deadline, "`sleep {mark}` never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Release the command: open the FIFO to write without waiting (ENXIO while the shell
    // has not opened it to read yet: try again), until it is open or the answer has come
    // (a shell killed at a time limit never opens it).
    let deadline = Instant::now() + WAIT;
    loop {
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo);
        if let Ok(mut release) = opened {
            let _ = release.write_all(b"go\n");
            break;
        }
        conn.set_nonblocking(true).unwrap();
        let answered = conn.peek(&mut [0u8; 1]).is_ok();
        conn.set_nonblocking(false).unwrap();
        if answered || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    // The answer, whichever lesson: 07's frame or 08's message; the server answers only
    // after the command has ended and its leftovers have been dealt with.
    let mut buf = [0u8; 4096];
    let got = conn.read(&mut buf).unwrap();
    assert!(got > 0, "no answer to {command:?}");
    // Lesson 07 logs what ran and how it ended; lesson 08 only the messages.
    let line = if lesson == "07_remote_cmd" {
        server.line_containing(&format!("sh -c {:?}", &command[..40]))
    } else {
        String::new()
    };
    let deadline = Instant::now() + WAIT;
    while sleeping(&mark) > 0 {
        assert!(
            Instant::now() < deadline,
            "`sleep {mark}` outlived the command {command:?}: {line}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    line
}

#[cfg(target_os = "linux")]
#[test]
fn a_background_job_with_its_output_redirected_is_killed_when_the_command_ends() {
    let line = left_running_is_killed("07_remote_cmd", 1, "sleep M >/dev/null 2>&1 &", &[]);
    assert!(
        line.contains("exit status 0; killed 1 process(es) it left running"),
        "{line}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_job_orphaned_by_a_subshell_is_killed_when_the_command_ends() {
    let line = left_running_is_killed("07_remote_cmd", 2, "(sleep M &) >/dev/null 2>&1", &[]);
    assert!(
        line.contains("killed 1 process(es) it left running"),
        "{line}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_job_that_ignores_hangups_is_killed_when_the_command_ends() {
    let line = left_running_is_killed("07_remote_cmd", 3, "nohup sleep M >/dev/null 2>&1 &", &[]);
    assert!(
        line.contains("killed 1 process(es) it left running"),
        "{line}"
    );
}

/// bash's `set -m` gives each background job a process group of its own, even without a
/// terminal (dash's turns job control off there): out of reach of the group kill.
#[cfg(target_os = "linux")]
#[test]
fn a_job_in_a_process_group_of_its_own_is_killed_when_the_command_ends() {
    let line = left_running_is_killed(
        "07_remote_cmd",
        4,
        "bash -c 'set -m; sleep M >/dev/null 2>&1 &'",
        &[],
    );
    assert!(
        line.contains("killed 1 process(es) it left running"),
        "{line}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_job_in_a_session_of_its_own_is_killed_when_the_command_ends() {
    let line = left_running_is_killed("07_remote_cmd", 5, "setsid sleep M >/dev/null 2>&1 &", &[]);
    assert!(
        line.contains("killed 1 process(es) it left running"),
        "{line}"
    );
}

/// A new session, and inside it a background job whose parent exits at once: the job's
/// parent and grandparent are both gone before the command ends.
#[cfg(target_os = "linux")]
#[test]
fn a_double_fork_into_a_new_session_is_killed_when_the_command_ends() {
    let line = left_running_is_killed(
        "07_remote_cmd",
        6,
        "setsid sh -c 'sleep M >/dev/null 2>&1 &' >/dev/null 2>&1",
        &[],
    );
    assert!(
        line.contains("killed 1 process(es) it left running"),
        "{line}"
    );
}

/// A detached job that keeps the output pipes open: the answer comes at the time limit,
/// and the job, out of the process group the limit kills, is killed after it. The shell had
/// exited 0 at once: the line says so (attack 16: it said the command was killed).
#[cfg(target_os = "linux")]
#[test]
fn a_detached_job_holding_the_pipes_is_killed_at_the_time_limit() {
    let line = left_running_is_killed(
        "07_remote_cmd",
        7,
        "setsid sleep M & echo x",
        &["--time-limit", "2"],
    );
    assert!(
        line.contains(
            "exit status 0, but a process it left held its output open until the time limit \
             (2 s); killed 1 process(es) it left running"
        ),
        "{line}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn lesson_08_kills_a_job_in_a_session_of_its_own_when_the_command_ends() {
    left_running_is_killed("08_json_header", 8, "setsid sleep M >/dev/null 2>&1 &", &[]);
}

// ---------------------------------------------------------------------------------------
// Servers that drip or stall, against the lessons' clients
// ---------------------------------------------------------------------------------------

/// A server that reads the client's command, then sends `first` at once and after it one
/// byte of `then` every 2 s, until the client goes.
fn dripping_server(first: Vec<u8>, then: Vec<u8>) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let _ = conn.read(&mut [0u8; 1024]);
        let _ = conn.write_all(&first);
        for byte in then {
            std::thread::sleep(Duration::from_secs(2));
            if conn.write_all(&[byte]).is_err() {
                return;
            }
        }
    });
    (port, server)
}

/// Runs the lesson's client against `port` with one command, bounded, and returns whether
/// it failed, how long it took, and all it printed.
fn client_against(lesson: &str, port: u16) -> (bool, Duration, String) {
    let started = Instant::now();
    let out = snapbox::cmd::Command::new(example(lesson))
        .args(["client", "--port", &port.to_string()])
        .stdin("echo hi\n")
        .timeout(Duration::from_secs(90))
        .output()
        .unwrap();
    let all = common::printed(&out);
    (!out.status.success(), started.elapsed(), all)
}

/// Lesson 08's client waits 60 s for an answer to begin (a command may run that long),
/// then gives the header 10 s (500 bytes a second more, 20 s at most): a header dripped a
/// byte every 2 s is given up on after about 10 s, where a limit on each read (60 s) never
/// runs out.
#[test]
fn lesson_08_client_gives_up_on_a_server_dripping_its_header() {
    let json = br#"{"total_size":3,"md5":"202cb962ac59075b964b07152d234b70","filename":"stdout"}"#;
    let mut then = (json.len() as i32).to_le_bytes()[1..].to_vec();
    then.extend_from_slice(json);
    let (port, server) = dripping_server(vec![json.len() as u8], then);
    let (failed, took, all) = client_against("08_json_header", port);
    assert!(failed, "{all}");
    assert!(all.contains("the answer's header too slow"), "{all}");
    assert!(
        took < Duration::from_secs(45),
        "gave up after {took:?}: {all}"
    );
    server.join().unwrap();
}

/// The header whole, then the body a byte every 2 s: the body has 10 s, then must come at
/// 1 MiB a second on average.
#[test]
fn lesson_08_client_gives_up_on_a_server_dripping_its_body() {
    let body = vec![b'x'; 100];
    let json = format!(
        r#"{{"total_size":100,"md5":"{}","filename":"stdout"}}"#,
        socket_lessons::wire::checksum::md5_hex(&body)
    );
    let mut first = (json.len() as i32).to_le_bytes().to_vec();
    first.extend_from_slice(json.as_bytes());
    let (port, server) = dripping_server(first, body);
    let (failed, took, all) = client_against("08_json_header", port);
    assert!(failed, "{all}");
    assert!(all.contains("the answer's body too slow"), "{all}");
    assert!(
        took < Duration::from_secs(45),
        "gave up after {took:?}: {all}"
    );
    server.join().unwrap();
}

/// A server whose header's md5 is 50,000 characters of junk and whose file name is 5,000:
/// lesson 08's client shows each by its first characters and its length, not whole (it
/// printed a 50 KB line before), and says the md5 is not one.
#[test]
fn lesson_08_client_shows_a_servers_huge_md5_and_name_short() {
    let json = format!(
        r#"{{"total_size":3,"md5":"{}","filename":"{}"}}"#,
        "z".repeat(50_000),
        "n".repeat(5_000)
    );
    let mut answer = (json.len() as i32).to_le_bytes().to_vec();
    answer.extend_from_slice(json.as_bytes());
    answer.extend_from_slice(b"abc");
    let (port, server) = dripping_server(answer, Vec::new());
    let (_, _, all) = client_against("08_json_header", port);
    server.join().unwrap();
    assert!(all.contains("is not an md5 at all"), "{all}");
    assert!(
        all.contains("(50000 chars)") || all.contains("(50,000 chars)"),
        "{all}"
    );
    let longest = all.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 400, "a line of {longest} bytes: {all}");
}

/// Lesson 07's client: the frame (4-byte length, then the output) under one clock.
#[test]
fn lesson_07_client_gives_up_on_a_server_dripping_its_answer() {
    let (port, server) = dripping_server(
        vec![100],
        vec![0, 0, 0].into_iter().chain([b'x'; 100]).collect(),
    );
    let (failed, took, all) = client_against("07_remote_cmd", port);
    assert!(failed, "{all}");
    assert!(all.contains("the answer too slow"), "{all}");
    assert!(
        took < Duration::from_secs(45),
        "gave up after {took:?}: {all}"
    );
    server.join().unwrap();
}

/// Connects and closes `count` times as fast as it can, sending nothing, and returns how
/// many log lines the server printed meanwhile and how many it may print: the accept line
/// and the connection's end each go through a gate of 20 lines per 10 s (plus a count
/// line per window), however many connections come.
fn connection_flood(server: Running, count: usize) -> (usize, usize) {
    let before = server.seen().len();
    let started = Instant::now();
    for _ in 0..count {
        // Close, then wait for the server's close: one connection at a time, so that none
        // waits for a place in the listen backlog (5 here: a full queue drops the SYN,
        // and the client tries again a second later).
        let mut conn = connect(server.port);
        conn.shutdown(Shutdown::Write).unwrap();
        let _ = conn.read_to_end(&mut Vec::new());
    }
    // A last client that says `q`: once the server has closed it, it has dealt with every
    // connection before it.
    let mut probe = connect(server.port);
    probe.write_all(b"q").unwrap();
    let mut rest = Vec::new();
    let _ = probe.read_to_end(&mut rest);
    let windows = (started.elapsed().as_secs() / 10 + 1) as usize;
    let lines = server.stop();
    let printed = lines.len() - before;
    (printed, windows * 2 * (20 + 1) + 2)
}

/// 2,000 connections that send nothing: a line each for the accept and the end used to be
/// 110 bytes of log per connection, with no byte of payload from the client.
#[test]
fn client_connecting_and_closing_in_a_loop_costs_the_log_a_few_lines_every_10_s() {
    for lesson in ["07_remote_cmd", "08_json_header"] {
        let server = Running::server(example(lesson), &["server", "--port", "0"]);
        let (printed, allowed) = connection_flood(server, 2000);
        assert!(
            printed <= allowed,
            "{lesson}: {printed} lines, {allowed} allowed"
        );
    }
}

/// A hostile server answering lesson 07's client with terminal escapes (OSC 52 to the
/// clipboard, a screen clear, a `\r` that overwrites the line): the client prints the
/// output with every control character but `\n` and `\t` escaped.
#[test]
fn a_server_answering_with_terminal_escapes_cannot_drive_the_07_client_terminal() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let mut request = [0u8; 1024];
        let _ = conn.read(&mut request);
        let body = b"ok\x1b]52;c;aGk=\x07\x1b[2J\rfake\ttab\n";
        let mut frame = (body.len() as i32).to_le_bytes().to_vec();
        frame.extend_from_slice(body);
        conn.write_all(&frame).unwrap();
        let _ = conn.read(&mut request);
    });
    let out = snapbox::cmd::Command::new(common::example("07_remote_cmd"))
        .args(["client", "--port", &port.to_string()])
        .stdin("ls\nq\n")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    server.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    assert!(
        text.contains("ok\\u{1b}]52;c;aGk=\\u{7}\\u{1b}[2J\\rfake\ttab\n"),
        "{text:?}"
    );
}

/// Attack 17: `--time-limit 18446744073709551615` made 07 and 08 panic at the first command
/// (a deadline past the clock's range). A limit over a day is a command-line mistake now.
#[test]
fn a_time_limit_past_a_day_is_a_command_line_mistake() {
    for lesson in ["07_remote_cmd", "08_json_header"] {
        for limit in ["18446744073709551615", "86401"] {
            let out = std::process::Command::new(example(lesson))
                .args(["server", "--port", "0", "--time-limit", limit])
                .stdin(std::process::Stdio::null())
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(2), "{lesson} {limit}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains("is not in 1..=86400"), "{lesson}: {err}");
        }
    }
}
