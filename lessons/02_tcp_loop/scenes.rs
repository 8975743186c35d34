//! Lesson 02's demo (the scenes of `cargo run --example 02_tcp_loop`): the server on its own thread and five clients one after another, in an
//! order the hooks and a cue fix (`demo only`); the empty send set off on purpose; a client
//! that resets before it is accepted.

use crate::{exchange, quit, serve, RECV_SIZE};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::timed;
use socket_lessons::stage::demo;
use socket_lessons::stage::tcp_state::{self, lookup, queues, settle};
use socket_lessons::stage::transcript::{bytes_literal, describe};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long the demo waits for an answer that cannot come (after the empty send). The wait
/// always runs out: it only bounds the demonstration, it decides nothing.
const EMPTY_SEND_WAIT: Duration = Duration::from_millis(300);

/// How long the demo waits for the kernel to take in the reset of client 5 (microseconds on
/// loopback). It bounds the wait, it never decides what is printed.
const SETTLE: Duration = Duration::from_secs(5);

/// The server's limits in the demo: the two-terminal defaults.
fn demo_limits() -> Limits {
    Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS))
}

pub fn run_demo() -> Result<(), Report> {
    let stage = demo::stage(ListenOptions::new(), 4, |listener, hooks| {
        serve(&listener, demo_limits(), &hooks)
    })?;
    let addr = stage.addr;

    // Client 1: a normal session, with an empty send in the middle.
    let client = Transcript::named("client 1");
    say!(client, "connect to {addr}" | "connect 到 {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only: the server's accept line comes first
    exchange(&mut stream, b"hello", &client)?;
    empty_send_trap(&mut stream, &client)?;
    exchange(&mut stream, "你好 rust".as_bytes(), &client)?;
    quit(stream, &client)?;
    stage.finished()?;

    // Client 2: connects and vanishes without a word (a normal close: FIN).
    let client = Transcript::named("client 2");
    say!(
        client,
        "connect to {addr}, then close without sending anything"
            | "connect 到 {addr}，然后什么都不发就 close"
    );
    let stream = net::connect_addr(addr)?;
    stage.accepted()?;
    drop(stream);
    stage.finished()?;

    // Client 3: connects and resets the connection (an RST instead of a FIN).
    let client = Transcript::named("client 3");
    say!(client, "connect to {addr}" | "connect 到 {addr}");
    let stream = net::connect_addr(addr)?;
    stage.accepted()?; // the server has accepted: now pull the plug
    say!(
        client,
        "reset the connection (SO_LINGER 0, then close)" | "重置连接（SO_LINGER 0，再 close）"
    );
    net::close_with_reset(stream)?;
    stage.finished()?;

    // Client 4: bytes that are not UTF-8 (Latin-1 "café crème"), then a normal line.
    let client = Transcript::named("client 4");
    say!(client, "connect to {addr}" | "connect 到 {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?;
    exchange(&mut stream, b"caf\xe9 cr\xe8me", &client)?;
    exchange(&mut stream, b"still there?", &client)?;
    quit(stream, &client)?;
    stage.finished()?;
    stage.end()?;

    reset_before_accept()?;
    // After client 5's server has ended: its last line is printed.
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "the communication loop answered each client until it left, then the server went back to accept: an empty send put nothing on the wire and left the client without an answer, 0 bytes from recv meant the client had closed, a reset (even one before accept) ended only that client's connection, and bytes that are not UTF-8 were answered, not fatal"
            | "通信循环一直回答同一个客户端，直到它离开，服务端再回去 accept：长度为 0 的 send 什么也没发出去，客户端等不到回答；recv 返回 0 字节说明客户端关闭了连接；重置（哪怕发生在 accept 之前）只结束了那一个客户端的连接；不是 UTF-8 的字节照样得到回答，服务端没有因此倒下"
    );
    Ok(())
}

/// Client 5: connects and resets before the server has called `accept`. On Linux the
/// connection is accepted all the same, and its first recv fails with ECONNRESET.
fn reset_before_accept() -> Result<(), Report> {
    // demo only: the server's thread calls accept only after this cue, so that the reset
    // surely comes first.
    let (go, on_go) = demo::cue();
    let stage = demo::stage_saying(
        |addr| {
            tr!(
                "a new listener on {addr}; it calls accept only once client 5 has reset"
                    | "新的监听套接字在 {addr} 上监听；等客户端 5 重置之后它才调用 accept"
            )
        },
        ListenOptions::new(),
        1,
        move |listener, hooks| {
            on_go.wait()?;
            serve(&listener, demo_limits(), &hooks)
        },
    )?;
    let addr = stage.addr;
    let client = Transcript::named("client 5");
    say!(
        client,
        "connect to {addr}, then reset the connection (SO_LINGER 0, then close) before the server calls accept"
            | "connect 到 {addr}，然后在服务端调用 accept 之前重置连接（SO_LINGER 0，再 close）"
    );
    let stream = net::connect_addr(addr)?;
    let me = stream.local_addr()?;
    net::close_with_reset(stream)?;
    if tcp_state::OBSERVABLE {
        // The kernel's own evidence: the server's end is gone from its table, yet the
        // listener's accept queue still counts the connection.
        settle(&[None], SETTLE, || lookup(addr, me))?;
        let any: SocketAddr = ([0, 0, 0, 0], 0).into();
        let waiting = queues(addr, any)?.map_or(0, |q| q.recv);
        say!(
            client,
            "the kernel's table: the server's end of it is gone (the reset arrived), yet the listener's accept queue still holds {waiting} connection (ss: Recv-Q {waiting})"
                | "内核的连接表：服务端那一端已经没了（重置已经到达），可监听套接字的全连接队列里还有 {waiting} 条连接（ss：Recv-Q {waiting}）"
        );
    }
    go.give();
    stage.end()
}

/// DELIBERATE: the trap of notes A §4 / notes B, set off on purpose and contained by a
/// time limit.
fn empty_send_trap(stream: &mut TcpStream, client: &Transcript) -> Result<(), Report> {
    // `write`, not `write_all`: we want the raw send(2) call and its return value.
    let sent = stream.write(b"")?;
    say!(
        client,
        "send {} -> {sent}: the call succeeds" | "send {} -> {sent}：调用成功了",
        bytes_literal(b"")
    );

    // The notes' client would now sit in recv forever. We wait, but not forever.
    let mut buf = [0u8; RECV_SIZE];
    match timed::read_within(stream, &mut buf, EMPTY_SEND_WAIT)? {
        None => say!(
            client,
            "recv({RECV_SIZE}) -> nothing within {} ms: a zero-length send puts no byte on \
             the wire, so the server is still waiting in its recv and has nothing to \
             answer. Without a time limit both sides would wait forever."
                | "recv({RECV_SIZE}) -> {} ms 内什么都没有：长度为 0 的 send 不会往线路上发出任何字节，所以服务端还在它的 recv 里等着，没有东西可回答。如果不设时限，两边都会永远等下去。",
            EMPTY_SEND_WAIT.as_millis()
        ),
        Some(n) => say!(
            client,
            "recv({RECV_SIZE}) -> unexpectedly {}"
            | "recv({RECV_SIZE}) -> 出乎意料地收到了 {}",
            describe(&buf[..n])
        ),
    }
    Ok(())
}
