//! Lesson 08's demo: the real server, a server that lies in every way a header can, and
//! why the header is an object and not a bare length.

use super::{command, receive, serve, Answer, Header, COMMAND_MAX, QUIT};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::shell::{self, CommandLimits};
use socket_lessons::lang::pick;
use socket_lessons::stage::demo;
use socket_lessons::stage::transcript::{describe_header_message, text_lossy};
use socket_lessons::wire::checksum::md5_hex;
use socket_lessons::wire::framing::MAX_FRAME_LEN;
use socket_lessons::wire::header::{self, write_message};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::{Read, Write};
use std::time::Duration;

pub(super) fn run_demo() -> Result<(), Report> {
    an_honest_server()?;
    a_server_that_lies()?;
    why_an_object_beats_a_bare_length()?;
    // Every server of the demo has ended (the liar is joined): nothing prints after this.
    say!(
        Transcript::named(pick("summary", "总结")),
        "the JSON header told the client the size and md5 of the body after it, and the client checked both: the honest answers were verified, each of the seven lies cost one line and a new connection, and nothing false was printed as an answer; a JSON size has no 2 GiB ceiling either, and the header says more than a size"
            | "JSON 报头告诉客户端后面真实数据的大小和 md5，客户端两样都校验：诚实的回答通过了校验，七个谎言每个只换来一行和一条新连接，没有任何假的内容被当作回答打印出来；而且 JSON 里的大小没有 2 GiB 的上限，报头说的也不只是大小"
    );
    Ok(())
}

/// The real server, two commands, both verified.
fn an_honest_server() -> Result<(), Report> {
    say!(
        Transcript::named(tr!("scene 1" | "第 1 幕")),
        "the real server, two commands" | "真正的服务端，两条命令"
    );
    let limits = CommandLimits {
        time: shell::DEFAULT_TIME_LIMIT,
        output: MAX_FRAME_LEN,
    };
    let stage = demo::stage_quietly(ListenOptions::new(), 1, move |listener, hooks| {
        let waits = Limits::server(Duration::from_secs(DEFAULT_IDLE_SECS));
        let session = Duration::from_secs(shell::DEFAULT_SESSION_SECS);
        serve(&listener, limits, waits, session, &hooks)
    })?;
    let addr = stage.addr;
    let client = Transcript::client();
    say!(client, "connect to {addr}" | "connect 到 {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
                       // Commands this OS's shell has (Windows' cmd has no `seq`).
    for line in [&b"echo hello"[..], shell::COUNT_TO_3000.as_bytes()] {
        match command(&mut stream, line, Some(&client))? {
            Answer::Verified(_) => {}
            Answer::Md5Failed(failed) => say!(client, "{failed}"),
            Answer::Closed => {
                return Err(Report::msg(tr!(
                    "the server closed early" | "服务端过早地关闭了连接"
                )))
            }
        }
    }
    say!(client, "send b\"q\" and close" | "send b\"q\"，然后 close");
    stream.write_all(QUIT)?;
    drop(stream);
    stage.finished()?;
    stage.end()
}

/// A scripted server that answers `echo hello` with a different lie on each connection.
fn a_server_that_lies() -> Result<(), Report> {
    say!(
        Transcript::named(tr!("scene 2" | "第 2 幕")),
        "a server that lies; each answer is to \"echo hello\", whose true answer is b\"hello\\n\""
            | "一个说谎的服务端；每个回答都是对 \"echo hello\" 的回答，真正的回答是 b\"hello\\n\""
    );
    let truth = b"hello\n";
    let md5 = md5_hex(truth);
    let header = |total_size: u64, md5: &str| {
        header::encode(&Header {
            total_size,
            md5: md5.to_owned(),
            filename: "stdout".into(),
        })
        .expect("a small header encodes")
    };
    let message = |json: Vec<u8>, body: &[u8]| {
        let mut wire = Vec::new();
        // Writing into a Vec cannot fail.
        write_message(&mut wire, &json, body).expect("a Vec takes every byte");
        wire
    };
    let lies: Vec<(String, Vec<u8>)> = vec![
        (
            tr!("a body one byte short, then close" | "真实数据少一个字节，然后 close"),
            message(header(6, &md5), b"hello"),
        ),
        (
            tr!("one byte of the body flipped (o -> p)" | "真实数据里有一个字节被改了（o -> p）"),
            message(header(6, &md5), b"hellp\n"),
        ),
        (
            tr!("notes C 方案二's placeholder md5" | "笔记 C 方案二里占位用的 md5"),
            message(header(6, "fdsaf2143254f"), truth),
        ),
        (
            tr!("a header that is not JSON" | "JSON 报头不是 JSON"),
            message(b"total_size=6".to_vec(), truth),
        ),
        (
            tr!("a header without total_size" | "JSON 报头里没有 total_size"),
            message(
                format!(r#"{{"md5":"{md5}","filename":"stdout"}}"#).into_bytes(),
                truth,
            ),
        ),
        (
            tr!("a header length of -1" | "报头长度是 -1"),
            b"\xff\xff\xff\xff".to_vec(),
        ),
        (
            tr!("a header that claims 5 GiB" | "JSON 报头声称有 5 GiB"),
            message(header(5 << 30, &md5), truth),
        ),
    ];

    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let count = lies.len();
    let liar_side = demo::spawn("liar", move || {
        let liar = Transcript::named(tr!("liar" | "说谎的服务端"));
        for (what, wire) in lies {
            let (mut conn, _) = listener.accept()?;
            let mut buf = [0u8; COMMAND_MAX];
            let _ = conn.read(&mut buf)?;
            say!(
                liar,
                "{what}: {}" | "{what}：{}",
                describe_header_message(&wire)
            );
            conn.write_all(&wire)?;
        }
        Ok(())
    })?;
    let client = Transcript::client();
    for _ in 0..count {
        // A new connection each time: after a broken message the old one is out of step.
        let mut stream = net::connect_addr(addr)?;
        stream.write_all(b"echo hello")?;
        match receive(&mut stream, None) {
            Ok(Answer::Verified(_)) => {
                say!(client, "size and md5 both match" | "大小和 md5 都对得上")
            }
            Ok(Answer::Md5Failed(failed)) => say!(client, "{failed}"),
            Ok(Answer::Closed) => say!(
                client,
                "the server closed without answering" | "服务端没有回答就关闭了连接"
            ),
            Err(e) => say!(client, "{e}"),
        }
    }
    liar_side.join()?;
    say!(
        Transcript::named(tr!("scene 2" | "第 2 幕")),
        "every lie cost one line; nothing wrong was printed as the answer"
            | "每个谎言只换来一行；没有任何错误的内容被当作回答打印出来"
    );
    Ok(())
}

/// A bare `'i'` length stops at 2 GiB; a JSON number does not, and the header carries more
/// than a size.
fn why_an_object_beats_a_bare_length() -> Result<(), Report> {
    let why = Transcript::named(tr!("scene 3" | "第 3 幕"));
    say!(
        why,
        "why a header object beats a bare length"
            | "为什么 JSON 报头这样的对象胜过只有长度的固定报头"
    );
    let five_gib: u64 = 5 << 30;
    match i32::try_from(five_gib) {
        Ok(_) => unreachable!("5 GiB does not fit in 32 bits"),
        Err(_) => say!(
            why,
            "struct.pack('i', {five_gib}) fails: 'i' holds -2147483648..=2147483647, so a \
             bare length cannot announce a body of 2 GiB or more"
                | "struct.pack('i', {five_gib}) 会失败：'i' 只装得下 -2147483648 到 2147483647，所以只有长度的固定报头说不出 2 GiB 或更大的真实数据"
        ),
    }
    let json = header::encode(&Header {
        total_size: five_gib,
        md5: md5_hex(b""),
        filename: "disk.img".into(),
    })?;
    say!(
        why,
        "a JSON header says it in {} bytes: {}" | "JSON 报头用 {} 字节就说清楚了：{}",
        json.len(),
        text_lossy(&json)
    );
    say!(
        why,
        "and it says more than the size: the md5 to check, the name to save under"
            | "而且它说的不只是大小：还有要校验的 md5、要保存成的名字"
    );
    Ok(())
}
