//! Lesson 07's demo: the server and a client in one process, six commands in a fixed
//! order, each with a known outcome on this OS's shell.

use super::{command, serve, QUIT};
use socket_lessons::guard::limits::{Limits, DEFAULT_IDLE_SECS};
use socket_lessons::guard::shell::{self, CommandLimits};
use socket_lessons::lang::{self, pick};
use socket_lessons::stage::cli::ZhHelp;
use socket_lessons::stage::demo;
use socket_lessons::wire::framing::MAX_FRAME_LEN;
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::Write;
use std::time::Duration;

/// `--help` in Chinese.
pub(super) const ZH: ZhHelp = ZhHelp {
    about: "第 07 课：远程执行命令（笔记 A §9.1，笔记 B 模拟ssh，笔记 C 远程执行命令，笔记 D）。",
    long_about: "第 07 课：远程执行命令（笔记 A §9.1，笔记 B 模拟ssh，笔记 C 远程执行命令，笔记 D）。\n\n\
                 不带子命令时，在一个进程里运行服务端和一个客户端：一条 echo，三千行数字（seq 3000），\
                 一条不存在的命令，一条运行太久的命令，一条输出太多的命令，以及一条不是 UTF-8 的命令。\
                 两个终端：先启动 server，再启动 client，然后输入命令；q 退出。",
    subcommands: &[
        ("server", "只运行服务端（先在终端 1 启动）。它以启动它的用户的身份，通过 shell 执行客户端发来的命令"),
        ("client", "只运行客户端（在终端 2）。输入命令；q 或输入结束（Ctrl-D）退出"),
        ("notes-server", "运行笔记的服务端（笔记 A §9.1），用纯 Rust 写成（notes.rs），默认用笔记自己的地址（127.0.0.1:9696）。没有任何限制：客户端发来什么，它就以你的身份执行什么"),
        ("notes-client", "运行笔记的客户端（笔记 A §9.1），用纯 Rust 写成（notes.rs）。输入命令；q 或输入结束（Ctrl-D）退出"),
    ],
    options: &[
        ("time_limit", "一条命令最多运行多少秒，超过就杀掉它"),
        ("idle_limit", "等客户端下一条命令最多等多少秒，超时就关闭它"),
        ("session_limit", "一条连接总共最多服务多少秒，到时就关闭它（这样不停发送的客户端也不能永远占着这个一次只服务一个客户端的服务端）"),
        ("encoding", "把回答当作文本来读时用的编码：gbk 用于中文 Windows 服务端（笔记的 decode('gbk')），utf-8，或者 Windows 代码页号，例如 936［默认：在 Windows 上是这个控制台的代码页，其他系统是 utf-8］"),
    ],
};

/// The demo's limit on each command: short, so that the `sleep` scene ends quickly. On
/// Windows it must be well past the time cmd takes to print 16 MiB (about 2.5 s under Wine
/// on a busy machine), or the flood scene would race the time limit.
const DEMO_COMMAND_LIMIT: Duration = Duration::from_secs(if cfg!(windows) { 10 } else { 2 });

/// The demo's command that prints something, then runs past the time limit: `sleep`, or
/// on Windows a cmd loop that never ends (`for /L` counting by 0), which being cmd itself
/// dies with it when it is killed.
const RUNS_LONG: &str = if cfg!(windows) {
    "echo started& for /L %i in (0,0,1) do @rem"
} else {
    "echo started; sleep 30"
};

/// What the flood scene shows: `yes | head` stops by itself at 20 MB; cmd's loop, like
/// `yes` alone, never stops.
fn floods_what() -> String {
    if cfg!(windows) {
        tr!("endless output: past the 16 MiB frame limit" | "没完没了的输出：超过 16 MiB 的帧上限")
    } else {
        tr!("20 MB of output: past the 16 MiB frame limit" | "20 MB 的输出：超过 16 MiB 的帧上限")
    }
}

/// The flood scene's command. cmd's `echo` writes once per line: `yes`'s 2-byte lines
/// would be millions of writes (100 000 short lines took 5 s under Wine), so this line is
/// 4000 bytes long, and 16 MiB is about 4200 writes (2.5 s under Wine).
fn floods() -> Vec<u8> {
    if cfg!(windows) {
        format!("for /L %i in (0,0,1) do @echo {}", "y".repeat(4000)).into_bytes()
    } else {
        b"yes | head -c 20000000".to_vec()
    }
}

pub(super) fn run_demo() -> Result<(), Report> {
    let limits = CommandLimits {
        time: DEMO_COMMAND_LIMIT,
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

    // Each scene's command exists in this OS's shell: `sh` on Unix, `cmd` on Windows, which
    // has no `seq`, `sleep`, `yes` or `head` (it answers "not recognized", exit status 9009).
    let bytes = shell::COUNT_TO_3000_BYTES;
    let scenes: [(String, Vec<u8>); 6] = [
        (
            tr!("a short answer" | "一个简短的回答"),
            b"echo hello".to_vec(),
        ),
        (
            tr!(
                "3000 numbered lines, {bytes} bytes: more than any recv(1024)"
                    | "3000 行数字（1 到 3000），{bytes} 字节：比任何一次 recv(1024) 读到的都多"
            ),
            shell::COUNT_TO_3000.into(),
        ),
        (
            tr!(
                "a command that does not exist: stdout is empty, so the answer is stderr"
                    | "一条不存在的命令：stdout 是空的，所以回答的是 stderr"
            ),
            b"no-such-command-07".to_vec(),
        ),
        (
            tr!("a command that outlives the time limit" | "一条运行超过时限的命令"),
            RUNS_LONG.into(),
        ),
        (floods_what(), floods()),
        (
            tr!("bytes that are not UTF-8 (Latin-1 \"café\")"
                | "不是 UTF-8 的字节（Latin-1 编码的 \"café\"）"),
            b"echo caf\xe9!".to_vec(),
        ),
    ];
    for (n, (what, line)) in (1..).zip(scenes) {
        // Unnumbered in English, as the page quotes it; `[第 N 幕]` in Chinese.
        let scene = if lang::zh() {
            format!("第 {n} 幕")
        } else {
            "scene".to_owned()
        };
        say!(Transcript::named(scene), "{what}");
        if command(&mut stream, &line, Some(&client))?.is_none() {
            return Err(Report::msg(tr!(
                "the server closed the connection early" | "服务端过早地关闭了连接"
            )));
        }
    }
    say!(client, "send b\"q\" and close" | "send b\"q\"，然后 close");
    stream.write_all(QUIT)?;
    drop(stream);
    stage.finished()?;
    // The server has ended (stage.end): its last line is printed.
    stage.end()?;
    say!(
        Transcript::named(pick("summary", "总结")),
        "every answer came as one frame, however long: the 4-byte header told the client how many bytes to read, up to 16 MiB; a command that failed was answered with its stderr, one that ran past its time limit or printed past the frame limit was stopped and answered with what it had printed and a notice, and bytes that are not UTF-8 got an error answer, all on one connection"
            | "每个回答不论多长都是一个帧：4 字节的固定报头告诉客户端要读多少字节，最多 16 MiB；失败的命令回答的是它的 stderr；超过时限或者输出超过帧上限的命令被停下，回答的是它停下之前打印的内容加一条说明；不是 UTF-8 的字节得到一条错误回答；这些都发生在同一条连接上"
    );
    Ok(())
}
