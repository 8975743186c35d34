//! Lesson 04's demo (the scenes of `cargo run --example 04_sticky_demo`): five scenes in
//! which message boundaries are lost, each the same every run, since every reader first
//! waits until the bytes it is about to read are all in its buffer.

use crate::{command_server, Quiet, ARRIVAL_LIMIT, RECV_SIZE};
use socket_lessons::guard::timed;
use socket_lessons::stage::commands;
use socket_lessons::stage::demo::{self, Cue};
use socket_lessons::stage::transcript::{describe, describe_ends};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

pub fn run_demo(only: Option<u8>) -> Result<(), Report> {
    let scenes: [fn() -> Result<(), Report>; 5] = [
        two_sends_one_recv,
        short_recv_leaves_the_rest,
        answer_leaks_into_the_next,
        character_cut_in_two,
        sleep_is_no_fix,
    ];
    for (number, scene) in (1..).zip(scenes) {
        if only.is_none_or(|n| n == number) {
            scene()?;
        }
    }
    // Only after all five (one scene alone has not shown all this); each scene has joined
    // its server's thread, so the server's lines are printed.
    if only.is_none() {
        say!(
            Transcript::named(socket_lessons::lang::pick("summary", "总结")),
            "TCP delivered every byte in order but kept no send's boundaries: two sends came out of one recv, one send out of two, an answer longer than recv(1024) leaked into the next one, and a character was cut in two; a sleep between the sends kept them apart only when the reader happened to read in between. That is 粘包, sticky packets"
                | "TCP 按顺序送达了每一个字节，却不保留任何一次 send 的边界：两次 send 被一次 recv 读走，一次 send 要两次 recv 才读完，比 recv(1024) 长的回答漏进了下一个回答，一个字符被切成两半；两次 send 之间的 sleep，只有在接收方恰好在中间读了一次时，才能把消息分开。这就是粘包"
        );
    }
    Ok(())
}

/// A listener on a free loopback port, announced by the scene's narrator.
fn set_scene(scene: &Transcript, title: &str) -> Result<(TcpListener, SocketAddr), Report> {
    say!(scene, "{title}");
    let listener = net::listen("127.0.0.1:0".parse()?, ListenOptions::new())?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

/// The reading side of scenes 1, 2 and 4: accept, wait until `total` bytes are queued, then
/// one `recv(size)` for each size, printing each. Returns what the recvs returned.
fn late_reader(
    listener: TcpListener,
    total: usize,
    sizes: &[usize],
    accepted: &Cue,
) -> Result<Vec<Vec<u8>>, Report> {
    let server = Transcript::server();
    let (mut conn, addr) = listener.accept()?;
    say!(
        server,
        "accept -> a connection from {addr}" | "accept -> 来自 {addr} 的连接"
    );
    accepted.give(); // demo only

    // DEMO ORDER: read only once everything sent is here, as any reader a little late does.
    timed::wait_for_bytes(&conn, total, ARRIVAL_LIMIT)?;
    say!(
        server,
        "({total} bytes are waiting in the receive buffer)"
            | "（接收缓冲区里有 {total} 字节在等着）"
    );
    let mut got = Vec::new();
    for &size in sizes {
        let mut buf = vec![0u8; size];
        let n = conn.read(&mut buf)?;
        say!(server, "recv({size}) -> {}", describe(&buf[..n]));
        got.push(buf[..n].to_vec());
    }
    Ok(got)
}

/// Scene 1 (notes B 粘包现象, notes C 两种情况 2, notes E §7 情况一): the sender's two
/// `send`s are one piece of data by the time anyone reads.
fn two_sends_one_recv() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 1" | "第 1 幕"));
    let (listener, addr) = set_scene(
        &scene,
        &tr!("two small sends, read by one recv" | "两次小的 send，被一次 recv 读走"),
    )?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        late_reader(listener, 10, &[RECV_SIZE, RECV_SIZE], &accepted)
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    // Two sends. With Nagle's algorithm on (the default), the second small write may wait
    // for the first one's ACK and leave in the same segment; TCP_NODELAY stops that wait,
    // not every merge (bytes queued for other reasons still leave together). On loopback
    // the ACK usually comes back before the second write: two segments (the page shows a
    // capture). Either way the reader below finds 10 bytes and no boundary between them.
    for message in [&b"hello"[..], b"world"] {
        say!(client, "send {}", describe(message));
        stream.write_all(message)?;
    }
    // Close without a line: nothing orders it against the server's next line.
    drop(stream);
    server_side.join()?;
    say!(
        scene,
        "two sends, one recv: the boundary between hello and world is gone. The second recv \
         returned 0 bytes: the client had closed"
            | "两次 send，一次 recv：hello 和 world 之间的边界没了。第二次 recv 返回 0 字节：客户端已经关闭了"
    );
    Ok(())
}

/// Scene 2 (notes E §7 情况二, notes C 两种情况 1): the receiver takes less than is there;
/// the rest stays in the buffer and the next recv starts with it.
fn short_recv_leaves_the_rest() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 2" | "第 2 幕"));
    let (listener, addr) = set_scene(
        &scene,
        &tr!("a recv that asks for too little" | "一次要得太少的 recv"),
    )?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        late_reader(listener, 11, &[2, 10], &accepted)
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    let message = b"hei hei hei";
    say!(client, "send {}", describe(message));
    stream.write_all(message)?;
    server_side.join()?;
    say!(
        scene,
        "one send, two recvs: the second recv began with what the first one left behind"
            | "一次 send，两次 recv：第二次 recv 从第一次剩下的地方接着读"
    );
    Ok(())
}

/// Scene 3 (notes A §9.1, notes B 模拟ssh, notes C 两种情况 1, notes D): the answer to
/// `seq 300` is 1092 bytes; the client's recv(1024) takes 1024 of them, and the other 68
/// arrive as the start of the answer to the *next* command.
fn answer_leaks_into_the_next() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 3" | "第 3 幕"));
    let (listener, addr) = set_scene(
        &scene,
        &tr!("a command's output larger than recv(1024)" | "命令的输出比 recv(1024) 还大"),
    )?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let (conn, addr) = listener.accept()?;
        say!(
            Transcript::server(),
            "accept -> a connection from {addr}" | "accept -> 来自 {addr} 的连接"
        );
        accepted.give(); // demo only
        command_server(conn, addr, &mut Quiet::default());
        Ok(())
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    let mut queued = 0;
    for command in [&b"seq 300"[..], b"echo hi"] {
        say!(client, "send {}", describe(command));
        stream.write_all(command)?;
        // DEMO ORDER: wait until this command's whole answer has arrived (the client of the
        // notes cannot know its size; we do, since the output is built in). A recv made
        // earlier could return even less.
        queued += commands::run_builtin(command).len();
        timed::wait_for_bytes(&stream, queued, ARRIVAL_LIMIT)?;
        // DELIBERATE: one recv(1024) per command, as in the notes.
        let mut buf = [0u8; RECV_SIZE];
        let n = stream.read(&mut buf)?;
        queued -= n;
        say!(
            client,
            "recv({RECV_SIZE}) -> {}",
            describe_ends(&buf[..n], 20)
        );
    }
    say!(
        scene,
        "the answer to `echo hi` begins with 284, the rest of the answer to `seq 300`; every \
         answer from now on is off by 68 bytes"
            | "`echo hi` 的回答以 284 开头，那是 `seq 300` 的回答剩下的部分；从此以后，每个回答都错开 68 字节"
    );
    say!(client, "close");
    drop(stream);
    server_side.join()
}

/// Scene 4 (notes B 粘包现象, the `你` example): `你好` is 6 bytes; recv(4) cuts the second
/// character in two, and neither piece decodes on its own.
fn character_cut_in_two() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 4" | "第 4 幕"));
    let (listener, addr) = set_scene(
        &scene,
        &tr!("a UTF-8 character cut in two by recv" | "一个 UTF-8 字符被 recv 切成两半"),
    )?;
    let (accepted, on_accepted) = demo::cue();
    let server_side = demo::spawn("server", move || {
        late_reader(listener, 6, &[4, RECV_SIZE], &accepted)
    })?;

    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    let message = "你好".as_bytes();
    say!(client, "send {}", describe(message));
    stream.write_all(message)?;
    let pieces = server_side.join()?;
    // The notes' server calls .decode() on each piece and dies of UnicodeDecodeError. Bytes
    // must be put together *before* decoding.
    let joined = pieces.concat();
    say!(
        scene,
        "each piece fails to decode; the pieces joined: {}" | "每一片都解码失败；拼起来是：{}",
        describe(&joined)
    );
    Ok(())
}

/// Scene 5 (notes B 粘包现象, the `time.sleep(5)` workaround): a pause between the sends
/// keeps the messages apart only if the reader reads during the pause.
fn sleep_is_no_fix() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 5" | "第 5 幕"));
    say!(
        scene,
        "the sleep between the sends" | "两次 send 之间的 sleep"
    );

    // (a) The sender sleeps, but the reader is busy and reads after both sends.
    let (listener, addr) = set_scene(
        &scene,
        &tr!("(a) the sender sleeps 100 ms; the reader reads late"
            | "(a) 发送方 sleep 100 ms；接收方读得晚"),
    )?;
    let (accepted, on_accepted) = demo::cue();
    let (sent, on_sent) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, addr) = listener.accept()?;
        say!(
            server,
            "accept -> a connection from {addr}" | "accept -> 来自 {addr} 的连接"
        );
        accepted.give(); // demo only
        on_sent.wait()?; // the reader is busy elsewhere until both sends are done
        timed::wait_for_bytes(&conn, 10, ARRIVAL_LIMIT)?;
        let mut buf = [0u8; RECV_SIZE];
        let n = conn.read(&mut buf)?;
        say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
        Ok(())
    })?;
    let client = Transcript::client();
    let mut stream = net::connect_addr(addr)?;
    on_accepted.wait()?;
    say!(client, "send {}", describe(b"hello"));
    stream.write_all(b"hello")?;
    say!(
        client,
        "sleep 100 ms (the notes sleep 5 s)" | "sleep 100 ms（笔记里 sleep 5 秒）"
    );
    // DELIBERATE: the notes' workaround. It decides nothing here: the reader reads after
    // the second send whatever the pause, because it is busy until then.
    std::thread::sleep(Duration::from_millis(100));
    say!(client, "send {}", describe(b"world"));
    stream.write_all(b"world")?;
    sent.give();
    server_side.join()?;

    // (b) The reader reads before the second send: the messages stay apart, sleep or not.
    let (listener, addr) = set_scene(
        &scene,
        &tr!("(b) the reader reads before the second send" | "(b) 接收方在第二次 send 之前就读了"),
    )?;
    let (read_one, on_read_one) = demo::cue();
    let server_side = demo::spawn("server", move || {
        let server = Transcript::server();
        let (mut conn, _) = listener.accept()?;
        let mut buf = [0u8; RECV_SIZE];
        for _ in 0..2 {
            let n = conn.read(&mut buf)?;
            say!(server, "recv({RECV_SIZE}) -> {}", describe(&buf[..n]));
            read_one.give();
        }
        Ok(())
    })?;
    let mut stream = net::connect_addr(addr)?;
    say!(client, "send {}", describe(b"hello"));
    stream.write_all(b"hello")?;
    on_read_one.wait()?; // what the sleep hopes for: the reader has read before we go on
    say!(client, "send {}", describe(b"world"));
    stream.write_all(b"world")?;
    on_read_one.wait()?;
    server_side.join()?;
    say!(
        scene,
        "what kept the messages apart in (b) was the reader reading between the sends; a \
         sleep only makes that likely, costs its length on every message, and fails as soon \
         as the reader is slower than the pause. Lesson 06 marks the boundaries instead"
            | "在 (b) 里让两条消息分开的，是接收方在两次 send 之间读了一次；sleep 只能让这件事更可能发生，每条消息都要白等这么久，而且接收方一旦比这段停顿慢，它就不管用了。第 06 课改为把边界标出来"
    );
    Ok(())
}
