//! The UDP lessons (05, 12) against peers that do not play fair: a reply too big for the
//! client's buffer, a reply from a stranger, a datagram claiming a name it does not own,
//! the largest IPv6 datagram, and datagrams with forged sources: the server's own address,
//! another server's, port 0, a broadcast address.

mod common;

use common::{example, Running, WAIT};
use std::net::UdpSocket;
#[cfg(target_os = "linux")]
use std::time::{Duration, Instant};

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

// ---------------------------------------------------------------------------------------
// Forged source addresses (05, 12): raw IPv4 packets, in a network namespace of the
// test's own, so that nothing outside it sees them
// ---------------------------------------------------------------------------------------

/// Sends one UDP datagram carrying `payload` to `to` with `from` as its source, whatever
/// `from` is: a raw IPv4 packet (IPPROTO_RAW; the kernel fills in the IP checksum and
/// length, the UDP checksum is 0, "none", which IPv4 allows).
#[cfg(target_os = "linux")]
fn forge(from: std::net::SocketAddrV4, to: std::net::SocketAddrV4, payload: &[u8]) {
    let total = 20 + 8 + payload.len();
    let mut packet = vec![
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ];
    packet.extend_from_slice(&from.ip().octets());
    packet.extend_from_slice(&to.ip().octets());
    packet.extend_from_slice(&from.port().to_be_bytes());
    packet.extend_from_slice(&to.port().to_be_bytes());
    packet.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    packet.extend_from_slice(&[0, 0]);
    packet.extend_from_slice(payload);
    send_raw(libc::IPPROTO_RAW, *to.ip(), &packet);
}

/// The first line of `server` containing `needle`, waiting at most [`WAIT`] in all (a
/// server that keeps printing other lines does not stretch the wait).
#[cfg(target_os = "linux")]
fn printed_within_wait(server: &mut Running, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(line) = server.has_printed(needle) {
            return line;
        }
        assert!(
            Instant::now() < deadline,
            "no line with {needle:?} within {WAIT:?}; the last lines: {:#?}",
            server.seen().iter().rev().take(5).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[cfg(target_os = "linux")]
fn loopback(port: u16) -> std::net::SocketAddrV4 {
    std::net::SocketAddrV4::new(std::net::Ipv4Addr::LOCALHOST, port)
}

/// A UDP server to start: its lesson, its arguments, a request and the answer it gets.
#[cfg(target_os = "linux")]
type UdpServer = (
    &'static str,
    Vec<&'static str>,
    &'static [u8],
    &'static [u8],
);

/// The two UDP servers that answer whoever writes: lesson 05's echo and lesson 12's time
/// server (its clock fixed), each with a request and the answer it gets.
#[cfg(target_os = "linux")]
fn udp_servers() -> [UdpServer; 2] {
    [
        ("05_udp", vec!["server", "--port", "0"], b"ping", b"PING"),
        (
            "12_udp_chat",
            vec![
                "server",
                "--port",
                "0",
                "--fixed-time",
                "2021-07-25T22:07:26+08:00",
            ],
            b"%Y",
            b"2021",
        ),
    ]
}

/// One datagram whose source is the server's own address and port: the server does not
/// answer it (the answer would come back to it as a request, for ever), says so in one
/// line, and goes on answering others.
#[cfg(target_os = "linux")]
#[test]
fn datagram_forged_from_the_server_itself() {
    common::in_a_private_network("datagram_forged_from_the_server_itself", || {
        for (lesson, args, request, answer) in udp_servers() {
            let mut server = Running::server_with_env(example(lesson), &args, &[("LANG", "C")]);
            let own = loopback(server.port);
            forge(own, own, request);
            assert_eq!(
                printed_within_wait(&mut server, "own address"),
                format!(
                    "[server] {own}: a datagram from this server's own address (a forged \
                     source): not answered, or the server would answer itself for ever"
                ),
                "{lesson}"
            );
            let client = socket("127.0.0.1:0");
            client.send_to(request, own).unwrap();
            let mut buf = [0u8; 64];
            let (n, _) = client.recv_from(&mut buf).unwrap();
            assert_eq!(&buf[..n], answer, "{lesson}");
            let log = server.stop();
            let about_itself: Vec<&String> = log
                .iter()
                .filter(|l| l.contains(&own.to_string()) && !l.contains("bound to"))
                .collect();
            assert_eq!(about_itself.len(), 1, "{lesson} answered itself: {log:#?}");
        }
    });
}

/// Lesson 05's echo and lesson 12's time server, and one datagram `%Y` sent to the echo
/// with the time server's address as its source: the echo sends `%Y` to the time server,
/// which answers `2021` to the echo, which echoes it back, which the time server reads as a
/// format... for ever, before (1.75 s + 2.03 s of CPU in 5 s). Each address now gets at
/// most 50 answers a second, so the exchange stops after about 50 answers each way, with
/// one line, and both go on serving.
#[cfg(target_os = "linux")]
#[test]
fn the_05_echo_and_the_12_time_server_set_on_each_other_stop() {
    common::in_a_private_network(
        "the_05_echo_and_the_12_time_server_set_on_each_other_stop",
        || {
            let [(_, echo_args, ..), (_, time_args, ..)] = udp_servers();
            let mut echo =
                Running::server_with_env(example("05_udp"), &echo_args, &[("LANG", "C")]);
            let mut time =
                Running::server_with_env(example("12_udp_chat"), &time_args, &[("LANG", "C")]);
            let (echo_addr, time_addr) = (loopback(echo.port), loopback(time.port));
            forge(time_addr, echo_addr, b"%Y");
            let needle = "answers a second to this address: not answered";
            let deadline = Instant::now() + WAIT;
            let line = loop {
                if let Some(line) = echo
                    .has_printed(needle)
                    .or_else(|| time.has_printed(needle))
                {
                    break line;
                }
                assert!(
                    Instant::now() < deadline,
                    "the two servers never stopped answering each other: {:#?} {:#?}",
                    echo.seen().iter().rev().take(3).collect::<Vec<_>>(),
                    time.seen().iter().rev().take(3).collect::<Vec<_>>()
                );
                std::thread::sleep(Duration::from_millis(10));
            };
            let other = if line.contains(&time_addr.to_string()) {
                time_addr
            } else {
                echo_addr
            };
            assert_eq!(
                line,
                format!(
                    "[server] {other}: more than 50 answers a second to this address: not \
                 answered (a forged source, or two servers set on each other)"
                )
            );
            for (server, request, answer) in [
                (echo_addr, &b"hello"[..], &b"HELLO"[..]),
                (time_addr, b"%Y", b"2021"),
            ] {
                let client = socket("127.0.0.1:0");
                client.send_to(request, server).unwrap();
                let mut buf = [0u8; 64];
                let (n, _) = client.recv_from(&mut buf).unwrap();
                assert_eq!(&buf[..n], answer);
            }
            // Stopped, not slowed: neither says another word about the other.
            let (echo_log, time_log) = (echo.stop(), time.stop());
            assert!(
                echo_log.len() + time_log.len() < 40,
                "{echo_log:#?} {time_log:#?}"
            );
        },
    );
}

/// Datagrams forged from addresses no answer can go to: 2000 from port 0 (which sendto
/// refuses with EINVAL) and 500 from 127.255.255.255 (loopback's broadcast address:
/// EACCES). None is answered; the refusals get at most 5 lines in any 10 s, then a count:
/// the log grows by less than a byte per byte on the wire (before: lesson 12 logged 2.37
/// bytes per byte, a failed send's line each; lesson 05 tried to answer every one).
#[cfg(target_os = "linux")]
#[test]
fn datagrams_forged_from_port_0_and_a_broadcast_address_cost_the_log_a_few_lines() {
    common::in_a_private_network(
        "datagrams_forged_from_port_0_and_a_broadcast_address_cost_the_log_a_few_lines",
        || {
            for (lesson, args, request, answer) in udp_servers() {
                let server = Running::server_with_env(example(lesson), &args, &[("LANG", "C")]);
                let to = loopback(server.port);
                let started = Instant::now();
                let mut wire = 0;
                for i in 0..2000u32 {
                    let from = std::net::Ipv4Addr::from(0x7f00_0002 + i % 200);
                    forge(std::net::SocketAddrV4::new(from, 0), to, request);
                    wire += 28 + request.len();
                }
                let broadcast = "127.255.255.255:9".parse().unwrap();
                for _ in 0..500 {
                    forge(broadcast, to, request);
                    wire += 28 + request.len();
                }
                // The server takes datagrams in order: once this one is answered, every
                // forged one has been dealt with (or dropped by a full receive buffer, as
                // this one may be: sent again until answered).
                let client = socket("127.0.0.1:0");
                client
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                let deadline = Instant::now() + WAIT;
                let mut buf = [0u8; 64];
                let n = loop {
                    client.send_to(request, to).unwrap();
                    if let Ok((n, _)) = client.recv_from(&mut buf) {
                        break n;
                    }
                    assert!(Instant::now() < deadline, "{lesson} never answered");
                };
                assert_eq!(&buf[..n], answer, "{lesson}");
                let windows = started.elapsed().as_secs() as usize / 10 + 1;
                let log = server.stop();
                let bytes: usize = log.iter().map(|l| l.len() + 1).sum();
                assert!(
                    bytes < wire,
                    "{lesson}: {bytes} bytes of log for {wire} bytes on the wire: {log:#?}"
                );
                assert!(
                    !log.iter().any(|l| l.contains("sendto 127.255")
                        || l.contains("denied")
                        || l.contains("(os error")),
                    "{lesson} tried to answer a forged source: {log:#?}"
                );
                // Per 10 s: 5 lines and a count of refusals; the first line and the last
                // request's lines besides.
                assert!(
                    log.len() <= windows * 6 + 4,
                    "{lesson}: {} lines in {windows} windows of 10 s: {log:#?}",
                    log.len()
                );
            }
        },
    );
}

/// Datagrams forged from 2000 addresses this namespace has no route to (10.0.x.y): each
/// passes the rules of whom to answer, and each answer fails (`Network is unreachable`).
/// The failure lines go through a gate, 5 in any 10 s, then a count, in lesson 12's time
/// server as in lesson 05 (before, 12 printed a line for every one: 2000 lines).
#[cfg(target_os = "linux")]
#[test]
fn answers_that_cannot_be_sent_cost_the_log_a_few_lines() {
    common::in_a_private_network(
        "answers_that_cannot_be_sent_cost_the_log_a_few_lines",
        || {
            for (lesson, args, request, answer) in udp_servers() {
                let server = Running::server_with_env(example(lesson), &args, &[("LANG", "C")]);
                let to = loopback(server.port);
                let started = Instant::now();
                for i in 0..2000u32 {
                    let from = std::net::Ipv4Addr::from(0x0a00_0001 + i);
                    forge(std::net::SocketAddrV4::new(from, 9), to, request);
                }
                let client = socket("127.0.0.1:0");
                client
                    .set_read_timeout(Some(Duration::from_millis(200)))
                    .unwrap();
                let deadline = Instant::now() + WAIT;
                let mut buf = [0u8; 64];
                let n = loop {
                    client.send_to(request, to).unwrap();
                    if let Ok((n, _)) = client.recv_from(&mut buf) {
                        break n;
                    }
                    assert!(Instant::now() < deadline, "{lesson} never answered");
                };
                assert_eq!(&buf[..n], answer, "{lesson}");
                let windows = started.elapsed().as_secs() as usize / 10 + 1;
                let log = server.stop();
                let failures = log.iter().filter(|l| l.contains("(os error")).count();
                assert!(failures >= 1, "{lesson}: no failed send at all: {log:#?}");
                assert!(
                    failures <= windows * 5,
                    "{lesson}: {failures} failure lines in {windows} windows of 10 s"
                );
            }
        },
    );
}

/// Sends `to` an ICMP "destination unreachable" with `code`, quoting a UDP datagram from
/// `to` to `about` (the kernel matches it to `to`'s socket connected to `about`).
#[cfg(target_os = "linux")]
fn forge_unreachable(code: u8, to: std::net::SocketAddrV4, about: std::net::SocketAddrV4) {
    let mut quoted = vec![0x45, 0, 0, 33, 0, 0, 0x40, 0, 64, 17, 0, 0];
    quoted.extend_from_slice(&to.ip().octets());
    quoted.extend_from_slice(&about.ip().octets());
    quoted.extend_from_slice(&to.port().to_be_bytes());
    quoted.extend_from_slice(&about.port().to_be_bytes());
    quoted.extend_from_slice(&[0, 13, 0, 0]);
    let mut icmp = vec![3, code, 0, 0, 0, 0, 0, 0];
    icmp.extend_from_slice(&quoted);
    let sum = icmp
        .chunks(2)
        .map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)])))
        .sum::<u32>();
    let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    send_raw(libc::IPPROTO_ICMP, *to.ip(), &icmp);
}

/// Attack 17: one forged ICMP "protocol unreachable" (code 2) or "communication
/// administratively prohibited" (code 13, a firewall's REJECT) quoting the client's
/// datagram ended lesson 05's and 12's clients (`Error: Protocol not available`). It is a
/// lost answer: one line, and the next line goes out.
#[cfg(target_os = "linux")]
#[test]
fn udp_clients_take_a_forged_icmp_error_as_a_lost_answer() {
    common::in_a_private_network(
        "udp_clients_take_a_forged_icmp_error_as_a_lost_answer",
        || {
            for (lesson, code) in [("05_udp", 2), ("12_udp_chat", 13)] {
                let (fake, mut client) = common::udp_client_and_fake_server(lesson);
                let port = fake.local_addr().unwrap().port();
                let mut buf = [0u8; 1024];
                client.type_line("first");
                let (_, from) = fake.recv_from(&mut buf).unwrap();
                forge_unreachable(code, loopback(from.port()), loopback(port));
                let line = client.line_containing("no answer");
                assert!(
                    line.contains("the network sent back an error"),
                    "{lesson}: {line}"
                );
                client.type_line("second");
                let (n, _) = fake.recv_from(&mut buf).unwrap();
                assert_eq!(&buf[..n], b"second", "{lesson}");
            }
        },
    );
}

/// Sends `packet` on a raw IPv4 socket of `protocol` (IPPROTO_RAW: `packet` carries its own
/// IP header; IPPROTO_ICMP: the kernel adds one) to `to`.
#[cfg(target_os = "linux")]
fn send_raw(protocol: libc::c_int, to: std::net::Ipv4Addr, packet: &[u8]) {
    // SAFETY: a raw socket made and closed here; sendto reads `packet` and `dest`, both
    // alive for the call.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_RAW, protocol);
        assert!(fd >= 0, "raw socket: {}", std::io::Error::last_os_error());
        let dest = libc::sockaddr_in {
            sin_family: libc::AF_INET as libc::sa_family_t,
            sin_port: 0,
            sin_addr: libc::in_addr {
                s_addr: u32::from(to).to_be(),
            },
            sin_zero: [0; 8],
        };
        let sent = libc::sendto(
            fd,
            packet.as_ptr().cast(),
            packet.len(),
            0,
            std::ptr::addr_of!(dest).cast(),
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
        );
        assert_eq!(
            sent,
            packet.len() as isize,
            "{}",
            std::io::Error::last_os_error()
        );
        libc::close(fd);
    }
}
