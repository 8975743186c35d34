//! The demo: a server and its clients in a temporary directory. Scene 1 downloads (notes
//! A §9.2), scene 2 uploads (notes C), scene 3 sends every bad request the curriculum lists,
//! one connection each, and scene 4 shows that none of them left a file behind.

use crate::headers::{FileHeader, UploadHeader};
use crate::serve;
use crate::upload::upload;
use crate::{download, Rules};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::saving::Existing;
use socket_lessons::lang::{self, pick};
use socket_lessons::stage::demo::{self, Stage};
use socket_lessons::stage::transcript::hex_preview;
use socket_lessons::wire::checksum::md5_hex;
use socket_lessons::wire::header::{self, read_header, write_message};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::fs;
use std::io::{self, Write};
use std::net::{Shutdown, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The demo's directories, deleted at the end whatever happens.
struct Workspace(PathBuf);

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Known content: bytes from a fixed-seed generator (xorshift), so the md5 is the same on
/// every run and every machine.
fn known_bytes(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Every connection of the demo: 2 good ones, 8 bad ones.
const CLIENTS: usize = 10;

pub fn run_demo() -> Result<(), Report> {
    let root = std::env::temp_dir().join(format!("socket-lessons-09-{}", std::process::id()));
    let _ = fs::remove_dir_all(&root);
    let workspace = Workspace(root);
    let server_dir = workspace.0.join("server");
    let client_dir = workspace.0.join("client");
    fs::create_dir_all(&server_dir)?;
    fs::create_dir_all(&client_dir)?;

    let setup = Transcript::named(pick("setup", "准备"));
    let served = known_bytes(2_500_000, 0x09);
    fs::write(server_dir.join("lesson09.bin"), &served)?;
    say!(
        setup,
        "server directory: lesson09.bin, {} bytes, md5 {}"
            | "服务端的目录：lesson09.bin，{} 字节，md5 {}",
        served.len(),
        md5_hex(&served)
    );
    let mine = known_bytes(700_000, 0x90);
    fs::write(client_dir.join("upload.bin"), &mine)?;
    say!(
        setup,
        "client directory: upload.bin, {} bytes, md5 {}"
            | "客户端的目录：upload.bin，{} 字节，md5 {}",
        mine.len(),
        md5_hex(&mine)
    );

    let dir = server_dir.clone();
    let stage = demo::stage_quietly(ListenOptions::new(), CLIENTS, move |listener, hooks| {
        let rules = Rules {
            limits: Limits::server(Duration::from_secs(limits::DEFAULT_IDLE_SECS)),
            session: Duration::from_secs(crate::DEFAULT_SESSION_SECS),
            existing: Existing::Keep,
            bars: false,
        };
        serve(&listener, &dir, &rules, &hooks)
    })?;
    let addr = stage.addr;
    let client = Transcript::client();

    say!(
        Transcript::named(tr!("scene 1" | "第 1 幕")),
        "download, notes A §9.2's header" | "下载，用笔记 A §9.2 的 JSON 报头"
    );
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
    download(
        &mut stream,
        "lesson09.bin",
        &client_dir,
        Existing::Keep,
        false,
        &client,
    )?;
    say!(client, "close");
    drop(stream);
    stage.finished()?;
    let copy = fs::read(client_dir.join("lesson09.bin"))?;
    if copy == served {
        say!(
            client,
            "the copy is byte for byte the original" | "副本和原件逐字节相同"
        );
    } else {
        say!(
            client,
            "the copy is NOT the original" | "副本和原件不一样！"
        );
    }

    say!(
        Transcript::named(tr!("scene 2" | "第 2 幕")),
        "upload, notes C's header plus an md5" | "上传，用笔记 C 的 JSON 报头，外加一个 md5"
    );
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
    upload(
        &mut stream,
        &client_dir.join("upload.bin"),
        false,
        false,
        &client,
    )?;
    say!(client, "close");
    drop(stream);
    stage.finished()?;

    say!(
        Transcript::named(tr!("scene 3" | "第 3 幕")),
        "bad requests: one line each, then the next client"
            | "坏请求：每个只换来一行，然后服务下一个客户端"
    );
    bad_requests(addr, &mine, &stage)?;
    stage.end()?;

    let scene_4 = Transcript::named(tr!("scene 4" | "第 4 幕"));
    say!(scene_4, "what is on disk now" | "现在磁盘上有什么");
    for (who, dir) in [(&Transcript::server(), &server_dir), (&client, &client_dir)] {
        let mut names: Vec<String> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        names.sort();
        let names = names.join(if lang::zh() { "、" } else { ", " });
        say!(who, "directory holds: {names}" | "目录里有：{names}");
    }
    say!(
        scene_4,
        "no partial file, no file outside the directory: every bad transfer left nothing"
            | "没有不完整的文件，目录外面也没有文件：每次坏的传输都什么也没留下"
    );
    // The server has ended (stage.end): nothing prints after this.
    say!(
        Transcript::named(pick("summary", "总结")),
        "both directions used lesson 08's header: the download and the upload were each checked by size and md5 before they got their names; every bad request was refused with its reason in an error header, the next client was served, and the directories hold only the two good files: nothing partial, nothing outside them"
            | "两个方向用的都是第 08 课的 JSON 报头：下载和上传的文件都先校验了大小和 md5，才改成正式的名字；每个坏请求都被拒绝，理由写在回答的 JSON 报头的 error 字段里，服务端接着服务下一个客户端；两个目录里只有那两个好文件：没有不完整的文件，目录外面也什么都没有"
    );
    Ok(())
}

/// The curriculum's bad inputs, each on its own connection, as raw bytes.
fn bad_requests(addr: SocketAddr, body: &[u8], stage: &Stage) -> Result<(), Report> {
    let md5 = md5_hex(body);
    // Length + header + body, as write_message sends them; a bad header is just bytes.
    let message = |json: &[u8], body: &[u8]| {
        let mut wire = Vec::new();
        // Writing into a Vec cannot fail.
        write_message(&mut wire, json, body).expect("a Vec takes every byte");
        wire
    };
    // A header for the whole file, followed by `sent`: all of it, or not quite.
    let upload = |name: &str, sent: &[u8]| {
        let json = header::encode(&UploadHeader {
            filepath: ".",
            filename: name,
            filesize: body.len() as u64,
            md5: &md5,
        })
        .expect("a small header encodes");
        message(&json, sent)
    };
    let mut flipped = body.to_vec();
    flipped[123_456] ^= 0x01;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            pick("download \"../etc/passwd\"", "下载 \"../etc/passwd\""),
            b"../etc/passwd".to_vec(),
        ),
        (
            pick("download \"missing.bin\"", "下载 \"missing.bin\""),
            b"missing.bin".to_vec(),
        ),
        (
            pick("upload with header length -1", "上传，报头长度是 -1"),
            b"\xff\xff\xff\xff".to_vec(),
        ),
        (
            pick(
                "upload with a header that is not JSON",
                "上传，JSON 报头不是 JSON",
            ),
            message(b"filename=x.bin", b""),
        ),
        (
            pick(
                "upload with a header without a size",
                "上传，JSON 报头里没有大小",
            ),
            message(br#"{"filepath":".","filename":"x.bin"}"#, b""),
        ),
        (
            pick(
                "upload named \"../evil.bin\"",
                "上传，名字是 \"../evil.bin\"",
            ),
            upload("../evil.bin", body),
        ),
        (
            pick(
                "upload whose body is one byte short",
                "上传，真实数据少一个字节",
            ),
            upload("short.bin", &body[..body.len() - 1]),
        ),
        (
            pick(
                "upload with one byte flipped (byte 123456)",
                "上传，偏移 123456 处的一个字节被改了",
            ),
            upload("flipped.bin", &flipped),
        ),
    ];
    let client = Transcript::client();
    for (what, wire) in cases {
        say!(client, "{what}: {}" | "{what}：{}", hex_preview(&wire, 12));
        let mut stream = net::connect_addr(addr)?;
        stage.accepted()?; // demo only
        stream.write_all(&wire)?;
        // Half-close: "nothing more from me". The server sees the end of the stream where
        // the body stops short, and can still answer.
        stream.shutdown(Shutdown::Write)?;
        // The server's error is wire bytes: English in both languages, quoted in Chinese.
        let answer = match read_header::<FileHeader>(&mut stream) {
            Ok(Some(answer)) => match answer.error {
                Some(error) => tr!("answer: {error}" | "回答（对端原文）：{error}"),
                None => tr!("answer: no error?" | "回答：没有 error？"),
            },
            Ok(None) => tr!("the server closed without an answer" | "服务端没有回答就关闭了连接"),
            Err(e) => e.to_string(),
        };
        drop(stream);
        // DEMO ORDER: print the answer after the server's own lines about this connection.
        stage.finished()?;
        say!(client, "{answer}");
    }
    Ok(())
}
