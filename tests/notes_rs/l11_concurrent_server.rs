//! Lesson 11's notes.rs against notes B: its server with notes B's input-loop client
//! (简单套接字的CS架构), its client with notes B's s.setblocking(False)实现并发 server.

use super::*;

/// Starts one of notes B's input-loop clients against `port`; it prints `>>>` before each
/// line it reads, so an answer shows as `>>>ANSWER`.
fn b_simple_client_loop(n: &Notes, port: u16) -> Running {
    let program = n.program("b_simple_client_loop");
    Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &port.to_string())],
    )
}

#[test]
fn notes_rs_server_of_lesson_11_answers_a_second_b_simple_client_while_the_first_is_silent() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("11_concurrent_server", &["notes-server"]);
    let mut first = b_simple_client_loop(&n, server.port);
    first.type_line("one");
    assert_eq!(first.next_line(), ">>>ONE");
    let joined = server.next_line();
    assert!(
        joined.starts_with("127.0.0.1:") && joined.ends_with(" connected"),
        "{joined}"
    );

    // The first client stays connected and says nothing. A server whose connections were
    // blocking (the notes' own, on Linux) would sit in its recv and never answer this.
    let mut second = b_simple_client_loop(&n, server.port);
    second.type_line("two");
    assert_eq!(second.next_line(), ">>>TWO");
    assert!(server.next_line().ends_with(" connected"));
    first.type_line("three");
    assert_eq!(first.next_line(), ">>>THREE");

    // The first client's input ends (the notes' client dies of EOFError, which closes its
    // socket): the server drops that connection, and still serves the second.
    first.close_stdin();
    assert_eq!(server.next_line(), joined.replace(" connected", " left"));
    second.type_line("four");
    assert_eq!(second.next_line(), ">>>FOUR");
}

#[test]
fn notes_rs_client_of_lesson_11_talks_to_b_setblocking_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("b_setblocking_server");
    // The empty line is skipped, as the notes' client skips it; the end of input ends it.
    let out = n.lesson_client(
        "11_concurrent_server",
        &["notes-client"],
        server.port,
        "hello\n\nworld\n",
    );
    out.succeeds();
    assert_eq!(out.stdout, "HELLO\nWORLD\n");
    assert!(server
        .line_containing("链接成功")
        .starts_with("127.0.0.1: "));
}

/// The CPU time (user + system) a process has used so far, in clock ticks: fields 14 and
/// 15 of /proc/PID/stat, counted after the command name in parentheses.
#[cfg(target_os = "linux")]
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    let after_name = &stat[stat.rfind(')').expect("(comm)") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // fields[0] is field 3 (the state), so utime (14) and stime (15) are 11 and 12.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

/// The lesson's subject, kept on purpose (`DELIBERATE:` in notes.rs): with its one client
/// silent, the notes' loop still runs flat out. It must use a tenth of a second of CPU (10
/// ticks at Linux's 100 per second) while nothing happens; on a busy machine that takes
/// longer, so it has up to 20 s, while a loop that slept until there was work would use
/// next to none in all that time. Its client's own reads cost next to nothing: it waits.
#[cfg(target_os = "linux")]
#[test]
fn notes_rs_server_of_lesson_11_keeps_the_cpu_busy_while_its_client_is_silent() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("11_concurrent_server", &["notes-server"]);
    let mut client = b_simple_client_loop(&n, server.port);
    client.type_line("one");
    assert_eq!(client.next_line(), ">>>ONE");
    server.line_containing(" connected");
    let before = cpu_ticks(server.pid());
    let started = std::time::Instant::now();
    let mut used = 0;
    while used < 10 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(100));
        used = cpu_ticks(server.pid()) - before;
    }
    assert!(
        used >= 10,
        "{used} ticks of CPU in {:?} with nothing to do",
        started.elapsed()
    );
}
