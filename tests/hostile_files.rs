//! Lesson 09 against peers that do not play fair: a server naming another file than the
//! one asked for, a header without an md5, a client that sits idle, an upload header sent
//! one byte a second, and a server interrupted (Ctrl-C, kill -9) in the middle of an upload.
//! Each case asserts what is on disk afterwards.
#![cfg(unix)]

mod common;

use common::{example, Running};
use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "socket-lessons-hostile-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn header(json: &str) -> Vec<u8> {
    let mut wire = (json.len() as i32).to_le_bytes().to_vec();
    wire.extend_from_slice(json.as_bytes());
    wire
}

/// A server that answers the first request on its first connection with `wire`.
fn one_answer_server(wire: Vec<u8>) -> (u16, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let mut request = [0u8; 1024];
        let n = conn.read(&mut request).unwrap_or(0);
        let _ = conn.write_all(&wire);
        request[..n].to_vec()
    });
    (port, handle)
}

fn download(port: u16, dir: &str, extra: &[&str], name: &str) -> (bool, String) {
    let out = snapbox::cmd::Command::new(example("09_file_header"))
        .args(["download", "--port", &port.to_string(), "--dir", dir])
        .args(extra)
        .arg(name)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), all)
}

#[test]
fn a_header_naming_another_file_is_refused_and_the_file_it_names_is_untouched() {
    let dir = Scratch::new("victim");
    fs::write(dir.0.join("victim.txt"), b"mine").unwrap();
    let body = b"overwritten!";
    let md5 = socket_lessons::wire::checksum::md5_hex(body);
    let json = format!(
        r#"{{"file_name":"victim","file_type":"txt","file_hex":"{md5}","data_all":{}}}"#,
        body.len()
    );
    let (port, server) = one_answer_server([header(&json), body.to_vec()].concat());
    let (ok, all) = download(port, dir.path(), &[], "x.bin");
    assert_eq!(server.join().unwrap(), b"x.bin");
    assert!(!ok, "{all}");
    assert!(
        all.contains(
            r#"the server's header names "victim.txt", not "x.bin": refused, nothing saved"#
        ),
        "{all}"
    );
    assert_eq!(fs::read(dir.0.join("victim.txt")).unwrap(), b"mine");
    assert_eq!(listing(&dir.0), ["victim.txt"]);
}

#[test]
fn an_existing_file_is_not_downloaded_again_unless_overwrite_is_given() {
    let dir = Scratch::new("existing");
    fs::write(dir.0.join("x.bin"), b"mine").unwrap();
    let body = b"theirs";
    let md5 = socket_lessons::wire::checksum::md5_hex(body);
    let json = format!(
        r#"{{"file_name":"x","file_type":"bin","file_hex":"{md5}","data_all":{}}}"#,
        body.len()
    );
    let wire = [header(&json), body.to_vec()].concat();

    let (port, server) = one_answer_server(wire.clone());
    let (ok, all) = download(port, dir.path(), &[], "x.bin");
    assert!(!ok, "{all}");
    assert!(
        all.contains("\"x.bin\" exists already in") && all.contains("--overwrite replaces it"),
        "{all}"
    );
    // Nothing was even asked for: the connection closed without a request.
    assert_eq!(server.join().unwrap(), b"");
    assert_eq!(fs::read(dir.0.join("x.bin")).unwrap(), b"mine");

    let (port, server) = one_answer_server(wire);
    let (ok, all) = download(port, dir.path(), &["--overwrite"], "x.bin");
    server.join().unwrap();
    assert!(ok, "{all}");
    assert_eq!(fs::read(dir.0.join("x.bin")).unwrap(), b"theirs");
    assert_eq!(listing(&dir.0), ["x.bin"]);
}

#[test]
fn a_header_without_md5_is_saved_only_with_a_visible_warning() {
    let dir = Scratch::new("nomd5");
    let json = r#"{"file_name":"x","file_type":"bin","data_all":3}"#;
    let (port, server) = one_answer_server([header(json), b"abc".to_vec()].concat());
    let (ok, all) = download(port, dir.path(), &[], "x.bin");
    server.join().unwrap();
    assert!(ok, "{all}");
    assert!(
        all.contains("WARNING: the header has no md5: only the size can be checked"),
        "{all}"
    );
    assert!(all.contains("(UNVERIFIED: no md5 to check)"), "{all}");
}

#[test]
fn notes_a_answering_girl_with_a_png_type_is_saved_as_girl_png() {
    let dir = Scratch::new("girl");
    let md5 = socket_lessons::wire::checksum::md5_hex(b"png!");
    let json =
        format!(r#"{{"file_name":"girl","file_type":"png","file_hex":"{md5}","data_all":4}}"#);
    let (port, server) = one_answer_server([header(&json), b"png!".to_vec()].concat());
    let (ok, all) = download(port, dir.path(), &[], "girl");
    server.join().unwrap();
    assert!(ok, "{all}");
    assert_eq!(listing(&dir.0), ["girl.png"]);
}

#[test]
fn a_file_type_that_is_not_a_plain_extension_is_refused() {
    for file_type in [".", "a b", ".hidden", "part", "png/../x"] {
        let dir = Scratch::new("girl-odd");
        let md5 = socket_lessons::wire::checksum::md5_hex(b"png!");
        let json = format!(
            r#"{{"file_name":"girl","file_type":"{file_type}","file_hex":"{md5}","data_all":4}}"#
        );
        let (port, server) = one_answer_server([header(&json), b"png!".to_vec()].concat());
        let (ok, all) = download(port, dir.path(), &[], "girl");
        server.join().unwrap();
        assert!(!ok, "file_type {file_type:?}: {all}");
        assert!(
            all.contains("refused, nothing saved"),
            "{file_type:?}: {all}"
        );
        assert!(listing(&dir.0).is_empty(), "{file_type:?}");
    }
}

#[test]
fn an_idle_client_is_dropped_at_the_idle_limit_and_the_next_client_is_served() {
    let served = Scratch::new("idle-served");
    let saved = Scratch::new("idle-saved");
    fs::write(served.0.join("a.txt"), b"hello").unwrap();
    let mut server = Running::server(
        example("09_file_header"),
        &[
            "server",
            "--port",
            "0",
            "--idle-limit",
            "2",
            "--dir",
            served.path(),
        ],
    );
    // A client that connects and never sends a byte.
    let idle = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let (ok, all) = download(server.port, saved.path(), &[], "a.txt");
    assert!(ok, "{all}");
    assert_eq!(fs::read(saved.0.join("a.txt")).unwrap(), b"hello");
    let dropped = server.line_containing("waiting for a request");
    assert!(
        dropped.ends_with("waiting for a request: nothing within 2 s; closing"),
        "{dropped}"
    );
    drop(idle);
}

#[test]
fn an_upload_header_sent_one_byte_a_second_is_still_an_upload() {
    let dir = Scratch::new("slow");
    let server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", dir.path()],
    );
    // A header of exactly 100 bytes: its length's first byte is 0x64, 'd', printable, as a
    // name's first byte would be.
    let md5 = socket_lessons::wire::checksum::md5_hex(b"slow");
    let mut json = format!(r#"{{"filename":"slow.txt","filesize":4,"md5":"{md5}""#);
    json.push_str(&" ".repeat(99 - json.len()));
    json.push('}');
    assert_eq!(json.len(), 100);
    let wire = [header(&json), b"slow".to_vec()].concat();
    assert_eq!(wire[0], b'd');
    let mut conn = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    conn.set_nodelay(true).unwrap();
    for byte in &wire[..3] {
        conn.write_all(&[*byte]).unwrap();
        std::thread::sleep(Duration::from_secs(1));
    }
    conn.write_all(&wire[3..]).unwrap();
    conn.set_read_timeout(Some(common::WAIT)).unwrap();
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut verdict = vec![0u8; i32::from_le_bytes(len) as usize];
    conn.read_exact(&mut verdict).unwrap();
    let verdict = String::from_utf8(verdict).unwrap();
    assert!(verdict.contains(r#""saved":true"#), "{verdict}");
    assert_eq!(fs::read(dir.0.join("slow.txt")).unwrap(), b"slow");
}

/// Starts an upload of a large body on `port`, sends half of it, and waits (bounded) until
/// the server's temporary file is there.
fn half_an_upload(port: u16, dir: &Path) -> TcpStream {
    let size = 64 << 20;
    let json = format!(r#"{{"filename":"big.bin","filesize":{size}}}"#);
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.write_all(&header(&json)).unwrap();
    conn.write_all(&vec![7u8; size / 2]).unwrap();
    let deadline = Instant::now() + common::WAIT;
    while !listing(dir).iter().any(|n| n.ends_with(".part")) {
        assert!(Instant::now() < deadline, "no partial file appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    conn
}

#[test]
fn ctrl_c_in_the_middle_of_an_upload_leaves_no_partial_file() {
    let dir = Scratch::new("sigint");
    let server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", dir.path()],
    );
    let _conn = half_an_upload(server.port, &dir.0);
    let pid = server.pid().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(server.wait_code(), Some(130));
    assert_eq!(listing(&dir.0), Vec::<String>::new());
}

#[test]
fn after_kill_9_the_next_start_removes_the_partial_file_and_says_so() {
    let dir = Scratch::new("sigkill");
    let mut server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", dir.path()],
    );
    let conn = half_an_upload(server.port, &dir.0);
    server.kill();
    drop(conn);
    let left = listing(&dir.0);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(".socket-lessons-") && left[0].ends_with(".part"));

    let mut again = Running::spawn(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", dir.path()],
    );
    let line = again.next_line();
    assert_eq!(
        line,
        format!(
            "[server] removed 1 partial file(s) an interrupted run left in {}: {}",
            dir.path(),
            left[0]
        )
    );
    assert_eq!(listing(&dir.0), Vec::<String>::new());
}

#[test]
fn a_download_into_a_directory_that_does_not_exist_fails_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let (ok, all) = download(port, "/nonexistent/socket-lessons", &[], "x.bin");
    assert!(!ok);
    assert!(
        all.contains("/nonexistent/socket-lessons is not a directory (create it first)"),
        "{all}"
    );
    assert!(listener.accept().is_err(), "the client connected anyway");
}

/// A server whose disk fills up halfway (here: a file size limit, `ulimit -f`, with the
/// signal it would raise ignored, so writes fail with EFBIG as on a full disk) says why,
/// and the uploading client shows that reason rather than a bare "connection reset".
#[test]
fn an_upload_the_server_cannot_store_shows_the_servers_reason() {
    let dir = Scratch::new("full");
    let file = dir.0.join("big.bin");
    fs::write(&file, vec![0u8; 40_000_000]).unwrap();
    let served = dir.0.join("served");
    fs::create_dir(&served).unwrap();
    let log = dir.0.join("server.log");
    let program = example("09_file_header");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 200 && exec '{}' server --port 0 --dir '{}' > '{}' 2>&1",
            program.display(),
            served.display(),
            log.display()
        ))
        .spawn()
        .unwrap();
    let deadline = Instant::now() + common::WAIT;
    let port: u16 = loop {
        let text = fs::read_to_string(&log).unwrap_or_default();
        if let Some(port) = text
            .lines()
            .find(|l| l.contains("listening on"))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|p| p.trim().parse().ok())
        {
            break port;
        }
        assert!(Instant::now() < deadline, "no server: {text}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = snapbox::cmd::Command::new(example("09_file_header"))
        .args(["upload", "--port", &port.to_string()])
        .arg(&file)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        all.contains("File too large") && all.contains("nothing saved"),
        "{all}"
    );
    assert_eq!(listing(&served), Vec::<String>::new());
}

#[test]
fn ctrl_c_in_the_middle_of_a_download_leaves_no_partial_file() {
    let dir = Scratch::new("client-sigint");
    // A server that announces 64 MB and sends half, then waits.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut request = [0u8; 1024];
        let _ = conn.read(&mut request).unwrap();
        let size = 64 << 20;
        let json = format!(r#"{{"file_name":"big","file_type":"bin","data_all":{size}}}"#);
        let _ = conn.write_all(&header(&json));
        let _ = conn.write_all(&vec![1u8; size / 2]);
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let _ = conn.read(&mut request);
    });
    let client = Running::spawn(
        example("09_file_header"),
        &[
            "download",
            "--port",
            &port.to_string(),
            "--dir",
            dir.path(),
            "big.bin",
        ],
    );
    let deadline = Instant::now() + common::WAIT;
    while !listing(&dir.0).iter().any(|n| n.ends_with(".part")) {
        assert!(Instant::now() < deadline, "no partial file appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = client.pid().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    assert_eq!(client.wait_code(), Some(130));
    assert_eq!(listing(&dir.0), Vec::<String>::new());
    server.join().unwrap();
}
