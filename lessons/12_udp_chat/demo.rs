//! The demo: a chat between alice and bob, then the time server with a fixed clock, each in
//! one thread in a fixed order, so the transcript is the same on every run.

use super::time_server::{answer_one, TimeGates};
use super::{ask, hear, time_socket, ChatPeer};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::clock::{self, Clock};
use socket_lessons::wire::udp::{self, MAX_IPV4_PAYLOAD};
use socket_lessons::{say, Report, Transcript};
use std::net::SocketAddr;

/// The demo's clock: the time stamp of the screenshot that follows the time server in
/// notes C (image-20210725220726), in China Standard Time.
const DEMO_TIME: &str = "2021-07-25T22:07:26+08:00";

pub(crate) fn run() -> Result<(), Report> {
    demo_chat()?;
    demo_time()?;
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "no connection anywhere: each message was one datagram, sent to an address and received with the sender's address; a stranger's datagram arrived like any other; the time server answered each request with one datagram, never more than three times its size, errors included"
            | "全程没有连接：每条消息都是一个数据报，发往一个地址，收到时带着发送方的地址；陌生人的数据报和其他数据报一样到达；时间服务器对每个请求只回一个数据报，包括出错的回答在内，大小从不超过请求的三倍"
    );
    Ok(())
}

/// Both peers in this thread, in a fixed order. Each datagram waits in the receiver's
/// socket buffer until its `receive_one`: no thread, no race, the same transcript always.
fn demo_chat() -> Result<(), Report> {
    say!(
        Transcript::named(socket_lessons::tr!("part 1" | "第 1 幕")),
        "chat: alice and bob, one UDP socket each" | "聊天：alice 和 bob，各用一个 UDP 套接字"
    );
    let loopback: SocketAddr = "127.0.0.1:0".parse()?;
    let bob = ChatPeer::bind("bob", loopback, Vec::new())?;
    let bob_addr = udp::local_addr(&bob.socket)?;
    let alice = ChatPeer::bind("alice", loopback, vec![("bob".into(), bob_addr)])?;

    // alice knows bob's address; bob learns hers from her first datagram.
    alice.on_input("@bob 你好, bob".as_bytes());
    bob.receive_one()?;
    bob.on_input("hi alice, 在吗?".as_bytes());
    alice.receive_one()?;

    // Two messages in a row, then both read: the notes' programs, waiting in recvfrom
    // after each send, cannot do this.
    alice.on_input(b"two messages");
    alice.on_input(b"in a row");
    bob.receive_one()?;
    bob.receive_one()?;

    // A datagram from a program that does not tag (the notes' QQ client, say).
    let stranger = udp::bind(loopback)?;
    let note = "发给taibai: hi".as_bytes();
    say!(
        stranger_says(),
        "sendto {bob_addr}: {}" | "sendto {bob_addr}：{}",
        describe(note)
    );
    stranger.send_to(note, &bob_addr.into())?;
    bob.receive_one()?;

    // Bytes that are not text.
    let junk = b"\xff\xfe\x00junk";
    say!(
        stranger_says(),
        "sendto {bob_addr}: {}" | "sendto {bob_addr}：{}",
        describe(junk)
    );
    stranger.send_to(junk, &bob_addr.into())?;
    bob.receive_one()?;

    // Mistakes stay local: a name nobody told alice, a message no datagram can carry.
    alice.on_input(b"@carol hello");
    alice.on_input(&vec![b'x'; MAX_IPV4_PAYLOAD]);
    alice.on_input(b"q");
    Ok(())
}

/// The label of the program that does not tag its datagrams.
fn stranger_says() -> Transcript {
    Transcript::named(socket_lessons::lang::pick("stranger", "陌生人"))
}

/// The time server with a fixed clock, client and server in this thread: a request waits
/// in the server's socket buffer until `answer_one` reads it.
fn demo_time() -> Result<(), Report> {
    say!(
        Transcript::named(socket_lessons::tr!("part 2" | "第 2 幕")),
        "time server: the client sends a format, the clock is fixed at {DEMO_TIME}"
            | "时间服务器：客户端发去一个时间格式，时钟固定在 {DEMO_TIME}"
    );
    let server = Transcript::server();
    let socket = udp::bind("127.0.0.1:0".parse()?)?;
    let server_addr = udp::local_addr(&socket)?;
    say!(
        server,
        "UDP socket bound to {server_addr}" | "UDP 套接字绑定到 {server_addr}"
    );
    let clock = Clock::fixed(DEMO_TIME)?;

    let client = Transcript::client();
    let asking = time_socket(server_addr)?;
    let too_wide = "%c".repeat(clock::MAX_FORMAT_LEN / 2);
    let eight_c = "%c".repeat(8);
    // Five answered and four refused: each kind within the log's five lines per 10 s.
    let formats: [&[u8]; 9] = [
        b"",
        b"%Y %m %d",
        "%A, %H点%M分".as_bytes(),
        b"%Q",
        b"\xff\xfe%Y",
        // An answer may be three times its request on the wire: 2 bytes of `%c` get 24.
        b"%c",
        // 16 bytes may get 104, not the 192 of eight `%c`.
        eight_c.as_bytes(),
        too_wide.as_bytes(),
        b"%X",
    ];
    let mut gates = TimeGates::new(udp::local_addr(&socket)?);
    for format in formats {
        ask(&asking, format, &client)?;
        answer_one(&socket, &clock, &server, &mut gates)?;
        hear(&asking, &client)?;
    }
    Ok(())
}
