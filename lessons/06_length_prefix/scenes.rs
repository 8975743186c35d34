//! Lesson 06's demo: lesson 04's scenes again, over frames; bare commands that still
//! stick; bad headers against the server.

use super::{command, serve, ARRIVAL_LIMIT, RECV_SIZE};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::timed;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo;
use socket_lessons::stage::transcript::{bytes_literal, describe, hex, python_repr};
use socket_lessons::wire::framing::{self, read_frame, write_frame, LEN_PREFIX_BYTES};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::{Read, Write};
use std::time::Duration;

pub(super) fn run_demo() -> Result<(), Report> {
    show_a_header();
    two_frames_stay_two_messages()?;
    the_long_answer_arrives_whole()?;
    bare_commands_still_stick()?;
    bad_peers_cost_one_line_each()
}

/// A real frame, byte by byte, beside Python's view of the same header.
fn show_a_header() {
    let frame_line = Transcript::named("frame");
    let mut frame = Vec::new();
    // Writing into a Vec cannot fail.
    write_frame(&mut frame, b"hello").expect("a Vec takes every byte");
    let (header, body) = frame.split_at(LEN_PREFIX_BYTES);
    say!(
        frame_line,
        "the frame for {}: {} | {}",
        bytes_literal(b"hello"),
        hex(header),
        hex(body)
    );
    say!(
        frame_line,
        "header {}: Python's struct.pack('i', 5) is {}, little-endian: the low byte first",
        hex(header),
        python_repr(header)
    );
    let seq_header = framing::encode_len(1092).expect("1092 is under the limit");
    say!(
        frame_line,
        "header {}: struct.pack('i', 1092) is {} (0x44 is the letter D)",
        hex(&seq_header),
        python_repr(&seq_header)
    );
}

/// The demo's servers wait as the two-terminal one does by default.
fn demo_waits() -> Limits {
    Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS))
}

/// Lesson 04's scene 1 over frames: both frames are in the buffer at once, and still two.
fn two_frames_stay_two_messages() -> Result<(), Report> {
    let scene = Transcript::named("scene 1");
    say!(
        scene,
        "lesson 04's scene 1 over frames: two writes, read late"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, from) = listener.accept()?;
        say!(server, "accept -> a connection from {from}");
        accepted.give(); // demo only

        // DEMO ORDER: read only once both frames (2 x (4 + 5) bytes) are queued.
        timed::wait_for_bytes(&conn, 18, ARRIVAL_LIMIT)?;
        say!(server, "(18 bytes are waiting in the receive buffer)");
        while let Some(body) = read_frame(&mut conn)? {
            say!(server, "read_frame -> {}", describe(&body));
        }
        say!(server, "read_frame -> end of stream between frames");
        Ok(())
    })?;
    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    for message in [&b"hello"[..], b"world"] {
        say!(client, "write_frame {}", describe(message));
        write_frame(&mut stream, message)?;
    }
    drop(stream);
    server_side.join()?;
    say!(
        scene,
        "two frames, two messages: the header says where each one ends"
    );
    Ok(())
}

/// Lesson 04's scene 3 over frames: the 1092-byte answer arrives whole, the next answer
/// is only its own.
fn the_long_answer_arrives_whole() -> Result<(), Report> {
    let scene = Transcript::named("scene 3");
    say!(
        scene,
        "lesson 04's scene 3 over frames: an answer longer than 1024 bytes"
    );
    let stage = demo::stage_quietly(ListenOptions::new(), 1, |listener, hooks| {
        serve(&listener, demo_waits(), &hooks)
    })?;
    let addr = stage.addr;
    let client = Transcript::client();
    say!(client, "connect to {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
    for line in [&b"seq 300"[..], b"echo hi"] {
        command(&mut stream, line, &client)?;
    }
    say!(client, "close");
    drop(stream);
    stage.finished()?;
    stage.end()?;
    say!(
        scene,
        "each answer whole, nothing left over for the next one"
    );
    Ok(())
}

/// The notes' wire (notes C 方案一, notes E §8 as written) frames only the answer: two
/// commands sent before the server reads are one command to it.
fn bare_commands_still_stick() -> Result<(), Report> {
    let scene = Transcript::named("scene 4");
    say!(
        scene,
        "the notes' wire frames only the answer: two commands sent before the server reads"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, from) = listener.accept()?;
        say!(server, "accept -> a connection from {from}");
        accepted.give(); // demo only

        // DEMO ORDER: read only once both commands (6 + 6 bytes) are queued, as a server
        // busy for a moment would.
        timed::wait_for_bytes(&conn, 12, ARRIVAL_LIMIT)?;
        let mut buf = [0u8; RECV_SIZE];
        let n = conn.read(&mut buf)?;
        say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
        let output = commands::run_builtin(&buf[..n]);
        say!(
            server,
            "write_frame: header {} + {}",
            framing::header_hex(output.len()),
            describe(&output)
        );
        write_frame(&mut conn, &output)?;
        let _ = conn.read(&mut buf)?; // until the client closes
        Ok(())
    })?;
    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?; // demo only
    for line in [&b"echo a"[..], b"echo b"] {
        say!(client, "send {}", describe(line));
        stream.write_all(line)?;
    }
    if let Some(answer) = read_frame(&mut stream)? {
        say!(client, "read_frame -> {}", describe(&answer));
    }
    // Proving that nothing more comes needs a wait; the wait bounds the proof, it does not
    // decide it (the server is already waiting for the next request).
    match timed::read_within(&mut stream, &mut [0u8; 16], Duration::from_millis(300))? {
        None => say!(
            client,
            "no second answer: the server read both commands as one"
        ),
        Some(n) => say!(client, "{n} more bytes (not expected)"),
    }
    drop(stream);
    server_side.join()?;
    say!(
        scene,
        "the answers have boundaries now; the requests need one too: a frame, as scene 1 sends"
    );
    Ok(())
}

/// Garbage and cut-off frames against the server, each on its own connection, then a
/// normal client.
fn bad_peers_cost_one_line_each() -> Result<(), Report> {
    let peers = Transcript::named("bad peers");
    say!(peers, "headers that lie, and peers that hang up mid-frame");
    let cases: [(&str, &[u8]); 5] = [
        ("a negative length, -1", b"\xff\xff\xff\xff"),
        (
            "7f ff ff ff: little-endian, that is -129",
            b"\x7f\xff\xff\xff",
        ),
        (
            "2147483647 (0x7fffffff): 2 GiB, over the limit",
            b"\xff\xff\xff\x7f",
        ),
        ("2 header bytes, then close", b"\x05\x00"),
        (
            "a header for 100 bytes, 10 bytes, then close",
            b"\x64\x00\x00\x00helloworld",
        ),
    ];
    let stage = demo::stage_quietly(ListenOptions::new(), cases.len() + 1, |listener, hooks| {
        serve(&listener, demo_waits(), &hooks)
    })?;
    let addr = stage.addr;
    for (what, raw) in cases {
        let client = Transcript::client();
        say!(client, "{what}: send raw {} and close", hex(raw));
        let mut stream = net::connect_addr(addr)?;
        stage.accepted()?; // demo only
        stream.write_all(raw)?;
        drop(stream);
        stage.finished()?;
    }
    let client = Transcript::client();
    say!(client, "and a well-behaved client after them:");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
    command(&mut stream, b"echo still serving", &client)?;
    drop(stream);
    stage.finished()?;
    stage.end()
}
