//! Lesson 08's demo: the real server, a server that lies in every way a header can, and
//! why the header is an object and not a bare length.

use super::{command, receive, serve, Answer, Header, COMMAND_MAX, QUIT};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::shell::{self, CommandLimits};
use socket_lessons::stage::demo;
use socket_lessons::stage::transcript::{describe_header_message, text_lossy};
use socket_lessons::wire::checksum::md5_hex;
use socket_lessons::wire::framing::MAX_FRAME_LEN;
use socket_lessons::wire::header::{self, write_message};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, Report, Transcript};
use std::io::{Read, Write};
use std::time::Duration;

pub(super) fn run_demo() -> Result<(), Report> {
    an_honest_server()?;
    a_server_that_lies()?;
    why_an_object_beats_a_bare_length()
}

/// The real server, two commands, both verified.
fn an_honest_server() -> Result<(), Report> {
    say!(
        Transcript::named("scene 1"),
        "the real server, two commands"
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
    say!(client, "connect to {addr}");
    let mut stream = net::connect_addr(addr)?;
    stage.accepted()?; // demo only
                       // Commands this OS's shell has (Windows' cmd has no `seq`).
    for line in [&b"echo hello"[..], shell::COUNT_TO_3000.as_bytes()] {
        match command(&mut stream, line, Some(&client))? {
            Answer::Verified(_) => {}
            Answer::Md5Failed(failed) => say!(client, "{failed}"),
            Answer::Closed => return Err(Report::msg("the server closed early")),
        }
    }
    say!(client, "send b\"q\" and close");
    stream.write_all(QUIT)?;
    drop(stream);
    stage.finished()?;
    stage.end()
}

/// A scripted server that answers `echo hello` with a different lie on each connection.
fn a_server_that_lies() -> Result<(), Report> {
    say!(
        Transcript::named("scene 2"),
        "a server that lies; each answer is to \"echo hello\", whose true answer is b\"hello\\n\""
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
    let lies: Vec<(&str, Vec<u8>)> = vec![
        (
            "a body one byte short, then close",
            message(header(6, &md5), b"hello"),
        ),
        (
            "one byte of the body flipped (o -> p)",
            message(header(6, &md5), b"hellp\n"),
        ),
        (
            "notes C 方案二's placeholder md5",
            message(header(6, "fdsaf2143254f"), truth),
        ),
        (
            "a header that is not JSON",
            message(b"total_size=6".to_vec(), truth),
        ),
        (
            "a header without total_size",
            message(
                format!(r#"{{"md5":"{md5}","filename":"stdout"}}"#).into_bytes(),
                truth,
            ),
        ),
        ("a header length of -1", b"\xff\xff\xff\xff".to_vec()),
        (
            "a header that claims 5 GiB",
            message(header(5 << 30, &md5), truth),
        ),
    ];

    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    let count = lies.len();
    let liar_side = demo::spawn("liar", move || {
        let liar = Transcript::named("liar");
        for (what, wire) in lies {
            let (mut conn, _) = listener.accept()?;
            let mut buf = [0u8; COMMAND_MAX];
            let _ = conn.read(&mut buf)?;
            say!(liar, "{what}: {}", describe_header_message(&wire));
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
            Ok(Answer::Verified(_)) => say!(client, "size and md5 both match"),
            Ok(Answer::Md5Failed(failed)) => say!(client, "{failed}"),
            Ok(Answer::Closed) => say!(client, "the server closed without answering"),
            Err(e) => say!(client, "{e}"),
        }
    }
    liar_side.join()?;
    say!(
        Transcript::named("scene 2"),
        "every lie cost one line; nothing wrong was printed as the answer"
    );
    Ok(())
}

/// A bare `'i'` length stops at 2 GiB; a JSON number does not, and the header carries more
/// than a size.
fn why_an_object_beats_a_bare_length() -> Result<(), Report> {
    let why = Transcript::named("scene 3");
    say!(why, "why a header object beats a bare length");
    let five_gib: u64 = 5 << 30;
    match i32::try_from(five_gib) {
        Ok(_) => unreachable!("5 GiB does not fit in 32 bits"),
        Err(_) => say!(
            why,
            "struct.pack('i', {five_gib}) fails: 'i' holds -2147483648..=2147483647, so a \
             bare length cannot announce a body of 2 GiB or more"
        ),
    }
    let json = header::encode(&Header {
        total_size: five_gib,
        md5: md5_hex(b""),
        filename: "disk.img".into(),
    })?;
    say!(
        why,
        "a JSON header says it in {} bytes: {}",
        json.len(),
        text_lossy(&json)
    );
    say!(
        why,
        "and it says more than the size: the md5 to check, the name to save under"
    );
    Ok(())
}
