//! Lesson 09's three notes programs in Rust against the notes' own: notes.rs against notes A
//! §9.2's download server and client, notes_c_ftp.rs against notes C FTP上传下载文件's upload
//! server and client, notes_e_text.rs against notes E §6 文本文件传输's receiver and sender.

use super::*;
use socket_lessons::wire::checksum::md5_hex;

#[test]
fn notes_rs_client_of_lesson_09_downloads_girl_twice_from_a92_server() {
    let Some(n) = notes(here!()) else { return };
    // The notes' server reads girl.png beside its script, which is in the scratch directory.
    let bytes = picture(&n.scratch, "girl.png", 100_003);
    let md5 = md5_hex(&bytes);
    let server = n.server("a92_server");
    // Twice on one connection: the notes' server answers names until `q`.
    let out = n.lesson_client(
        "09_file_header",
        &["notes-client"],
        server.port,
        "girl\ngirl\nq\n",
    );
    out.succeeds().says(&format!(
        "md5 in the header: {md5}\nmd5 of what came:  {md5}\n"
    ));
    let saved = "saved nb_girl.png: 100003 bytes";
    assert_eq!(out.stdout.matches(saved).count(), 2, "{}", out.stdout);
    assert_eq!(std::fs::read(n.scratch.join("nb_girl.png")).unwrap(), bytes);
    let lines = server.stop();
    assert_eq!(
        lines.iter().filter(|l| *l == "100003").count(),
        2,
        "{lines:?}"
    );
}

#[test]
fn a92_client_downloads_girl_from_notes_rs_server_of_lesson_09() {
    let Some(n) = notes(here!()) else { return };
    let bytes = picture(&n.scratch, "girl.png", 5000);
    let md5 = md5_hex(&bytes);
    let server = n.lesson_server("09_file_header", &["notes-server"]);
    // 5000 bytes: a size where the notes' client's `count_data += buffer_size` still ends
    // in time.
    n.client("a92_client", server.port, "girl\nq\n")
        .succeeds()
        .says("data_length_all :>>>> 5000")
        .says(&format!("old_hex :>>>> {md5}\nnew_hex :>>>> {md5}\n"));
    // The notes' client saves beside its script: the scratch directory.
    assert_eq!(std::fs::read(n.scratch.join("nb_girl.png")).unwrap(), bytes);
    let lines = server.stop();
    assert!(
        lines
            .iter()
            .any(|l| *l == format!("sending girl.png: 5000 bytes, md5 {md5}")),
        "{lines:?}"
    );
}

#[test]
fn notes_rs_c_ftp_client_of_lesson_09_uploads_config_to_c_ftp_server() {
    let Some(n) = notes(here!()) else { return };
    // The client sends `config` from where it runs; the notes' server saves `config` where
    // it runs (the scratch directory): two directories, or it would truncate the file
    // being sent.
    let files = n.scratch.join("files");
    std::fs::create_dir_all(&files).unwrap();
    // 3000 bytes: a size where the notes' server's `filesize -= buffer` still ends in time.
    let bytes = picture(&files, "config", 3000);
    let server = n.server("c_ftp_server");
    let port = server.port.to_string();
    let args = ["notes-c-ftp-client", "--port", &port];
    run(example("09_file_header"), &args, &files, &[], "")
        .succeeds()
        .says(r#"head {"filename":"config","filepath":".","filesize":3000}: 52 bytes"#)
        .says(r#"struct.pack('i', 52) = b"4\x00\x00\x00""#);
    let (ok, lines) = server.finish();
    assert!(ok, "the notes' server failed: {lines:?}");
    assert_eq!(std::fs::read(n.scratch.join("config")).unwrap(), bytes);
}

#[test]
fn c_ftp_client_uploads_config_to_notes_rs_c_ftp_server_of_lesson_09() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let bytes = picture(&files, "config", 100_003);
    let server = n.lesson_server("09_file_header", &["notes-c-ftp-server"]);
    let program = n.program("c_ftp_client");
    run(
        n.python,
        &[program.to_str().unwrap()],
        &n.scratch,
        &[
            ("NOTES_PORT", &server.port.to_string()),
            ("NOTES_FILE_DIR", files.to_str().unwrap()),
        ],
        "",
    )
    .succeeds()
    .says("\"filename\": \"config\", \"filesize\": 100003}");
    let (ok, lines) = server.finish();
    assert!(ok, "the notes-c-ftp-server failed: {lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("saved config"));
    assert_eq!(std::fs::read(n.scratch.join("config")).unwrap(), bytes);
}

#[test]
fn notes_rs_e_text_client_of_lesson_09_sends_a_file_to_e6_file_receiver() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let (path, text) = text_file(&files);
    let md5 = md5_hex(text.as_bytes());
    let mut receiver = n.server("e6_file_receiver");
    receiver.type_line("y"); // its operator accepts the file
    let path = path.to_str().unwrap();
    n.lesson_client(
        "09_file_header",
        &["notes-e-text-client", path],
        receiver.port,
        "",
    )
    .succeeds()
    .says(&format!("sent: the receiver's md5 is ours, {md5}"));
    let (ok, lines) = receiver.finish();
    assert!(
        ok && lines.iter().any(|l| l.contains("文件接收成功!")),
        "{lines:?}"
    );
    assert_eq!(
        std::fs::read_to_string(n.scratch.join("zyk.note.txt")).unwrap(),
        text
    );
}

#[test]
fn e6_file_sender_sends_mixed_text_to_notes_rs_e_text_server_of_lesson_09() {
    let Some(n) = notes(here!()) else { return };
    let files = n.scratch.join("files");
    std::fs::create_dir_all(&files).unwrap();
    // Chinese and ASCII mixed: 1500-byte chunks end inside characters, which the notes' own
    // receiver fails to decode; this one writes the bytes as they came.
    let text: String = (0..300).map(|i| format!("第{i}行 line {i}\n")).collect();
    let path = files.join("mixed.txt");
    std::fs::write(&path, &text).unwrap();
    let md5 = md5_hex(text.as_bytes());
    let mut server = n.lesson_server("09_file_header", &["notes-e-text-server"]);
    server.type_line("y");
    let program = n.program("e6_file_sender");
    run(
        n.python,
        &[program.to_str().unwrap()],
        &n.scratch,
        &[
            ("NOTES_PORT", &server.port.to_string()),
            ("NOTES_FILE", path.to_str().unwrap()),
        ],
        "",
    )
    .succeeds()
    .says("文件传送成功!");
    let (ok, lines) = server.finish();
    assert!(ok, "the notes-e-text-server failed: {lines:?}");
    let size = text.len();
    assert!(
        lines.contains(&format!(
            "file mixed.txt, {size} bytes: type y to receive it"
        )) && lines.contains(&format!(
            "received zyk.mixed.txt: md5 {md5}, the sender's own"
        )),
        "{lines:?}"
    );
    assert_eq!(
        std::fs::read_to_string(n.scratch.join("zyk.mixed.txt")).unwrap(),
        text
    );
}
