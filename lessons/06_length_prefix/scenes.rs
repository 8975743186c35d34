//! Lesson 06's demo: lesson 04's scenes again, over frames; bare commands that still
//! stick; bad headers against the server.

use super::client::command;
use super::{serve, ARRIVAL_LIMIT, RECV_SIZE};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::timed;
use socket_lessons::stage::cli::ZhHelp;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo;
use socket_lessons::stage::transcript::{bytes_literal, describe, hex, python_repr};
use socket_lessons::wire::framing::{self, read_frame, write_frame, LEN_PREFIX_BYTES};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::{Read, Write};
use std::time::Duration;

/// `--help` in Chinese.
pub(super) const ZH: ZhHelp = ZhHelp {
    about: "第 06 课：固定报头，粘包的解决办法（笔记 A §9.2，笔记 C 方案一，笔记 D，笔记 E §8）。",
    long_about: "第 06 课：固定报头，粘包的解决办法（笔记 A §9.2，笔记 C 方案一，笔记 D，笔记 E §8）。\n\n\
                 不带子命令时，用帧重演第 04 课的几幕，展示不加报头的命令仍然会粘在一起，再拿坏的固定报头去喂服务端。\
                 两个终端，用的是笔记的传输格式：server 用一个帧回答每条命令（内置 seq N、echo TEXT、bytes N），\
                 client 把每一行原样发出去，然后打印每个完整的回答。",
    subcommands: &[
        ("server", "只运行服务端（先在终端 1 启动）"),
        ("client", "只运行客户端（在终端 2）。输入命令；q 或输入结束（Ctrl-D）退出"),
        ("notes-server", "运行笔记的服务端（笔记 C 方案一），用纯 Rust 写成（notes.rs），默认用笔记自己的地址"),
        ("notes-client", "运行笔记的客户端（笔记 C 方案一），用纯 Rust 写成（notes.rs），默认连接笔记自己的地址；输入结束（Ctrl-D）时退出"),
    ],
    options: &[("idle_limit", "等客户端下一个请求最多等多少秒，超时就关闭它")],
};

pub(super) fn run_demo() -> Result<(), Report> {
    show_a_header();
    two_frames_stay_two_messages()?;
    the_long_answer_arrives_whole()?;
    bare_commands_still_stick()?;
    bad_peers_cost_one_line_each()?;
    // The bad peers' server has ended (stage.end): its last line is printed.
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "a 4-byte length header put the boundaries back into the stream: two frames read late were still two messages, and the 1092-byte answer arrived whole, leaving nothing for the next one, while commands sent without a header still stuck together; headers that lied and peers that hung up mid-frame cost only their own connection, and the server went on serving"
            | "4 字节的固定报头把边界放回了字节流里：读得晚的两个帧仍是两条消息，1092 字节的回答完整到达，没给下一个回答留下任何东西；不加报头的命令照样粘在一起；说谎的固定报头和一帧发到一半就挂断的对端，都只断送了自己那条连接，服务端照常服务下一个客户端"
    );
    Ok(())
}

/// A real frame, byte by byte, beside Python's view of the same header.
fn show_a_header() {
    let frame_line = Transcript::named(tr!("frame" | "帧"));
    let mut frame = Vec::new();
    // Writing into a Vec cannot fail.
    write_frame(&mut frame, b"hello").expect("a Vec takes every byte");
    let (header, body) = frame.split_at(LEN_PREFIX_BYTES);
    say!(
        frame_line,
        "the frame for {}: {} | {}" | "{} 的帧：{} | {}",
        bytes_literal(b"hello"),
        hex(header),
        hex(body)
    );
    say!(
        frame_line,
        "header {}: Python's struct.pack('i', 5) is {}, little-endian: the low byte first"
            | "固定报头 {}：Python 的 struct.pack('i', 5) 是 {}，小端序：低位字节在前",
        hex(header),
        python_repr(header)
    );
    let seq_header = framing::encode_len(1092).expect("1092 is under the limit");
    say!(
        frame_line,
        "header {}: struct.pack('i', 1092) is {} (0x44 is the letter D)"
            | "固定报头 {}：struct.pack('i', 1092) 是 {}（0x44 就是字母 D）",
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
    let scene = Transcript::named(tr!("scene 1" | "第 1 幕"));
    say!(
        scene,
        "lesson 04's scene 1 over frames: two writes, read late"
            | "用帧重演第 04 课的第 1 幕：两次写入，读得晚"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, from) = listener.accept()?;
        say!(
            server,
            "accept -> a connection from {from}" | "accept -> 来自 {from} 的连接"
        );
        accepted.give(); // demo only

        // DEMO ORDER: read only once both frames (2 x (4 + 5) bytes) are queued.
        timed::wait_for_bytes(&conn, 18, ARRIVAL_LIMIT)?;
        say!(
            server,
            "(18 bytes are waiting in the receive buffer)" | "（接收缓冲区里有 18 字节在等着）"
        );
        while let Some(body) = read_frame(&mut conn)? {
            say!(server, "read_frame -> {}", describe(&body));
        }
        say!(
            server,
            "read_frame -> end of stream between frames" | "read_frame -> 字节流在两帧之间正常结束"
        );
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
            | "两帧，两条消息：固定报头说明了每一条在哪里结束"
    );
    Ok(())
}

/// Lesson 04's scene 3 over frames: the 1092-byte answer arrives whole, the next answer
/// is only its own.
fn the_long_answer_arrives_whole() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 3" | "第 3 幕"));
    say!(
        scene,
        "lesson 04's scene 3 over frames: an answer longer than 1024 bytes"
            | "用帧重演第 04 课的第 3 幕：一个超过 1024 字节的回答"
    );
    let stage = demo::stage_quietly(ListenOptions::new(), 1, |listener, hooks| {
        serve(&listener, demo_waits(), &hooks)
    })?;
    let addr = stage.addr;
    let client = Transcript::client();
    say!(client, "connect to {addr}" | "connect 到 {addr}");
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
            | "每个回答都是完整的，没有剩下什么留给下一个"
    );
    Ok(())
}

/// The notes' wire (notes C 方案一, notes E §8 as written) frames only the answer: two
/// commands sent before the server reads are one command to it.
fn bare_commands_still_stick() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 4" | "第 4 幕"));
    say!(
        scene,
        "the notes' wire frames only the answer: two commands sent before the server reads"
            | "笔记的传输格式只给回答加了帧：服务端读之前，客户端已经发出两条命令"
    );
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, from) = listener.accept()?;
        say!(
            server,
            "accept -> a connection from {from}" | "accept -> 来自 {from} 的连接"
        );
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
            "write_frame: header {} + {}" | "write_frame：固定报头 {} + {}",
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
                | "没有第二个回答：服务端把两条命令当成一条读了"
        ),
        Some(n) => say!(
            client,
            "{n} more bytes (not expected)" | "又来了 {n} 字节（出乎意料）"
        ),
    }
    drop(stream);
    server_side.join()?;
    say!(
        scene,
        "the answers have boundaries now; the requests need one too: a frame, as scene 1 sends"
            | "现在回答有了边界；请求也需要边界：像第 1 幕那样发一个帧"
    );
    Ok(())
}

/// Garbage and cut-off frames against the server, each on its own connection, then a
/// normal client.
fn bad_peers_cost_one_line_each() -> Result<(), Report> {
    let peers = Transcript::named(tr!("bad peers" | "捣乱的对端"));
    say!(
        peers,
        "headers that lie, and peers that hang up mid-frame"
            | "说谎的固定报头，以及一帧发到一半就挂断的对端"
    );
    let cases: [(&str, &[u8]); 5] = [
        (
            socket_lessons::lang::pick("a negative length, -1", "负的长度 -1"),
            b"\xff\xff\xff\xff",
        ),
        (
            socket_lessons::lang::pick(
                "7f ff ff ff: little-endian, that is -129",
                "7f ff ff ff：按小端序读，是 -129",
            ),
            b"\x7f\xff\xff\xff",
        ),
        (
            socket_lessons::lang::pick(
                "2147483647 (0x7fffffff): 2 GiB, over the limit",
                "2147483647（0x7fffffff）：2 GiB，超过上限",
            ),
            b"\xff\xff\xff\x7f",
        ),
        (
            socket_lessons::lang::pick("2 header bytes, then close", "只发 2 个字节的固定报头"),
            b"\x05\x00",
        ),
        (
            socket_lessons::lang::pick(
                "a header for 100 bytes, 10 bytes, then close",
                "固定报头说有 100 字节，后面却只跟 10 字节",
            ),
            b"\x64\x00\x00\x00helloworld",
        ),
    ];
    let stage = demo::stage_quietly(ListenOptions::new(), cases.len() + 1, |listener, hooks| {
        serve(&listener, demo_waits(), &hooks)
    })?;
    let addr = stage.addr;
    for (what, raw) in cases {
        let client = Transcript::client();
        say!(
            client,
            "{what}: send raw {} and close" | "{what}：原样发送 {} 然后 close",
            hex(raw)
        );
        let mut stream = net::connect_addr(addr)?;
        stage.accepted()?; // demo only
        stream.write_all(raw)?;
        drop(stream);
        stage.finished()?;
    }
    let client = Transcript::client();
    say!(
        client,
        "and a well-behaved client after them:" | "然后是一个规矩的客户端："
    );
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
    command(&mut stream, b"echo still serving", &client)?;
    drop(stream);
    stage.finished()?;
    stage.end()
}
