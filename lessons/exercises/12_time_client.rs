//! Exercise 12: a time client that does not wait for ever.
//!
//! Lesson 12's time server (notes C 自制时间服务器) answers each datagram, a `strftime`
//! format, with the time in that format. `ask_time` below is the notes' client: send the
//! format, then `recvfrom` and wait for the answer. UDP does not resend: when the request
//! or the answer is lost, nothing ever comes, and the client waits for ever.
//!
//! Make `ask_time` return `Ok(Some(answer))` when the server answers, and `Ok(None)` when no
//! answer comes within `wait`. What the check does at the edges:
//!
//! - an answer that comes at once is returned at once, whatever `wait` is (the check
//!   gives 30 s); answers may be up to 1024 bytes long (the check's longest is), returned
//!   whole and as they came (spaces or a newline at the ends included);
//! - a lost request: `Ok(None)` after `wait`, not an error;
//! - an answer counts only if it comes from `server` (address and port): a datagram from
//!   anyone else is not the answer (another port, or another address with the same port), and it does not start the wait again: a stranger who
//!   sends every 20 ms must not keep the client waiting past `wait`;
//! - each call sends the format as it is, in one datagram, and closes its socket: the
//!   check makes two calls on one thread and sends the answer to the first once it has
//!   given up; it must not come back as the second call's answer.
//!
//! Check it: `cargo run --example check -- 12` (`--watch` checks again on every save).
//! The page: docs/12_udp_chat.md (中文: docs/zh-CN/12_udp_chat.md).

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Asks the time server at `server` for the time in `format`: its answer, or `None` when
/// none comes within `wait`.
pub fn ask_time(server: SocketAddr, format: &str, wait: Duration) -> io::Result<Option<Vec<u8>>> {
    // The notes' client waits as long as it takes: no time limit.
    let _ = wait;
    let any: SocketAddr = if server.is_ipv4() {
        "0.0.0.0:0".parse().expect("an address")
    } else {
        "[::]:0".parse().expect("an address")
    };
    let socket = UdpSocket::bind(any)?;
    socket.send_to(format.as_bytes(), server)?;
    let mut buf = [0u8; 1024];
    let (n, _from) = socket.recv_from(&mut buf)?;
    Ok(Some(buf[..n].to_vec()))
}
