//! The demo: the server and three clients in one process, in a fixed order: the notes' key,
//! the notes' fake client's key, and half an answer.

use crate::{prove, read_verdict, serve, Proved};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::stage::demo;
use socket_lessons::stage::echo;
use socket_lessons::stage::transcript::hex_start;
use socket_lessons::wire::auth::{Digest, CHALLENGE_LEN};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Duration;

/// The secret of the demo: the notes' own `salt = b"hi, I'm salt."`. Only the demo has a
/// built-in secret; the two-terminal mode takes it from `--secret` or the environment.
const DEMO_SECRET: &[u8] = b"hi, I'm salt.";

/// The wrong secret of the demo: the notes' 假的客户端 uses `"大家好,我是假盐"`.
const DEMO_WRONG_SECRET: &str = "大家好,我是假盐";

pub(crate) fn run_demo() -> Result<(), Report> {
    let digest = Digest::Md5;
    let stage = demo::stage_saying(
        |addr| {
            let (len, least) = (DEMO_SECRET.len(), digest.answer_len());
            socket_lessons::tr!(
                "listening on {addr}; {digest}, the secret is the notes' b\"hi, I'm salt.\" \
                 ({len} bytes: `-- server` and `-- client` refuse a secret under {least} \
                 without --allow-short-secret)"
                    | "在 {addr} 上监听；{digest}，密钥是笔记里的 b\"hi, I'm salt.\"\
                 （{len} 字节：-- server 和 -- client 不加 --allow-short-secret 时都拒绝短于 {least} 字节的密钥）"
            )
        },
        ListenOptions::new(),
        3,
        move |listener, hooks| {
            let waits = Limits::server(Duration::from_secs(limits::DEFAULT_IDLE_SECS));
            serve(&listener, DEMO_SECRET, digest, &waits, &hooks);
            Ok(())
        },
    )?;
    let addr = stage.addr;

    // Client 1 knows the secret: it passes, then uses the echo.
    let client = Transcript::named("client 1");
    say!(
        client,
        "connect to {addr}, secret b\"hi, I'm salt.\""
            | "connect 到 {addr}，密钥 b\"hi, I'm salt.\""
    );
    match prove(net::connect_addr(addr)?, DEMO_SECRET, digest, &client)? {
        Proved::Legitimate(mut stream) => {
            echo::exchange(&mut stream, b"hello", &client)?;
            echo::exchange(&mut stream, b"q", &client)?;
        }
        _ => say!(client, "unexpectedly not let in" | "出乎意料：没有被放行"),
    }
    stage.finished()?;

    // Client 2: the notes' 假的客户端, a different secret. Its answer is a perfectly
    // formed 16 bytes; only the server's own computation can tell it is wrong.
    let client = Transcript::named("client 2");
    say!(
        client,
        "connect to {addr}, secret \"{DEMO_WRONG_SECRET}\""
            | "connect 到 {addr}，密钥 \"{DEMO_WRONG_SECRET}\""
    );
    let _ = prove(
        net::connect_addr(addr)?,
        DEMO_WRONG_SECRET.as_bytes(),
        digest,
        &client,
    )?;
    stage.finished()?;

    // Client 3 sends 8 of the 16 bytes and closes its sending half. The notes' recv(16)
    // would take the 8 bytes as the whole answer; here the length is part of the check.
    let client = Transcript::named("client 3");
    say!(client, "connect to {addr}" | "connect 到 {addr}");
    let mut stream = net::connect_addr(addr)?;
    let mut challenge = [0u8; CHALLENGE_LEN];
    stream.read_exact(&mut challenge)?;
    say!(
        client,
        "recv challenge {}" | "recv 挑战 {}",
        hex_start(&challenge, 8)
    );
    let answer = digest.answer(DEMO_SECRET, &challenge);
    say!(
        client,
        "DELIBERATE: send only the first 8 bytes of the answer {}, then shut down sending"
            | "故意的：应答 {} 只 send 前 8 个字节，然后关闭发送方向",
        hex_start(&answer, 8)
    );
    stream.write_all(&answer[..8])?;
    stream.shutdown(Shutdown::Write)?;
    let _ = read_verdict(stream, &client)?;
    stage.finished()?;

    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "the secret never crossed the wire: each client proved it knows it by answering a fresh random challenge; a wrong secret (client 2) and a short answer (client 3) were refused, and every client was told by one verdict byte"
            | "密钥本身从未在线路上传输：每个客户端都要应答一个新的随机挑战，以此证明自己知道密钥；密钥不对的客户端 2 和应答不完整的客户端 3 都被拒绝，每个客户端都从一个判定结果字节得知结果"
    );
    stage.end()
}
