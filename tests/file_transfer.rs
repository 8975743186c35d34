//! Lesson 09 as real processes: downloads and uploads against Python peers speaking the
//! notes' dialects (both directions), every bad input of the curriculum against the
//! server, a lying server against the client, and what is left on disk after each.

mod common;

use common::{example, peer, Running};
use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A fresh directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("socket-lessons-test-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn sub(&self, name: &str) -> PathBuf {
        let dir = self.0.join(name);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn arg(path: &Path) -> &str {
        path.to_str().expect("temp paths are UTF-8 here")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Every name in `dir`, hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Content that is not all one byte, of any length.
fn content(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
        .collect()
}

fn md5_hex(bytes: &[u8]) -> String {
    socket_lessons::wire::checksum::md5_hex(bytes)
}

/// `struct.pack('i', len(json)) + json`.
fn header(json: &str) -> Vec<u8> {
    let mut wire = (json.len() as i32).to_le_bytes().to_vec();
    wire.extend_from_slice(json.as_bytes());
    wire
}

fn run_ok(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    let output = snapbox::cmd::Command::new(program)
        .args(args)
        .timeout(Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .success()
        // No progress bar when stderr is not a terminal: nothing on stderr at all.
        .stderr_eq("")
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output).unwrap()
}

#[test]
fn the_notes_a_python_client_downloads_from_the_lesson_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let scratch = Scratch::new("py-download");
    let (served, saved) = (scratch.sub("served"), scratch.sub("saved"));
    let data = content(3_000_001);
    fs::write(served.join("girl.png"), &data).unwrap();
    let mut server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", Scratch::arg(&served)],
    );
    let port = server.port.to_string();
    let out = run_ok(
        python,
        &[
            &peer("file_download_client.py"),
            &port,
            Scratch::arg(&saved),
            "girl.png",
            "missing.png",
        ],
    );
    assert_eq!(
        out,
        "python client saved nb_girl.png: 3000001 bytes, md5 ok\n\
         python client: the server refused: no such file: \"missing.png\"\n"
    );
    assert_eq!(fs::read(saved.join("nb_girl.png")).unwrap(), data);
    assert!(server
        .line_containing("header")
        .contains(r#"{"file_name":"girl","file_type":"png","file_hex":""#));
}

#[test]
fn the_lesson_client_downloads_from_a_notes_a_python_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let scratch = Scratch::new("rs-download");
    let (served, saved) = (scratch.sub("served"), scratch.sub("saved"));
    let data = content(2_345_678);
    fs::write(served.join("photo.png"), &data).unwrap();
    let server = Running::server(
        python,
        &[&peer("file_download_server.py"), "0", Scratch::arg(&served)],
    );
    let port = server.port.to_string();
    let out = run_ok(
        example("09_file_header"),
        &[
            "download",
            "--port",
            &port,
            "--dir",
            Scratch::arg(&saved),
            "photo.png",
        ],
    );
    let md5 = md5_hex(&data);
    assert_eq!(
        out,
        format!(
            "[client] download \"photo.png\"\n\
             [client] header: \"photo.png\", 2345678 bytes, md5 {md5}\n\
             [client] saved \"photo.png\": 2345678 bytes, md5 {md5} (matches)\n"
        )
    );
    assert_eq!(fs::read(saved.join("photo.png")).unwrap(), data);
    assert_eq!(listing(&saved), ["photo.png"]);
}

#[test]
fn the_notes_c_python_client_uploads_to_the_lesson_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let scratch = Scratch::new("py-upload");
    let (incoming, outgoing) = (scratch.sub("incoming"), scratch.sub("outgoing"));
    let data = content(1_500_000);
    fs::write(outgoing.join("config"), &data).unwrap();
    let mut server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", Scratch::arg(&incoming)],
    );
    let port = server.port.to_string();
    let out = run_ok(
        python,
        &[
            &peer("file_upload_client.py"),
            &port,
            Scratch::arg(&outgoing.join("config")),
        ],
    );
    assert_eq!(out, "python client sent config: 1500000 bytes\n");
    assert!(server.line_containing("upload of \"config\"").ends_with(
        "1500000 bytes, md5 none (notes C's client sends none: only the size can be checked)"
    ));
    assert!(server
        .line_containing("saved \"config\"")
        .contains(&md5_hex(&data)));
    assert_eq!(fs::read(incoming.join("config")).unwrap(), data);
    assert_eq!(listing(&incoming), ["config"]);
}

#[test]
fn the_lesson_client_uploads_to_a_notes_c_python_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let scratch = Scratch::new("rs-upload");
    let (incoming, outgoing) = (scratch.sub("incoming"), scratch.sub("outgoing"));
    let data = content(1_234_567);
    fs::write(outgoing.join("report.pdf"), &data).unwrap();
    let mut server = Running::server(
        python,
        &[&peer("file_upload_server.py"), "0", Scratch::arg(&incoming)],
    );
    let port = server.port.to_string();
    let out = run_ok(
        example("09_file_header"),
        &[
            "upload",
            "--port",
            &port,
            "--no-verdict-ok",
            Scratch::arg(&outgoing.join("report.pdf")),
        ],
    );
    assert!(out.ends_with(
        "[client] the server closed without a verdict (notes C's server sends none): sent, not confirmed\n"
    ), "{out}");
    assert_eq!(
        server.line_containing("python server got"),
        "python server got report.pdf: 1234567 of 1234567 bytes, keys ['filename', 'filepath', 'filesize', 'md5']"
    );
    assert_eq!(fs::read(incoming.join("report.pdf")).unwrap(), data);
}

/// Sends `wire` on a new connection, half-closes, and returns the server's answer header
/// (the `error` field) or what happened instead.
fn send_raw(port: u16, wire: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(common::WAIT)).unwrap();
    stream.write_all(wire).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server answers within the time limit");
    if answer.len() < 4 {
        return format!("no answer ({} bytes)", answer.len());
    }
    let json: serde_json::Value = serde_json::from_slice(&answer[4..]).unwrap();
    json["error"]
        .as_str()
        .unwrap_or("no error field")
        .to_owned()
}

#[test]
fn every_bad_request_costs_one_line_leaves_nothing_and_the_next_client_is_served() {
    let scratch = Scratch::new("bad");
    let served = scratch.sub("served");
    let good = content(100_000);
    fs::write(served.join("good.bin"), &good).unwrap();
    let mut server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", Scratch::arg(&served)],
    );
    let body = content(300_000);
    let md5 = md5_hex(&body);
    let upload = |name: &str, body: &[u8]| {
        let mut wire = header(&format!(
            r#"{{"filepath":".","filename":"{name}","filesize":300000,"md5":"{md5}"}}"#
        ));
        wire.extend_from_slice(body);
        wire
    };
    let mut flipped = body.clone();
    flipped[150_000] ^= 0x80;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a header length of -1",
            b"\xff\xff\xff\xff".to_vec(),
            "upload refused: bad frame header ff ff ff ff: length -1 is negative",
        ),
        (
            "a header that is not JSON",
            header("filename: x"),
            "upload refused: the header is not JSON",
        ),
        (
            "a header without a size",
            header(r#"{"filename":"x.bin","md5":"0"}"#),
            "upload refused: the header has no size (filesize, total_size or data_all)",
        ),
        (
            "an upload named ../etc/passwd",
            upload("../etc/passwd", &body),
            "upload refused: refused name \"../etc/passwd\": a file name, not a path",
        ),
        (
            "a download of ../etc/passwd",
            b"../etc/passwd".to_vec(),
            "refused name \"../etc/passwd\": a file name, not a path",
        ),
        (
            "a download of /etc/passwd",
            b"/etc/passwd".to_vec(),
            "refused name \"/etc/passwd\": a file name, not a path",
        ),
        (
            "a body one byte short",
            upload("short.bin", &body[..body.len() - 1]),
            "upload of \"short.bin\" failed: the body ended after 299999 of 300000 bytes",
        ),
        (
            "a flipped byte",
            upload("flipped.bin", &flipped),
            "upload of \"flipped.bin\" failed: md5 check failed",
        ),
    ];
    for (what, wire, line) in cases {
        let answer = send_raw(server.port, &wire);
        let logged = server.line_containing(line);
        // One line: the reason is in the server's line and in the client's answer.
        assert!(
            logged.contains(&answer),
            "{what}: server said {logged:?}, client got {answer:?}"
        );
        assert_eq!(
            listing(&served),
            ["good.bin"],
            "{what} left something behind"
        );
        // The server goes on: the next client downloads the good file.
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream.set_read_timeout(Some(common::WAIT)).unwrap();
        stream.write_all(b"good.bin").unwrap();
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).unwrap();
        let mut json = vec![0u8; i32::from_le_bytes(len) as usize];
        stream.read_exact(&mut json).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(json["file_hex"], md5_hex(&good), "after {what}");
        let mut got = vec![0u8; good.len()];
        stream.read_exact(&mut got).unwrap();
        assert_eq!(got, good, "after {what}");
    }
}

/// A server that answers one download with `wire` and closes.
fn lying_server(wire: Vec<u8>) -> (u16, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut request = [0u8; 1024];
        let _ = conn.read(&mut request).unwrap();
        let _ = conn.write_all(&wire);
    });
    (port, handle)
}

#[test]
fn the_client_saves_nothing_from_a_server_that_lies() {
    let scratch = Scratch::new("liar");
    let saved = scratch.sub("saved");
    let body = content(200_000);
    let md5 = md5_hex(&body);
    let notes_a = |size: usize| {
        header(&format!(
            r#"{{"file_name":"x","file_type":"bin","file_hex":"{md5}","data_all":{size}}}"#
        ))
    };
    let mut flipped = body.clone();
    flipped[7] ^= 1;
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            [notes_a(200_000), body[..199_999].to_vec()].concat(),
            "the body ended after 199999 of 200000 bytes; the partial file was deleted",
        ),
        (
            [notes_a(200_000), flipped].concat(),
            "md5 check failed: the header says",
        ),
        (
            header(r#"{"file_name":"../../x","data_all":1,"file_hex":"0"}"#),
            "the server's header names \"../../x\", not \"x.bin\": refused, nothing saved",
        ),
        (b"\xff\xff\xff\xff".to_vec(), "length -1 is negative"),
        (header("not json"), "the header is not JSON"),
        (header(r#"{"file_name":"x.bin"}"#), "the header has no size"),
    ];
    for (wire, expected) in cases {
        let (port, liar) = lying_server(wire);
        let output = snapbox::cmd::Command::new(example("09_file_header"))
            .args(["download", "--port", &port.to_string(), "--dir"])
            .arg(&saved)
            .arg("x.bin")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        liar.join().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "{expected}: {all}");
        assert!(all.contains(expected), "expected {expected:?} in:\n{all}");
        assert!(
            listing(&saved).is_empty(),
            "{expected}: {:?}",
            listing(&saved)
        );
    }
}

#[test]
fn a_refused_download_is_one_line_and_a_failing_exit_status() {
    let scratch = Scratch::new("refused");
    let (served, saved) = (scratch.sub("served"), scratch.sub("saved"));
    fs::write(served.join("here.txt"), b"here\n").unwrap();
    let server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", Scratch::arg(&served)],
    );
    let port = server.port.to_string();
    snapbox::cmd::Command::new(example("09_file_header"))
        .args(["download", "--port", &port, "--dir", Scratch::arg(&saved)])
        .args(["missing.txt", "here.txt"])
        .timeout(Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .failure()
        .stdout_eq(
            "[client] download \"missing.txt\"\n\
             [client] the server refused: no such file: \"missing.txt\"\n\
             [client] download \"here.txt\"\n\
             [client] header: \"here.txt\", 5 bytes, md5 [..]\n\
             [client] saved \"here.txt\": 5 bytes, md5 [..] (matches)\n",
        )
        .stderr_eq("Error: 1 download(s) failed\n");
    assert_eq!(listing(&saved), ["here.txt"]);
}

/// Notes A §9.2's client types `girl` and its server serves `girl.png`: the lesson's server
/// does the same when exactly one `girl.*` is there, and refuses to guess between two.
#[test]
fn a_name_without_its_extension_is_served_when_only_one_file_fits() {
    let scratch = Scratch::new("girl");
    let (served, saved) = (scratch.sub("served"), scratch.sub("saved"));
    fs::write(served.join("girl.png"), b"\x89PNG...").unwrap();
    fs::write(served.join("cat.png"), b"a").unwrap();
    fs::write(served.join("cat.jpg"), b"b").unwrap();
    let server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", Scratch::arg(&served)],
    );
    let port = server.port.to_string();
    snapbox::cmd::Command::new(example("09_file_header"))
        .args(["download", "--port", &port, "--dir", Scratch::arg(&saved)])
        .args(["girl", "cat"])
        .timeout(Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .failure()
        .stdout_eq(
            "[client] download \"girl\"\n\
             [client] header: \"girl.png\", 7 bytes, md5 [..]\n\
             [client] saved \"girl.png\": 7 bytes, md5 [..] (matches)\n\
             [client] download \"cat\"\n\
             [client] the server refused: \"cat\" could be any of \"cat.jpg\", \"cat.png\": ask for one by its full name\n",
        );
    assert_eq!(listing(&saved), ["girl.png"]);
}

// Notes E §6 文本文件传输: `receiver` (its 接收端) and `sender` (its 发送端).

#[test]
fn notes_e_sender_and_receiver_move_a_file_and_both_check_the_md5() {
    let scratch = Scratch::new("notes-e");
    let (from, to) = (scratch.sub("from"), scratch.sub("to"));
    let body = content(300_000);
    fs::write(from.join("e.bin"), &body).unwrap();
    let mut receiver = Running::server(
        example("09_file_header"),
        &["receiver", "--port", "0", "--dir", Scratch::arg(&to)],
    );
    let out = run_ok(
        example("09_file_header"),
        &[
            "sender",
            "--port",
            &receiver.port.to_string(),
            Scratch::arg(&from.join("e.bin")),
        ],
    );
    assert!(out.contains("confirmed (sent it back)"), "{out}");
    receiver.line_containing("the sender confirmed the md5: saved \"e.bin\", 300000 bytes");
    assert!(receiver.wait_success(), "one file saved, the receiver ends");
    assert_eq!(fs::read(to.join("e.bin")).unwrap(), body);
}

#[test]
fn the_notes_e_receiver_declines_bad_offers_and_a_bad_verdict_and_takes_the_next_sender() {
    let scratch = Scratch::new("notes-e-bad");
    let to = scratch.sub("to");
    fs::write(to.join("here.txt"), b"mine").unwrap();
    let mut receiver = Running::server(
        example("09_file_header"),
        &["receiver", "--port", "0", "--dir", Scratch::arg(&to)],
    );
    let offer = |text: &[u8]| {
        let mut conn = TcpStream::connect(("127.0.0.1", receiver.port)).unwrap();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        conn.write_all(text).unwrap();
        let mut answer = [0u8; 1];
        conn.read_exact(&mut answer).unwrap();
        (conn, answer[0])
    };
    // A path, a size that is not one, a file that is already there: each declined.
    for bad in [&b"../../x/5"[..], b"x.txt/lots", b"here.txt/4"] {
        assert_eq!(offer(bad).1, b'n', "{}", String::from_utf8_lossy(bad));
    }
    // Accepted, sent, and then the wrong verdict: nothing saved.
    let (mut conn, answer) = offer(b"v.txt/3");
    assert_eq!(answer, b'y');
    conn.write_all(b"abc").unwrap();
    let mut md5 = [0u8; 32];
    conn.read_exact(&mut md5).unwrap();
    assert_eq!(&md5, md5_hex(b"abc").as_bytes());
    conn.write_all(b"not the md5").unwrap();
    receiver.line_containing("not our md5: nothing saved");
    drop(conn);
    assert_eq!(listing(&to), ["here.txt"]);
    assert_eq!(fs::read(to.join("here.txt")).unwrap(), b"mine");
}

#[test]
fn the_notes_e_sender_tells_a_receiver_whose_md5_differs() {
    let scratch = Scratch::new("notes-e-liar");
    let file = scratch.0.join("s.txt");
    fs::write(&file, b"some text\n").unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let liar = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.set_read_timeout(Some(common::WAIT)).unwrap();
        let mut buf = [0u8; 1500];
        let n = conn.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"s.txt/10");
        conn.write_all(b"y").unwrap();
        let mut body = [0u8; 10];
        conn.read_exact(&mut body).unwrap();
        conn.write_all(md5_hex(b"other").as_bytes()).unwrap();
        let n = conn.read(&mut buf).unwrap();
        buf[..n].to_vec()
    });
    let out = snapbox::cmd::Command::new(example("09_file_header"))
        .args(["sender", "--port", &port.to_string()])
        .arg(&file)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not ours"));
    assert_eq!(liar.join().unwrap(), b"md5 mismatch");
}

/// The server remembers each file's md5 (by device, inode, size and times): a file
/// rewritten after a download, even with its size and modification time as before, or
/// replaced by a rename, is hashed again, and the next download brings the new bytes,
/// verified, never a stale md5.
#[test]
fn a_file_changed_after_a_download_is_downloaded_new_and_verified() {
    let scratch = Scratch::new("remembered");
    let (served, saved) = (scratch.sub("served"), scratch.sub("saved"));
    let path = served.join("doc.bin");
    let set_mtime = |path: &Path, t: std::time::SystemTime| {
        fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(t)
            .unwrap()
    };
    let then = std::time::SystemTime::now() - Duration::from_secs(3600);
    let first = content(1_000_000);
    fs::write(&path, &first).unwrap();
    set_mtime(&path, then);
    // Only a file that has not changed for a while is remembered (its ctime is now).
    std::thread::sleep(socket_lessons::guard::digest_cache::SETTLE + Duration::from_millis(200));
    let server = Running::server(
        example("09_file_header"),
        &["server", "--port", "0", "--dir", Scratch::arg(&served)],
    );
    let port = server.port.to_string();
    let download = |expected: &[u8], what: &str| {
        let out = run_ok(
            example("09_file_header"),
            &[
                "download",
                "--port",
                &port,
                "--overwrite",
                "--dir",
                Scratch::arg(&saved),
                "doc.bin",
            ],
        );
        let md5 = md5_hex(expected);
        assert!(
            out.ends_with(&format!(
                "[client] saved \"doc.bin\": {} bytes, md5 {md5} (matches)\n",
                expected.len()
            )),
            "{what}:\n{out}"
        );
        assert!(
            fs::read(saved.join("doc.bin")).unwrap() == expected,
            "{what}"
        );
        assert_eq!(listing(&saved), ["doc.bin"], "{what}");
    };
    download(&first, "first download (hashed, remembered)");
    download(&first, "second download (remembered)");

    // Rewritten in place with other bytes of the same size.
    let mut second = first.clone();
    second.reverse();
    fs::write(&path, &second).unwrap();
    download(&second, "after a rewrite");

    // Rewritten again, and the first modification time put back (as `cp -p` or `touch -r`
    // would): same inode, size and mtime as the remembered md5's file.
    let third: Vec<u8> = first.iter().map(|b| b ^ 0x5a).collect();
    fs::write(&path, &third).unwrap();
    set_mtime(&path, then);
    download(&third, "after a rewrite with the old mtime");

    // Replaced by a rename: another inode, same size and mtime.
    let fourth: Vec<u8> = first.iter().map(|b| b.wrapping_add(1)).collect();
    let new = served.join("doc.new");
    fs::write(&new, &fourth).unwrap();
    set_mtime(&new, then);
    fs::rename(&new, &path).unwrap();
    download(&fourth, "after a replace by rename");
}
