//! The lessons against Python programs that speak the notes' wire format (tests/peers/),
//! in both directions: the lesson's server with a Python client, and the lesson's client
//! with a Python server.

mod common;

use common::{example, peer, Running};
use std::time::Duration;

fn run(
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    stdin: &str,
) -> snapbox::cmd::OutputAssert {
    snapbox::cmd::Command::new(program)
        .args(args)
        .stdin(stdin.to_owned())
        .env("PYTHONIOENCODING", "utf-8")
        .timeout(Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .success()
}

#[test]
fn lesson_01_server_answers_the_python_client() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(example("01_tcp_once"), &["server", "--port", "0"]);
    let port = server.port.to_string();
    run(python, &[&peer("tcp_once_client.py"), &port], "")
        .stdout_eq("python client got: 你好!我是服务端!127.0.0.1:[PORT]\n");
    assert!(server
        .line_containing("5. recv")
        .ends_with(r#"UTF-8 text "你好!我是客户端!""#));
    assert!(server.wait_success());
}

#[test]
fn lesson_01_client_talks_to_the_python_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(python, &[&peer("tcp_once_server.py"), "0"]);
    let port = server.port.to_string();
    run(
        example("01_tcp_once"),
        &["client", "--port", &port],
        "hello from rust\n",
    )
    .stdout_eq(
        r#"[client] connected; the OS gave this socket the address 127.0.0.1:[PORT]
[client] 3. send 15 bytes b"hello from rust"
[client] 4. recv(1024) -> [..] bytes b"[..]", UTF-8 text "你好!我是服务端!('127.0.0.1', [..])"
[client] 5. close
"#,
    );
    assert!(server
        .line_containing("python server got")
        .starts_with("python server got b'hello from rust'"));
    assert!(server.wait_success());
}

fn server_serves_the_python_echo_client(lesson: &str) {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(example(lesson), &["server", "--port", "0"]);
    let port = server.port.to_string();
    for _ in 0..2 {
        run(
            python,
            &[&peer("echo_client.py"), &port],
            "hello\n\n你好 rust\nq\n",
        )
        .stdout_eq("python client got: HELLO\npython client got: 你好 RUST\n");
        server.line_containing("said q");
    }
}

#[test]
fn lesson_02_server_serves_the_python_echo_client_twice() {
    server_serves_the_python_echo_client("02_tcp_loop");
}

#[test]
fn lesson_03_server_serves_the_python_echo_client_twice() {
    server_serves_the_python_echo_client("03_conn_loop");
}

fn client_talks_to_the_python_echo_server(lesson: &str) {
    let Some(python) = common::python3() else {
        return;
    };
    let server = Running::server(python, &[&peer("echo_server.py"), "0", "1"]);
    let port = server.port.to_string();
    run(
        example(lesson),
        &["client", "--port", &port],
        "hello\n你好 rust\nq\n",
    )
    .stdout_eq(
        r#"[client] send 5 bytes b"hello"
[client] recv(1024) -> 5 bytes b"HELLO"
[client] send 11 bytes b"\xe4\xbd\xa0\xe5\xa5\xbd rust", UTF-8 text "你好 rust"
[client] recv(1024) -> 11 bytes b"\xe4\xbd\xa0\xe5\xa5\xbd RUST", UTF-8 text "你好 RUST"
[client] send 1 byte b"q", then close
"#,
    );
    assert!(
        server.wait_success(),
        "the Python server served one client and exited"
    );
}

#[test]
fn lesson_02_client_talks_to_the_python_echo_server() {
    client_talks_to_the_python_echo_server("02_tcp_loop");
}

#[test]
fn lesson_03_client_talks_to_the_python_echo_server() {
    client_talks_to_the_python_echo_server("03_conn_loop");
}

#[test]
fn lesson_05_udp_server_answers_the_python_udp_client() {
    let Some(python) = common::python3() else {
        return;
    };
    let server = Running::server(example("05_udp"), &["server", "--port", "0"]);
    let port = server.port.to_string();
    run(
        python,
        &[&peer("udp_client.py"), &port],
        "hello\n你好 udp\n",
    )
    .stdout_eq("python client got: 'HELLO'\npython client got: '你好 UDP'\n");
}

#[test]
fn lesson_05_udp_client_talks_to_the_python_udp_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let server = Running::server(python, &[&peer("udp_server.py"), "0", "2"]);
    let port = server.port.to_string();
    run(
        example("05_udp"),
        &["client", "--port", &port],
        "hello\nworld\n",
    )
    .stdout_eq(
        r#"[client] sendto 127.0.0.1:[PORT]: 5 bytes b"hello"
[client] recvfrom(1024) <- 127.0.0.1:[PORT]: 5 bytes b"HELLO"
[client] sendto 127.0.0.1:[PORT]: 5 bytes b"world"
[client] recvfrom(1024) <- 127.0.0.1:[PORT]: 5 bytes b"WORLD"
"#,
    );
    assert!(server.wait_success());
}

#[test]
fn lesson_06_server_answers_a_python_client_on_the_notes_wire_with_5_bytes_and_5_mb() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(example("06_length_prefix"), &["server", "--port", "0"]);
    let port = server.port.to_string();
    run(
        python,
        &[
            &peer("framed_client.py"),
            &port,
            "bytes 5",
            "bytes 5000000",
            "echo 你好",
        ],
        "",
    )
    .stdout_eq(
        "python client got 5 bytes, pattern ok: b'01234'\n\
         python client got 5000000 bytes, pattern ok: b'0123456789abcdef'\n\
         python client got 7 bytes: b'\\xe4\\xbd\\xa0\\xe5\\xa5\\xbd\\n'\n",
    );
    server.line_containing("closed the connection between requests");
}

#[test]
fn lesson_06_client_reads_5_bytes_and_5_mb_from_a_python_server_on_the_notes_wire() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(python, &[&peer("bare_command_server.py"), "0", "1"]);
    let port = server.port.to_string();
    run(
        example("06_length_prefix"),
        &["client", "--port", &port],
        "bytes 5\nbytes 5000000\n",
    )
    .stdout_eq(
        r#"[client] send 7 bytes b"bytes 5"
[client] read_frame -> 5 bytes b"01234"
[client] send 13 bytes b"bytes 5000000"
[client] read_frame -> 5000000 bytes b"0123456789abcdef"…b"0123456789abcdef"
"#,
    );
    assert_eq!(
        server.line_containing("got command"),
        "python server got command 'bytes 5'"
    );
    assert!(server.wait_success());
}

#[cfg(unix)]
#[test]
fn lesson_07_server_answers_the_notes_a_style_client() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(example("07_remote_cmd"), &["server", "--port", "0"]);
    let port = server.port.to_string();
    run(
        python,
        &[&peer("cmd_client.py"), &port, "len", "seq 3000", "echo hi"],
        "",
    )
    .stdout_eq("seq 3000: 13893 bytes, last line '3000'\necho hi: 3 bytes, last line 'hi'\n");
    assert!(server
        .line_containing("sh -c \"seq 3000\"")
        .ends_with("exit status 0; answering with stdout"));
    server.line_containing("said q: closing the connection");
}

#[cfg(unix)]
#[test]
fn lesson_08_server_answers_the_notes_c_style_client_with_a_real_md5() {
    let Some(python) = common::python3() else {
        return;
    };
    let server = Running::server(example("08_json_header"), &["server", "--port", "0"]);
    let port = server.port.to_string();
    run(
        python,
        &[
            &peer("cmd_client.py"),
            &port,
            "json",
            "echo hello",
            "seq 3000",
        ],
        "",
    )
    .stdout_eq(
        "echo hello: 6 bytes, md5 b1946ac92492d2347c6235b4d2611184, last line 'hello'\n\
         seq 3000: 13893 bytes, md5 ee9762749fc5338b6c9b0948d14219c7, last line '3000'\n",
    );
}

// Lesson 10: notes E §6 验证客户端合法性, HMAC-MD5 with the notes' salt as the secret.
const NOTES_SALT: &str = "hi, I'm salt.";
const NOTES_FAKE_SALT: &str = "大家好,我是假盐";

#[test]
fn lesson_10_server_lets_in_the_notes_e_client_and_refuses_its_fake_one() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(
        example("10_hmac_auth"),
        &[
            "server",
            "--port",
            "0",
            "--secret",
            NOTES_SALT,
            "--allow-short-secret",
        ],
    );
    let port = server.port.to_string();
    run(python, &[&peer("hmac_client.py"), &port, NOTES_SALT], "")
        .stdout_eq("python client sent its answer; verdict b'+'\n");
    assert!(server
        .line_containing("legitimate")
        .contains("knows the secret"));
    run(
        python,
        &[&peer("hmac_client.py"), &port, NOTES_FAKE_SALT],
        "",
    )
    .stdout_eq("python client sent its answer; verdict b'-'\n");
    assert_eq!(
        server.line_containing("refused"),
        "[server] refused: the answer is not HMAC-MD5(secret, challenge); closing"
    );
}

#[test]
fn lesson_10_client_passes_the_notes_e_server_and_a_wrong_secret_does_not() {
    let Some(python) = common::python3() else {
        return;
    };
    // The notes' salt is 13 bytes: the client takes it with --allow-short-secret, and
    // warns; the fake salt (22 bytes in UTF-8) is long enough.
    let warning = "[client] warning: the secret is 13 bytes, shorter than HMAC-MD5's 16 \
                   (--allow-short-secret): whoever records one challenge and its answer can \
                   test guesses offline\n";
    for (secret, verdict, warned) in [
        (NOTES_SALT, "合法连接", warning),
        (NOTES_FAKE_SALT, "连接不合法", ""),
    ] {
        let mut server = Running::server(python, &[&peer("hmac_server.py"), "0", NOTES_SALT]);
        let port = server.port.to_string();
        snapbox::cmd::Command::new(example("10_hmac_auth"))
            .args(["client", "--port", &port, "--allow-short-secret"])
            .env("SOCKET_LESSONS_SECRET", secret)
            .stdin("")
            .timeout(Duration::from_secs(60))
            .with_assert(common::assert())
            .assert()
            .success()
            .stdout_eq(
                warned.to_owned()
                    + "[client] recv challenge [NONCE]…
[client] send answer [HMAC]… (HMAC-MD5, 16 bytes)
[client] the server closed without a verdict (the notes' server sends none; it prints its decision on its own side)
",
            );
        assert_eq!(server.next_line(), verdict);
        assert!(server.wait_success());
    }
}

// Lesson 12: notes C 自制时间服务器.

#[test]
fn lesson_12_time_server_answers_the_notes_c_client() {
    let Some(python) = common::python3() else {
        return;
    };
    let server = Running::server(
        example("12_udp_chat"),
        &[
            "server",
            "--port",
            "0",
            "--fixed-time",
            "2021-07-25T22:07:26+08:00",
        ],
    );
    let port = server.port.to_string();
    run(
        python,
        &[&peer("time_client.py"), &port],
        "%Y %m %d\n\n%H点%M分\n%Q\n%X\n",
    )
    .stdout_eq(
        r#"当前日期： 2021 07 25
当前日期： 2021-07-25 22:07:26
当前日期： 22点07分
当前日期： error: "%Q" is not a valid time format
当前日期： 22:07:26
"#,
    );
}

#[test]
fn lesson_12_time_client_talks_to_the_notes_c_server() {
    let Some(python) = common::python3() else {
        return;
    };
    let mut server = Running::server(python, &[&peer("time_server.py"), "0"]);
    let port = server.port.to_string();
    let output = run(
        example("12_udp_chat"),
        &["client", "--port", &port],
        "%Y\n\n",
    )
    .get_output()
    .stdout
    .clone();
    let output = String::from_utf8(output).unwrap();
    let pattern = regex::Regex::new(
        r#"^\[client\] send 2 bytes b"%Y"
\[client\] recv "[0-9]{4}"
\[client\] send 0 bytes b""
\[client\] recv "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"
$"#,
    )
    .unwrap();
    assert!(pattern.is_match(&output), "unexpected output:\n{output}");
    assert!(server
        .line_containing("python time server")
        .starts_with("python time server: '%Y' -> '"));
}

// Lesson 13: the client's requests are `echo …` frames, which the notes-style framed server
// answers; a few exchanges each way (this checks that they work, not how long they take).
#[test]
fn lesson_13_client_exchanges_frames_with_the_python_framed_server_every_way() {
    let Some(python) = common::python3() else {
        return;
    };
    let server = Running::server(python, &[&peer("framed_server.py"), "0", "3"]);
    let port = server.port.to_string();
    for (writes, label, segments) in [
        ("two", "two writes, Nagle on", 2),
        ("one", "one write, Nagle on", 1),
        ("two-nodelay", "two writes, TCP_NODELAY", 2),
    ] {
        run(
            example("13_nagle_stall"),
            &[
                "client",
                "--port",
                &port,
                "--writes",
                writes,
                "--exchanges",
                "3",
            ],
            "",
        )
        .stdout_eq(format!(
            "[client] {label}: [..]\n[client] 3 exchanges in [MS] ms: [MS] ms per exchange (the first: [MS] ms)\n{}",
            if cfg!(target_os = "linux") {
                format!(
                    "[client] TCP_INFO: {segments} data segment{} sent per request\n",
                    if segments == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            }
        ));
    }
    assert!(server.wait_success());
}
