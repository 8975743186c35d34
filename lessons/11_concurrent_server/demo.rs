//! The demo: the same three clients against each way in turn. The clients are lesson 02's,
//! `echo::exchange`: the server's concurrency is invisible to them.

use crate::clients::Clients;
use crate::serve;
use crate::{Way, BACKLOG, CAPS};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::stage::demo;
use socket_lessons::stage::echo;
use socket_lessons::stage::measure;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::time::Duration;

/// How long the demo leaves each server with nothing to do, to measure what idling costs.
/// It bounds a measurement; it decides nothing.
const IDLE_WINDOW: Duration = Duration::from_millis(200);

/// The clients the demo brings to each server.
const CLIENTS: [&str; 3] = ["A", "B", "C"];

pub fn run_demo() -> Result<(), Report> {
    let mut costs = Vec::new();
    for (number, way) in (1..).zip([Way::Busy, Way::Threads, Way::Poll]) {
        say!(
            Transcript::named(format!("way {number}")),
            "{}",
            way.title()
        );
        costs.push((number, way, demo_one_way(way)?));
    }
    compare(&costs);
    Ok(())
}

/// What one way cost: the process's CPU time while no client was connected, and the
/// threads and descriptors the server held for its three clients (Linux: counted in
/// `/proc/self/task` and `/proc/self/fd`, against the count before the server started).
struct Cost {
    idle_cpu: Option<Duration>,
    threads: Option<usize>,
    descriptors: Option<usize>,
}

/// The demo's last lines: the three ways side by side.
fn compare(costs: &[(u32, Way, Cost)]) {
    let summary = Transcript::named(socket_lessons::lang::pick("summary", "总结"));
    say!(
        summary,
        "the three ways, each with the same three clients connected and {} ms with none:"
            | "三种做法，连着同样三个客户端、以及 {} ms 一个客户端也没有时的开销：",
        IDLE_WINDOW.as_millis()
    );
    for (number, way, cost) in costs {
        let cpu = cost.idle_cpu.map_or_else(|| "?".to_owned(), measure::ms);
        let counted = match (cost.threads, cost.descriptors) {
            (Some(1), Some(descriptors)) => socket_lessons::tr!(
                "1 thread, {descriptors} descriptors" | "1 个线程，{descriptors} 个描述符"
            ),
            (Some(threads), Some(descriptors)) => socket_lessons::tr!(
                "{threads} threads, {descriptors} descriptors"
                    | "{threads} 个线程，{descriptors} 个描述符"
            ),
            _ => socket_lessons::tr!(
                "threads and descriptors counted on Linux only" | "线程和描述符只在 Linux 上统计"
            ),
        };
        say!(
            summary,
            "way {number} ({}): {cpu} of CPU while idle; {counted}"
                | "做法 {number}（{}）：空闲时用了 {cpu} 的 CPU；{counted}",
            way.short()
        );
    }
    say!(
        summary,
        "the busy loop pays in CPU even with nothing to do; threads pay a thread (and its stack) per client; polling sleeps and pays one descriptor for the poll instance"
            | "忙循环即使无事可做也在消耗 CPU；每客户端一个线程的做法为每个客户端付出一个线程（和它的栈）；就绪轮询在等待时睡眠，只多用一个描述符给轮询实例"
    );
}

/// How many entries `/proc/self/<dir>` has (threads in `task`, descriptors in `fd`).
fn proc_count(dir: &str) -> Option<usize> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    std::fs::read_dir(format!("/proc/self/{dir}"))
        .ok()
        .map(|entries| entries.count())
}

fn demo_one_way(way: Way) -> Result<Cost, Report> {
    let (threads_before, descriptors_before) = (proc_count("task"), proc_count("fd"));
    // The server the two-terminal mode runs; its hooks end it at the first connection
    // after the demo's three clients. The time before the first client is not an idle
    // window here: the clients connect at once.
    let stage = demo::stage(
        ListenOptions::new().backlog(BACKLOG),
        CLIENTS.len(),
        move |listener, hooks| {
            let waits = Limits::server(Duration::from_secs(limits::DEFAULT_IDLE_SECS));
            serve(way, listener, Clients::new(hooks, false, CAPS), &waits).map_err(Report::from)
        },
    )?;
    let addr = stage.addr;

    // Three clients, all connected before anyone sends.
    let mut clients = Vec::new();
    for name in CLIENTS {
        let client = Transcript::named(format!("client {name}"));
        say!(client, "connect to {addr}");
        let stream = net::connect_addr(addr)?;
        stage.accepted()?; // demo only: the server's accept line first
        clients.push((client, stream));
    }

    // Interleaved: each answer arrives while the other two clients are still connected.
    for (who, message) in [
        (0, "a1"),
        (1, "b1"),
        (2, "c1"),
        (1, "b2"),
        (0, "a2"),
        (2, "c2"),
    ] {
        let (client, stream) = &mut clients[who];
        echo::exchange(stream, message.as_bytes(), client)?;
    }

    // Every client has been answered, so every thread the server starts for a client is
    // running. The demo's own three client sockets are not the server's.
    let held =
        |now: Option<usize>, before: Option<usize>, own: usize| now?.checked_sub(before? + own);
    let threads = held(proc_count("task"), threads_before, 0);
    let descriptors = held(proc_count("fd"), descriptors_before, CLIENTS.len());

    // They leave in turn.
    for (client, stream) in clients {
        say!(client, "close");
        drop(stream);
        stage.finished()?;
    }

    // Nobody connected: what does waiting cost? (The server prints it when the next
    // connection arrives: the demo's own, one more than its clients, which stops it.)
    say!(
        Transcript::named("demo"),
        "no client for {} ms, then one connection to stop the server",
        IDLE_WINDOW.as_millis()
    );
    let cpu_before = measure::process_cpu_time();
    std::thread::sleep(IDLE_WINDOW);
    let idle_cpu = match (cpu_before, measure::process_cpu_time()) {
        (Some(before), Some(after)) => after.checked_sub(before),
        _ => None,
    };
    let _wake = net::connect_addr(addr)?;
    stage.end()?;
    Ok(Cost {
        idle_cpu,
        threads,
        descriptors,
    })
}
