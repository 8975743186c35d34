//! The UDP lessons (05, 12) against peers that do not play fair: a reply too big for the
//! client's buffer, a reply from a stranger, a datagram claiming a name it does not own,
//! and the largest IPv6 datagram.

mod common;

use common::{example, Running, WAIT};
use std::net::UdpSocket;

fn socket(addr: &str) -> UdpSocket {
    let s = UdpSocket::bind(addr).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s
}

/// A "server" that answers the first datagram twice: first from a stranger's socket, then
/// from its own with `reply`.
fn answering_server(reply: Vec<u8>) -> (u16, std::thread::JoinHandle<()>) {
    let server = socket("127.0.0.1:0");
    let port = server.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        let (_, client) = server.recv_from(&mut buf).unwrap();
        socket("127.0.0.1:0")
            .send_to(b"from a stranger", client)
            .unwrap();
        server.send_to(&reply, client).unwrap();
    });
    (port, handle)
}

#[test]
fn the_05_client_reports_a_cut_reply_and_hears_only_its_server() {
    let (port, server) = answering_server(vec![b'x'; 3000]);
    let out = snapbox::cmd::Command::new(example("05_udp"))
        .args(["client", "--port", &port.to_string()])
        .stdin("hi\nq\n")
        .timeout(std::time::Duration::from_secs(60))
        .with_assert(common::assert())
        .assert()
        .success();
    server.join().unwrap();
    out.stdout_eq(
        r#"[client] sendto 127.0.0.1:[PORT]: 2 bytes b"hi"
[client] recvfrom(1024) <- 127.0.0.1:[PORT]: the datagram of 3000 bytes did not fit: 1976 bytes of it were thrown away
[client] kept 1024 bytes b"xxxxxxxxxxxxxxxx"…b"xxxxxxxxxxxxxxxx"
"#,
    );
}

#[test]
fn the_12_time_client_reports_a_cut_answer() {
    let (port, server) = answering_server(vec![b'x'; 3000]);
    let out = snapbox::cmd::Command::new(example("12_udp_chat"))
        .args(["client", "--port", &port.to_string()])
        .stdin("%Y\nq\n")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    server.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("stranger"), "{text}");
    assert!(
        text.ends_with(
            "[client] the answer was 3000 bytes: only the first 1024 fit in this client's buffer, the other 1976 were thrown away\n"
        ),
        "{text}"
    );
}

/// The echo answers a datagram with exactly as many bytes as it carried: only ASCII letters
/// are upper-cased. 512 × `ΐ` (U+0390, 1,024 bytes) came back as 3,072 bytes when the
/// server used Unicode's upper-casing (a threefold reflector for a forged source).
#[test]
fn the_05_echo_answers_exactly_as_many_bytes_as_it_got() {
    let server = Running::server(example("05_udp"), &["server", "--port", "0"]);
    let client = socket("127.0.0.1:0");
    let mut buf = [0u8; 4096];
    for request in ["ΐ".repeat(512), "ᾀ".repeat(341), "straße ŉ".to_owned()] {
        client
            .send_to(request.as_bytes(), ("127.0.0.1", server.port))
            .unwrap();
        let (n, _) = client.recv_from(&mut buf).unwrap();
        assert_eq!(n, request.len(), "{:?}…", &request[..8]);
        assert_eq!(&buf[..n], request.to_ascii_uppercase().as_bytes());
    }
}

#[test]
fn a_chat_peer_given_with_peer_keeps_its_address_whatever_a_datagram_claims() {
    let alice = socket("127.0.0.1:0");
    let alice_addr = alice.local_addr().unwrap();
    let mut bob = Running::server(
        example("12_udp_chat"),
        &[
            "chat",
            "--name",
            "bob",
            "--port",
            "0",
            "--peer",
            &format!("alice={alice_addr}"),
        ],
    );
    let mallory = socket("127.0.0.1:0");
    mallory
        .send_to(b"[alice] send it to me", ("127.0.0.1", bob.port))
        .unwrap();
    let line = bob.line_containing("says it is alice");
    assert!(
        line.contains(&format!(
            "says it is alice, but alice is at {alice_addr} (--peer): not followed"
        )),
        "{line}"
    );
    bob.type_line("@alice hello");
    let mut buf = [0u8; 64];
    let (n, from) = alice.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"[bob] hello");
    assert_eq!(from.port(), bob.port);
}

#[test]
fn a_chat_peer_without_a_name_is_shown_by_its_address_once() {
    let mut bob = Running::server(
        example("12_udp_chat"),
        &["chat", "--name", "bob", "--port", "0"],
    );
    let stranger = socket("127.0.0.1:0");
    let addr = stranger.local_addr().unwrap();
    stranger.send_to(b"hello", ("127.0.0.1", bob.port)).unwrap();
    bob.line_containing("no name, says");
    bob.type_line("hi");
    let line = bob.line_containing("sendto");
    assert_eq!(line, format!(r#"[bob] sendto {addr}: 8 bytes b"[bob] hi""#));
}

#[test]
fn the_largest_ipv6_datagram_arrives_whole() {
    let Ok(sender) = UdpSocket::bind("[::1]:0") else {
        eprintln!("skipped: no IPv6 loopback here");
        return;
    };
    let mut bob = Running::server(
        example("12_udp_chat"),
        &["chat", "--name", "bob", "--host", "::1", "--port", "0"],
    );
    sender
        .send_to(&vec![0xff; 65_527], ("::1", bob.port))
        .unwrap();
    let line = bob.line_containing("not UTF-8");
    assert!(line.contains("ignored: 65527 bytes"), "{line}");
}
