//! Lesson 12's notes.rs (the chat) against notes C 类似于qq聊天的代码示例 and notes E §6
//! 聊天, and its notes_c_time.rs against notes C 自制时间服务器.

use super::*;

/// A program of lesson 12 running in the background, stdin open for typing.
fn lesson_12(n: &Notes, args: &[&str]) -> Running {
    Running::spawn_in(&n.scratch, example("12_udp_chat"), args, &[])
}

/// A notes program running in the background against `port`, stdin open for typing.
fn notes_program(n: &Notes, recipe: &str, port: u16) -> Running {
    let program = n.program(recipe);
    Running::spawn_in(
        &n.scratch,
        n.python,
        &[program.to_str().unwrap()],
        &[("NOTES_PORT", &port.to_string())],
    )
}

/// The notes' server's line for a message from the notes-client (its ANSI colours as the
/// notes print them), whatever port the client's socket got.
fn from_the_client(line: &str, before: &str, after: &str) -> bool {
    let pattern = format!(
        "^{}\\[127\\.0\\.0\\.1:[0-9]+\\]{}$",
        regex::escape(before),
        regex::escape(after)
    );
    regex::Regex::new(&pattern).unwrap().is_match(line)
}

#[test]
fn notes_rs_client_of_lesson_12_chats_with_c_qq_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("c_qq_server");
    let port = server.port.to_string();
    let mut client = lesson_12(&n, &["notes-client", "--port", &port]);
    // An unknown name is refused; an empty message is not sent.
    client.type_line("nobody");
    assert_eq!(
        client.next_line(),
        "talk to (taibai, Jedan, Jack, John): nobody called \"nobody\""
    );
    for line in ["taibai", "", "你好"] {
        client.type_line(line);
    }
    let heard = server.line_containing("的一条消息");
    assert!(
        from_the_client(
            &heard,
            "来自",
            "的一条消息:\u{1b}[1;34;43m发给taibai: 你好\u{1b}[0m"
        ),
        "{heard:?}"
    );
    server.type_line("hi from python");
    assert_eq!(
        client.next_line(),
        format!(
            "talk to (taibai, Jedan, Jack, John): message (q: talk to someone else): \
             message (q: talk to someone else): from 127.0.0.1:{port}: hi from python"
        )
    );
    // q ends the chat with taibai (the notes' test never sees it): the next name is asked.
    for line in ["q", "Jack", "again"] {
        client.type_line(line);
    }
    let heard = server.line_containing("的一条消息");
    assert!(
        heard.ends_with("的一条消息:\u{1b}[1;34;43m发给Jack: again\u{1b}[0m"),
        "{heard:?}"
    );
    server.type_line("");
    assert_eq!(
        client.next_line(),
        format!(
            "message (q: talk to someone else): talk to (taibai, Jedan, Jack, John): \
             message (q: talk to someone else): from 127.0.0.1:{port}: "
        )
    );
    client.close_stdin();
    let (ok, rest) = client.finish();
    assert!(ok, "{rest:?}");
}

#[test]
fn c_qq_client_chats_with_notes_rs_server_of_lesson_12() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("12_udp_chat", &["notes-server"]);
    let mut client = notes_program(&n, "c_qq_client", server.port);
    for line in ["taibai", "你好"] {
        client.type_line(line);
    }
    let heard = server.next_line();
    assert!(
        regex::Regex::new(r"^from 127\.0\.0\.1:[0-9]+: 发给taibai: 你好$")
            .unwrap()
            .is_match(&heard),
        "{heard:?}"
    );
    server.type_line("hi from rust");
    let answer = client.line_containing("的一条消息");
    assert!(
        answer.ends_with(&format!(
            "请输入消息,回车发送,输入q结束和他的聊天: 来自[127.0.0.1:{}]的一条消息:\u{1b}[1;34;43mhi from rust\u{1b}[0m",
            server.port
        )),
        "{answer:?}"
    );
    // The notes' own slip: `q` is tested after the prefix is added, so it is sent.
    client.type_line("q");
    assert_eq!(
        server.next_line(),
        format!("reply: {}", heard.replace("你好", "q"))
    );
}

#[test]
fn e6_chat_client_chats_with_notes_rs_server_of_lesson_12() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.lesson_server("12_udp_chat", &["notes-server"]);
    let mut client = notes_program(&n, "e6_chat_client", server.port);
    for line in ["1", "你好"] {
        client.type_line(line);
    }
    let heard = server.next_line();
    assert!(
        regex::Regex::new(r"^from 127\.0\.0\.1:[0-9]+: 你好$")
            .unwrap()
            .is_match(&heard),
        "{heard:?}"
    );
    server.type_line("hi from rust");
    let answer = client.line_containing("的消息");
    assert!(
        answer.ends_with(&format!(
            "来自[127.0.0.1:{}]的消息:\u{1b}[1;36mhi from rust\u{1b}[0m",
            server.port
        )),
        "{answer:?}"
    );
}

#[test]
fn notes_rs_client_of_lesson_12_chats_with_e6_chat_server() {
    let Some(n) = notes(here!()) else { return };
    let mut server = n.server("e6_chat_server");
    let port = server.port.to_string();
    let mut client = lesson_12(&n, &["notes-client", "--port", &port]);
    for line in ["John", "你好"] {
        client.type_line(line);
    }
    let heard = server.line_containing("的一条消息");
    assert!(
        from_the_client(
            &heard,
            "来自",
            "的一条消息:\u{1b}[1;36m发给John: 你好\u{1b}[0m"
        ),
        "{heard:?}"
    );
    server.type_line("hi from python");
    assert_eq!(
        client.next_line(),
        format!(
            "talk to (taibai, Jedan, Jack, John): message (q: talk to someone else): \
             from 127.0.0.1:{port}: hi from python"
        )
    );
    client.close_stdin();
    let (ok, rest) = client.finish();
    assert!(ok, "{rest:?}");
}

// ---- the time server: notes C 自制时间服务器 ---------------------------------------------

#[test]
fn c_time_client_asks_notes_rs_time_server_of_lesson_12() {
    let Some(n) = notes(here!()) else { return };
    let server = n.lesson_server("12_udp_chat", &["notes-time-server"]);
    let out = n.client("c_time_client", server.port, "%Y %m %d\n\n%Q\nyear %%\n");
    out.ends_with_error("EOFError");
    let prompt = "请输入时间格式(例%Y %m %d)>>: ";
    let want = regex::Regex::new(&format!(
        "^{p}当前日期： [0-9]{{4}} [0-9]{{2}} [0-9]{{2}}\n\
         {p}当前日期： [0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}\n\
         {p}当前日期： not a time format: %Q\n\
         {p}当前日期： year %\n\
         {p}$",
        p = regex::escape(prompt)
    ))
    .unwrap();
    assert!(want.is_match(&out.stdout), "{}", out.stdout);
    let lines = server.stop();
    let from = regex::Regex::new(r"^from 127\.0\.0\.1:[0-9]+: format ").unwrap();
    let formats: Vec<&str> = lines
        .iter()
        .filter_map(|l| from.find(l).map(|m| &l[m.end()..]))
        .collect();
    assert_eq!(
        formats,
        [r#""%Y %m %d""#, r#""""#, r#""%Q""#, r#""year %%""#],
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "answer: not a time format: %Q"),
        "{lines:?}"
    );
}

#[test]
fn notes_rs_time_client_of_lesson_12_asks_c_time_server() {
    let Some(n) = notes(here!()) else { return };
    let server = n.server("c_time_server");
    let out = n.lesson_client(
        "12_udp_chat",
        &["notes-time-client"],
        server.port,
        "%Y %m %d\n\n%Q\nyear %%\n",
    );
    out.succeeds();
    // Python's strftime hands %Q, a code it does not know, to the C library, and glibc
    // copies it as it is.
    let prompt = "time format (e.g. %Y %m %d): ";
    let want = regex::Regex::new(&format!(
        "^{p}time: [0-9]{{4}} [0-9]{{2}} [0-9]{{2}}\n\
         {p}time: [0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}\n\
         {p}time: %Q\n\
         {p}time: year %\n\
         {p}$",
        p = regex::escape(prompt)
    ))
    .unwrap();
    assert!(want.is_match(&out.stdout), "{}", out.stdout);
    let lines = server.stop().join("\n");
    assert!(
        lines.contains("===> year %%\nyear % <class 'str'>"),
        "{lines}"
    );
}
