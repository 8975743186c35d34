//! Lesson 14's demo: the codec's bytes beside lesson 06's, the two wires served by tasks,
//! bad peers, a blocking call that stalls a runtime, and a graceful shutdown.
//!
//! The servers are the lesson's own (`server::serve`), each on a runtime on its own thread;
//! the clients are lesson 06's blocking ones (`wire::framing`), which shows the other
//! thing worth seeing: async is the server's business, invisible on the wire.

use crate::codec::notes_codec;
use crate::server::{self, Server, Tell, Wire};
use crate::{Runtime, BACKLOG};
use socket_lessons::stage::demo::{self, cue, OnCue, Spawned};
use socket_lessons::stage::transcript::{bytes_literal, describe, describe_ends, hex};
use socket_lessons::wire::framing::{read_frame, write_frame, MAX_FRAME_LEN};
use socket_lessons::wire::net::{self, ListenOptions};
use socket_lessons::{say, tr, Report, Transcript};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

pub fn run_demo() -> Result<(), Report> {
    the_codec_writes_lesson_06s_bytes()?;
    commands_on_tokio()?;
    three_echo_clients_on_one_thread()?;
    bad_peers_cost_one_line_each()?;
    a_blocking_call_stalls_the_runtime()?;
    shutting_down_lets_the_exchange_finish()?;
    say!(
        Transcript::named(tr!("summary" | "总结")),
        "tokio served lesson 06's wire and lesson 11's echo with a task per connection: the codec wrote write_frame's bytes and refused lying headers before allocating, one thread served three clients at once, each bad peer cost one line, a blocking call held the runtime's thread until spawn_blocking moved it off, and Ctrl-C let the exchange in progress finish"
            | "tokio 用每条连接一个任务服务了第 06 课的传输格式和第 11 课的回显：编解码器写出的字节和 write_frame 的一样，说谎的固定报头在分配内存之前就被拒绝；一个线程同时服务了三个客户端；每个捣乱的对端只多一行输出；一个阻塞调用占住了运行时的线程，直到 spawn_blocking 把它挪走；Ctrl-C 让进行中的那次交换先完成"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// A server for one scene
// ---------------------------------------------------------------------------------------

/// A lesson server on its own thread and runtime, with the cues the clients wait on.
struct Scene {
    addr: SocketAddr,
    accepted: OnCue,
    began: OnCue,
    finished: OnCue,
    stopping: OnCue,
    stop: tokio::sync::mpsc::Sender<()>,
    thread: Spawned<()>,
}

impl Scene {
    /// `[server] listening on ADDR`, and the server running.
    fn start(server: Server, runtime: Runtime) -> Result<Scene, Report> {
        let listener = net::listen(
            ([127, 0, 0, 1], 0).into(),
            ListenOptions::new().backlog(BACKLOG),
        )?;
        let addr = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        say!(
            Transcript::server(),
            "listening on {addr}" | "在 {addr} 上监听"
        );
        let (accepted, on_accepted) = cue();
        let (began, on_began) = cue();
        let (finished, on_finished) = cue();
        let (stopping, on_stopping) = cue();
        let server = server.telling(Tell {
            accepted,
            began,
            finished,
            stopping,
        });
        let (stop, stops) = tokio::sync::mpsc::channel::<()>(2);
        let thread = demo::spawn("server", move || {
            runtime.build()?.block_on(async {
                let listener = tokio::net::TcpListener::from_std(listener)?;
                server::serve(listener, Arc::new(server), stops).await
            })?;
            Ok(())
        })?;
        Ok(Scene {
            addr,
            accepted: on_accepted,
            began: on_began,
            finished: on_finished,
            stopping: on_stopping,
            stop,
            thread,
        })
    }

    /// A client of this scene: `[who] connect to ADDR`, then the server's accept line.
    fn connect(&self, who: &Transcript) -> Result<TcpStream, Report> {
        say!(who, "connect to {}" | "connect 到 {}", self.addr);
        let stream = net::connect_addr(self.addr)?;
        self.accepted.wait()?;
        Ok(stream)
    }

    /// Tells the server to stop (Ctrl-C in two terminals) and waits for it to end.
    fn stop(self) -> Result<(), Report> {
        let _ = self.stop.try_send(());
        self.thread.join()
    }
}

fn settings(wire: Wire, idle: Duration, max_clients: usize) -> Server {
    Server::new(wire, idle, max_clients, crate::MAX_PER_ADDRESS)
}

const IDLE: Duration = Duration::from_secs(300);

// ---------------------------------------------------------------------------------------
// The scenes
// ---------------------------------------------------------------------------------------

/// The codec configured for the notes' header writes exactly what lesson 06's
/// `write_frame` writes, and reads it back: "not yet" until the frame is whole, an error
/// before any allocation for an absurd length.
fn the_codec_writes_lesson_06s_bytes() -> Result<(), Report> {
    let who = Transcript::named(tr!("codec" | "编解码器"));
    say!(who, "LengthDelimitedCodec::builder().length_field_type::<u32>().little_endian().max_frame_length({MAX_FRAME_LEN})");
    let mut codec = notes_codec();
    let mut encoded = BytesMut::new();
    codec.encode(Bytes::from_static(b"hello"), &mut encoded)?;
    say!(
        who,
        "encode {} -> {}",
        bytes_literal(b"hello"),
        hex(&encoded)
    );
    let mut written = Vec::new();
    write_frame(&mut written, b"hello")?;
    let same = written[..] == encoded[..];
    if same {
        say!(
            who,
            "lesson 06's write_frame({}) -> {}: the same 9 bytes"
                | "第 06 课的 write_frame({}) -> {}：同样的 9 个字节",
            bytes_literal(b"hello"),
            hex(&written)
        );
    } else {
        say!(
            who,
            "lesson 06's write_frame({}) -> {}: DIFFERENT bytes"
                | "第 06 课的 write_frame({}) -> {}：字节不同",
            bytes_literal(b"hello"),
            hex(&written)
        );
    }
    // Fed in two pieces, as two reads might bring it.
    let mut buf = BytesMut::from(&encoded[..6]);
    let first = codec.decode(&mut buf)?;
    say!(
        who,
        "decode {} -> {:?}: the header is in, 2 of 5 body bytes; the rest is waited for"
            | "decode {} -> {:?}：固定报头到了，5 字节的真实数据只到了 2 字节；等其余的",
        hex(&encoded[..6]),
        first
    );
    buf.extend_from_slice(&encoded[6..]);
    let second = codec.decode(&mut buf)?.map(|body| describe(&body));
    say!(
        who,
        "decode + {} -> {}",
        hex(&encoded[6..]),
        second.unwrap_or_default()
    );
    // struct.pack('i', -1): a negative length, 4 GiB - 1 as the codec's u32.
    let mut bad = BytesMut::with_capacity(64);
    bad.extend_from_slice(&(-1i32).to_le_bytes());
    let before = bad.capacity();
    let refused = codec.decode(&mut bad).map(|_| ()).unwrap_err();
    say!(who, "decode {} -> {:?} error \"{refused}\": refused before anything was allocated (the buffer's capacity: {before} bytes before, {after} after)"
        | "decode {} -> {:?} 错误“{refused}”：在分配任何内存之前就拒绝了（缓冲区容量：之前 {before} 字节，之后 {after} 字节）",
        hex(&bad), refused.kind(), after = bad.capacity());
    Ok(())
}

/// Lesson 06's wire, served by a task per connection on a multi-thread runtime, to lesson
/// 06's own blocking client.
fn commands_on_tokio() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 1" | "第 1 幕"));
    say!(scene, "lesson 06's wire on tokio: a bare command in, one frame out (a multi-thread runtime; the client is lesson 06's, blocking)"
        | "tokio 上的第 06 课传输格式：不加报头的命令进，一个帧出（多线程运行时；客户端是第 06 课的阻塞客户端）");
    let running = Scene::start(
        settings(Wire::Commands, IDLE, crate::MAX_CLIENTS),
        Runtime::MultiThread,
    )?;
    let client = Transcript::client();
    let mut stream = running.connect(&client)?;
    for line in [&b"seq 300"[..], b"echo hi"] {
        say!(client, "send {}", describe(line));
        stream.write_all(line)?;
        let answer = read_frame(&mut stream)?.ok_or("the server closed the connection")?;
        say!(client, "read_frame -> {}", describe_ends(&answer, 16));
    }
    say!(client, "close");
    drop(stream);
    running.finished.wait()?;
    running.stop()
}

/// Lesson 11's demo on one thread: three clients connected at once, messages in the order
/// A, B, C, B, A, C, each answered while the other two stay connected.
fn three_echo_clients_on_one_thread() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 2" | "第 2 幕"));
    say!(scene, "lesson 11's echo, framed: three clients at once on a current-thread runtime, one thread and a task per client"
        | "第 11 课的回显，加了帧：三个客户端同时连在一个单线程运行时上，一个线程，每个客户端一个任务");
    let running = Scene::start(
        settings(Wire::Echo, IDLE, crate::MAX_CLIENTS),
        Runtime::CurrentThread,
    )?;
    let names = ["A", "B", "C"];
    let mut clients = Vec::new();
    for name in names {
        let who = Transcript::named(format!("client {name}"));
        let stream = running.connect(&who)?;
        clients.push((who, stream));
    }
    for (i, text) in [
        (0, "a says hi"),
        (1, "b says hi"),
        (2, "c says hi"),
        (1, "b again"),
        (0, "a again"),
        (2, "c again"),
    ] {
        let (who, stream) = &mut clients[i];
        say!(who, "write_frame {}", describe(text.as_bytes()));
        write_frame(stream, text.as_bytes())?;
        let answer = read_frame(stream)?.ok_or("the server closed the connection")?;
        say!(who, "read_frame -> {}", describe(&answer));
    }
    for (who, stream) in clients {
        say!(who, "close");
        drop(stream);
        running.finished.wait()?;
    }
    say!(
        scene,
        "one thread served three connections at once: each task waited in .await, not in the thread"
            | "一个线程同时服务了三条连接：每个任务在 .await 处等待，而不是占着线程等待"
    );
    running.stop()
}

/// Bad headers, a frame cut off, a silent client, one client too many: one line each, and
/// the server goes on.
fn bad_peers_cost_one_line_each() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 3" | "第 3 幕"));
    say!(scene, "bad peers against the echo: one line each, nothing allocated for a lying header, the server goes on (idle limit 1 s)"
        | "用捣乱的对端试回显服务端：每个只多一行输出，说谎的固定报头不会让它分配内存，服务端照常服务（空闲时限 1 秒）");
    let running = Scene::start(
        settings(Wire::Echo, Duration::from_secs(1), 2),
        Runtime::MultiThread,
    )?;
    let peer = Transcript::named(tr!("peer" | "对端"));
    // A negative length, and one byte over the limit: the codec refuses both at the header.
    for (header, what) in [
        (
            (-1i32).to_le_bytes(),
            socket_lessons::tr!("struct.pack('i', -1)" | "struct.pack('i', -1)"),
        ),
        (
            (MAX_FRAME_LEN as i32 + 1).to_le_bytes(),
            socket_lessons::tr!("the limit + 1" | "上限 + 1"),
        ),
    ] {
        let mut stream = running.connect(&peer)?;
        say!(
            peer,
            "send the header {} ({what}) and 4 bytes" | "发送固定报头 {}（{what}）和 4 个字节",
            hex(&header)
        );
        // One write: the server reads all 8 bytes at once, and closes with none unread
        // (unread bytes would make its close a reset).
        stream.write_all(&[&header[..], b"abcd"].concat())?;
        say_end(&peer, &mut stream)?;
        running.finished.wait()?;
    }
    // A frame that announces 10 bytes and ends after 3.
    let mut stream = running.connect(&peer)?;
    say!(
        peer,
        "send the header 0a 00 00 00 and 3 of its 10 bytes, then close"
            | "发送固定报头 0a 00 00 00 和 10 个字节里的 3 个，然后关闭"
    );
    stream.write_all(b"\x0a\x00\x00\x00abc")?;
    stream.shutdown(Shutdown::Write)?;
    running.finished.wait()?;
    drop(stream);
    // A client that connects and says nothing.
    let mut stream = running.connect(&peer)?;
    say!(peer, "send nothing" | "什么也不发");
    say_end(&peer, &mut stream)?;
    running.finished.wait()?;
    running.stop()?;

    // The cap: two connections held, the third closed at once.
    say!(
        scene,
        "the connection cap: a Semaphore of 2 permits, and a third client"
            | "连接上限：一个有 2 个许可的信号量，再来第三个客户端"
    );
    let running = Scene::start(settings(Wire::Echo, IDLE, 2), Runtime::MultiThread)?;
    let held: Vec<TcpStream> = (1..=2)
        .map(|n| running.connect(&Transcript::named(format!("client {n}"))))
        .collect::<Result<_, _>>()?;
    let third = Transcript::named("client 3");
    say!(third, "connect to {}" | "connect 到 {}", running.addr);
    let mut stream = net::connect_addr(running.addr)?;
    say_end(&third, &mut stream)?;
    for (n, stream) in held.into_iter().enumerate() {
        say!(Transcript::named(format!("client {}", n + 1)), "close");
        drop(stream);
        running.finished.wait()?;
    }
    running.stop()
}

/// What a peer reads when the server has closed: the end of the stream.
fn say_end(who: &Transcript, stream: &mut TcpStream) -> Result<(), Report> {
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let n = stream.read(&mut [0u8; 64])?;
    say!(
        who,
        "read -> {n} bytes: the server closed the connection"
            | "read -> {n} 字节：服务端关闭了连接"
    );
    Ok(())
}

/// A blocking call inside a task holds the runtime's thread: on a current-thread runtime,
/// no other task runs until it returns. The same wait in `spawn_blocking` does not.
fn a_blocking_call_stalls_the_runtime() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 4" | "第 4 幕"));
    say!(scene, "a blocking call inside a task: a current-thread runtime, task 1 waits for a message that task 2 sends"
        | "任务里的阻塞调用：单线程运行时，任务 1 等任务 2 发来的消息");
    let (one, two) = (
        Transcript::named(tr!("task 1" | "任务 1")),
        Transcript::named(tr!("task 2" | "任务 2")),
    );
    Runtime::CurrentThread.build()?.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let sender = tokio::spawn({
            let (tx, two) = (tx.clone(), two.clone());
            async move {
                say!(two, "runs now, too late: sent" | "现在才运行，已经晚了：已发出消息");
                let _ = tx.send(());
            }
        });
        say!(one, "std's recv_timeout(1 s), a blocking call, inside the task" | "在任务里调用 std 的 recv_timeout(1 s)，这是个阻塞调用");
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(()) => say!(one, "the message came" | "消息到了"),
            Err(_) => say!(one, "nothing came within 1 s: this call held the runtime's only thread, so task 2 never ran"
                | "1 秒内什么也没来：这个调用占着运行时唯一的线程，任务 2 根本没机会运行"),
        }
        let _ = sender.await;
        let _ = rx.try_recv();

        say!(one, "the same wait in spawn_blocking (a thread of tokio's blocking pool), with .await on it"
            | "同样的等待放进 spawn_blocking（tokio 阻塞线程池里的一个线程），再 .await 它");
        let waiting = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(20)));
        let sender = tokio::spawn(async move {
            say!(two, "runs meanwhile: sent" | "同时运行：已发出消息");
            let _ = tx.send(());
        });
        match waiting.await {
            Ok(Ok(())) => say!(one, "the message came: the runtime's thread was free while the wait went on elsewhere"
                | "消息到了：等待在别的线程上进行，运行时的线程一直空着"),
            _ => say!(one, "nothing came" | "什么也没来"),
        }
        let _ = sender.await;
    });
    Ok(())
}

/// Ctrl-C while a frame is half sent: the server stops accepting, the exchange in
/// progress finishes, then the connection closes and the server ends.
fn shutting_down_lets_the_exchange_finish() -> Result<(), Report> {
    let scene = Transcript::named(tr!("scene 5" | "第 5 幕"));
    say!(
        scene,
        "a graceful shutdown: Ctrl-C (here, a message) while a frame is half sent"
            | "优雅停机：一个帧发到一半时按下 Ctrl-C（这里用一条消息代替 Ctrl-C）"
    );
    let running = Scene::start(
        settings(Wire::Echo, IDLE, crate::MAX_CLIENTS),
        Runtime::MultiThread,
    )?;
    let client = Transcript::client();
    let mut stream = running.connect(&client)?;
    let body = b"finish this";
    let mut frame = Vec::new();
    write_frame(&mut frame, body)?;
    let (first, rest) = frame.split_at(8);
    say!(
        client,
        "write {sent} of the frame's {all} bytes" | "写出这个帧 {all} 字节中的 {sent} 字节",
        sent = first.len(),
        all = frame.len()
    );
    stream.write_all(first)?;
    running.began.wait()?;
    say!(scene, "Ctrl-C" | "Ctrl-C");
    let Scene {
        addr,
        stop,
        thread,
        stopping,
        ..
    } = running;
    let _ = stop.try_send(());
    stopping.wait()?;
    stream.write_all(rest)?;
    // The client's lines wait for the server to end, so that they come after its own.
    let answer = read_frame(&mut stream)?;
    let mut rest_of_stream = Vec::new();
    stream.read_to_end(&mut rest_of_stream)?;
    thread.join()?;
    say!(
        client,
        "wrote the other {} bytes; read_frame -> {}" | "写出其余 {} 字节；read_frame -> {}",
        rest.len(),
        answer.map_or_else(|| "None".to_owned(), |a| describe(&a))
    );
    say!(
        client,
        "then the end of the stream ({} bytes more)" | "然后是字节流的结尾（帧后面多出 {} 字节）",
        rest_of_stream.len()
    );
    match TcpStream::connect(addr) {
        Ok(_) => say!(
            client,
            "connect again -> connected: the listener is still open"
                | "再次连接 -> 连上了：监听套接字还开着"
        ),
        Err(e) => say!(
            client,
            "connect again -> {}: the listener was closed" | "再次连接 -> {}：监听套接字已经关闭",
            // English names the kind; Chinese says it in words (连接被拒绝，os error 111).
            if socket_lessons::lang::zh() {
                socket_lessons::lang::error_text(&e)
            } else {
                format!("{:?}", e.kind())
            }
        ),
    }
    say!(
        scene,
        "the exchange in progress finished, then the connection closed and the server ended by itself"
            | "进行中的那次交换完成了，随后连接关闭，服务端自己结束了"
    );
    Ok(())
}
