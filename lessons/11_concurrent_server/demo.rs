//! The demo: the same three clients against each way in turn. The clients are lesson 02's,
//! `echo::exchange`: the server's concurrency is invisible to them.

use crate::clients::Clients;
use crate::serve;
use crate::{Way, BACKLOG, CAPS};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::stage::demo;
use socket_lessons::stage::echo;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::time::Duration;

/// How long the demo leaves each server with nothing to do, to measure what idling costs.
/// It bounds a measurement; it decides nothing.
const IDLE_WINDOW: Duration = Duration::from_millis(200);

/// The clients the demo brings to each server.
const CLIENTS: [&str; 3] = ["A", "B", "C"];

pub fn run_demo() -> Result<(), Report> {
    for (number, way) in (1..).zip([Way::Busy, Way::Threads, Way::Poll]) {
        say!(
            Transcript::named(format!("way {number}")),
            "{}",
            way.title()
        );
        demo_one_way(way)?;
    }
    Ok(())
}

fn demo_one_way(way: Way) -> Result<(), Report> {
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
    std::thread::sleep(IDLE_WINDOW);
    let _wake = net::connect_addr(addr)?;
    stage.end()
}
