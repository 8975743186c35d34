//! The demo: a server and its clients in a temporary directory. Scene 1 downloads (notes
//! A §9.2), scene 2 uploads (notes C), scene 3 sends every bad request the curriculum lists,
//! one connection each, and scene 4 shows that none of them left a file behind.

use crate::headers::{FileHeader, UploadHeader};
use crate::serve;
use crate::upload::upload;
use crate::{download, Rules};
use socket_lessons::guard::limits::{self, Limits};
use socket_lessons::guard::saving::Existing;
use socket_lessons::stage::demo::{self, Stage};
use socket_lessons::stage::transcript::hex_preview;
use socket_lessons::wire::checksum::md5_hex;
use socket_lessons::wire::header::{self, read_header, write_message};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
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

    let setup = Transcript::named("setup");
    let served = known_bytes(2_500_000, 0x09);
    fs::write(server_dir.join("lesson09.bin"), &served)?;
    say!(
        setup,
        "server directory: lesson09.bin, {} bytes, md5 {}",
        served.len(),
        md5_hex(&served)
    );
    let mine = known_bytes(700_000, 0x90);
    fs::write(client_dir.join("upload.bin"), &mine)?;
    say!(
        setup,
        "client directory: upload.bin, {} bytes, md5 {}",
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
        Transcript::named("scene 1"),
        "download, notes A §9.2's header"
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
    say!(
        client,
        "the copy is {} the original",
        if copy == served {
            "byte for byte"
        } else {
            "NOT"
        }
    );

    say!(
        Transcript::named("scene 2"),
        "upload, notes C's header plus an md5"
    );
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
    upload(&mut stream, &client_dir.join("upload.bin"), false, &client)?;
    say!(client, "close");
    drop(stream);
    stage.finished()?;

    say!(
        Transcript::named("scene 3"),
        "bad requests: one line each, then the next client"
    );
    bad_requests(addr, &mine, &stage)?;
    stage.end()?;

    say!(Transcript::named("scene 4"), "what is on disk now");
    for (who, dir) in [(&Transcript::server(), &server_dir), (&client, &client_dir)] {
        let mut names: Vec<String> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()?;
        names.sort();
        say!(who, "directory holds: {}", names.join(", "));
    }
    say!(
        Transcript::named("scene 4"),
        "no partial file, no file outside the directory: every bad transfer left nothing"
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
        ("download \"../etc/passwd\"", b"../etc/passwd".to_vec()),
        ("download \"missing.bin\"", b"missing.bin".to_vec()),
        ("upload with header length -1", b"\xff\xff\xff\xff".to_vec()),
        (
            "upload with a header that is not JSON",
            message(b"filename=x.bin", b""),
        ),
        (
            "upload with a header without a size",
            message(br#"{"filepath":".","filename":"x.bin"}"#, b""),
        ),
        ("upload named \"../evil.bin\"", upload("../evil.bin", body)),
        (
            "upload whose body is one byte short",
            upload("short.bin", &body[..body.len() - 1]),
        ),
        (
            "upload with one byte flipped (byte 123456)",
            upload("flipped.bin", &flipped),
        ),
    ];
    let client = Transcript::client();
    for (what, wire) in cases {
        say!(client, "{what}: {}", hex_preview(&wire, 12));
        let mut stream = net::connect_addr(addr)?;
        stage.accepted()?; // demo only
        stream.write_all(&wire)?;
        // Half-close: "nothing more from me". The server sees the end of the stream where
        // the body stops short, and can still answer.
        stream.shutdown(Shutdown::Write)?;
        let answer = match read_header::<FileHeader>(&mut stream) {
            Ok(Some(answer)) => {
                format!("answer: {}", answer.error.as_deref().unwrap_or("no error?"))
            }
            Ok(None) => "the server closed without an answer".to_owned(),
            Err(e) => e.to_string(),
        };
        drop(stream);
        // DEMO ORDER: print the answer after the server's own lines about this connection.
        stage.finished()?;
        say!(client, "{answer}");
    }
    Ok(())
}
