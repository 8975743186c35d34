//! Lesson 05's demo (the scenes of `cargo run --example 05_udp`): one exchange, three sends
//! read late, an empty datagram, a datagram cut by a small buffer, the size limit, and
//! (burst.rs) a burst dropped by a full receive buffer. The cues only order the lines.

use crate::{burst, echo_one, receive, RECV_SIZE};
use socket2::Socket;
use socket_lessons::stage::demo::{self, Cue, OnCue};
use socket_lessons::stage::transcript::describe;
use socket_lessons::wire::udp::{self, MAX_IPV4_PAYLOAD};
use socket_lessons::{say, Report, Transcript};

pub(crate) fn run_demo() -> Result<(), Report> {
    let server = Transcript::server();
    let client = Transcript::client();
    let server_socket = udp::bind("127.0.0.1:0".parse()?)?;
    let server_addr = udp::local_addr(&server_socket)?;
    say!(
        server,
        "UDP socket bound to {server_addr}: no listen, no accept"
            | "UDP 套接字绑定到 {server_addr}：没有 listen，也没有 accept"
    );
    let client_socket = udp::bind("127.0.0.1:0".parse()?)?;
    say!(
        client,
        "UDP socket bound to {}" | "UDP 套接字绑定到 {}",
        udp::local_addr(&client_socket)?
    );
    let to = server_addr.into();
    // Step 6's server socket, made now so that the client knows where to send.
    let busy_socket = udp::bind("127.0.0.1:0".parse()?)?;
    let busy_addr = udp::local_addr(&busy_socket)?;

    // The server's side of the demo, step by step. Demo only: `done` tells the client that
    // a step's lines are printed, `go` tells the server that the client is ready for what
    // comes next (step 2: all three datagrams are on their way; where the server answers,
    // the answer orders the lines itself).
    let (done, on_done) = demo::cue();
    let (go, on_go) = demo::cue();
    let server_side = demo::spawn("server", move || {
        server_script(server_socket, busy_socket, &on_go, &done)
    })?;

    // 1. One exchange, as in notes A §6.
    say!(
        client,
        "1. one datagram, one answer" | "1. 一个数据报，一个回答"
    );
    say!(
        client,
        "sendto {server_addr}: {}" | "sendto {server_addr}：{}",
        describe(b"hello")
    );
    client_socket.send_to(b"hello", &to)?;
    let mut buf = vec![0u8; RECV_SIZE];
    receive(&client_socket, &mut buf, &client)?;

    // 2. Three sends, read late: still three datagrams (notes B udp协议).
    say!(
        client,
        "2. three sends, read only after all three were sent"
            | "2. 三次 sendto，等三次都发完了才读"
    );
    for word in [&b"hello"[..], b"world", b"happy"] {
        say!(
            client,
            "sendto {server_addr}: {}" | "sendto {server_addr}：{}",
            describe(word)
        );
        client_socket.send_to(word, &to)?;
    }
    go.give(); // demo only: the server starts reading now
    on_done.wait()?;

    // 3. An empty datagram.
    say!(client, "3. an empty datagram" | "3. 一个空数据报");
    say!(
        client,
        "sendto {server_addr}: {}" | "sendto {server_addr}：{}",
        describe(b"")
    );
    client_socket.send_to(b"", &to)?;
    on_done.wait()?;

    // 4. Too big for the reader's buffer (notes B: recvfrom(1) of "hello").
    say!(
        client,
        "4. a datagram larger than the reader's buffer" | "4. 一个比接收方缓冲区还大的数据报"
    );
    for message in [&b"hello world"[..], b"next"] {
        say!(
            client,
            "sendto {server_addr}: {}" | "sendto {server_addr}：{}",
            describe(message)
        );
        client_socket.send_to(message, &to)?;
        on_done.wait()?;
    }

    // 5. The size limit (notes E §7: 65535 - 20 - 8 = 65507).
    say!(
        client,
        "5. the largest datagram IPv4 can carry, and one byte more"
            | "5. IPv4 能承载的最大数据报，再多一个字节"
    );
    let biggest = vec![b'x'; MAX_IPV4_PAYLOAD];
    say!(
        client,
        "sendto {server_addr}: {} bytes" | "sendto {server_addr}：{} 字节",
        biggest.len()
    );
    client_socket.send_to(&biggest, &to)?;
    on_done.wait()?;
    let too_big = vec![b'x'; MAX_IPV4_PAYLOAD + 1];
    match client_socket
        .send_to(&too_big, &to)
        .map_err(udp::explain_send_error)
    {
        Ok(n) => say!(
            client,
            "sendto {} bytes: unexpectedly sent {n}" | "sendto {} 字节：出乎意料地发出去了 {n}",
            too_big.len()
        ),
        Err(e) => say!(
            client,
            "sendto {} bytes -> refused: {}" | "sendto {} 字节 -> 被拒绝：{}",
            too_big.len(),
            socket_lessons::lang::error_text(&e)
        ),
    }

    // 6. A burst to a busy receiver: dropped at its full buffer, counted by the kernel.
    burst::client(&client_socket, busy_addr, &go, &on_done)?;
    server_side.join()?;
    // The server's thread has ended: its lines are printed.
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "no listen, no accept: each sendto was one datagram, and no recvfrom returned more than one, always with its sender's address; three sends stayed three, an empty datagram was a message, and what did not fit was thrown away, never kept for the next read; 65507 bytes went as one datagram, 65508 were refused"
            | "没有 listen，也没有 accept：每次 sendto 就是一个数据报，一次 recvfrom 最多只取走一个，并带着发送方的地址；三次发送还是三个数据报，空数据报也是一条消息，装不下的部分直接被丢掉，不会留给下一次读取；65507 字节能作为一个数据报发出，65508 字节就被拒绝了"
    );
    Ok(())
}

/// What the demo's server does, in the order the client expects.
fn server_script(socket: Socket, busy: Socket, on_go: &OnCue, done: &Cue) -> Result<(), Report> {
    let server = Transcript::server();
    // 1. echo one
    echo_one(&socket, &server)?;
    // 2. a late reader: wait until the client has sent all three, then read three times
    on_go.wait()?;
    let mut buf = vec![0u8; RECV_SIZE];
    for _ in 0..3 {
        receive(&socket, &mut buf, &server)?;
    }
    say!(
        server,
        "three sends, three recvfroms: each datagram kept its boundary"
            | "三次 sendto，三次 recvfrom：每个数据报都保留了自己的边界"
    );
    done.give();
    // 3. the empty datagram
    let (data, _) = receive(&socket, &mut buf, &server)?;
    if data.is_empty() {
        say!(
            server,
            "0 bytes, and yet a message: UDP has no 'closed' for 0 to mean"
                | "0 字节，却也是一条消息：UDP 没有“关闭”这回事，0 也就不表示关闭"
        );
    }
    done.give();
    // 4. a 5-byte buffer for an 11-byte datagram, then the next datagram
    let mut small = [0u8; 5];
    receive(&socket, &mut small, &server)?;
    done.give();
    receive(&socket, &mut buf, &server)?;
    say!(
        server,
        "the next recvfrom got the next datagram: the cut-off ' world' is gone"
            | "下一次 recvfrom 拿到的是下一个数据报：被截掉的 b\" world\" 已经没了"
    );
    done.give();
    // 5. the largest datagram
    let mut big = vec![0u8; 65_536];
    receive(&socket, &mut big, &server)?;
    done.give();
    // 6. a burst, on a socket of its own
    burst::server(busy, on_go, done)
}
