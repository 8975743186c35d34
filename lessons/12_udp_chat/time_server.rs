//! The time server (notes C 自制时间服务器): each datagram is a format, answered with the
//! time in it, and never with more than three times the request as it crosses the wire.

use socket2::Socket;
use socket_lessons::guard::quiet::{preview_text, Gate, LogGate};
use socket_lessons::guard::senders::Senders;
use socket_lessons::stage::transcript::describe_ends;
use socket_lessons::wire::clock::{self, Clock};
use socket_lessons::wire::udp::{self, ANY_DATAGRAM};
use socket_lessons::{say, Report, Transcript};
use std::net::SocketAddr;

/// The time server, for ever: each datagram it receives is a format, and it answers with
/// the time in that format.
pub(crate) fn time_server(at: SocketAddr, clock: &Clock) -> Result<(), Report> {
    // 1. socket(AF_INET, SOCK_DGRAM) and bind: no listen, no accept.
    let socket = udp::bind(at)?;
    // Ctrl-C, SIGTERM, SIGHUP, SIGUSR1…: one line, `interrupted`, and exit status 130.
    socket_lessons::guard::ending::say_when_ended();
    let server = Transcript::server();
    say!(
        server,
        "UDP socket bound to {}" | "UDP 套接字绑定到 {}",
        udp::local_addr(&socket)?
    );
    let mut gates = TimeGates::new(udp::local_addr(&socket)?);
    loop {
        // One datagram's trouble costs one line, through its gate like every other kind
        // of event (a flood of datagrams from a forged source that cannot be answered,
        // port 0 or a broadcast address, fails each send); the server goes on.
        if let Err(e) = answer_one(&socket, clock, &server, &mut gates) {
            if shown(&mut gates.failed, &server) {
                say!(
                    server,
                    "{e}; waiting for the next datagram" | "{e}；等下一个数据报"
                );
            }
        }
    }
}

/// Whether this event gets its line; prints the count of those held back first.
fn shown(gate: &mut LogGate, server: &Transcript) -> bool {
    match gate.event() {
        Gate::Show => true,
        Gate::ShowAfter(held) => {
            say!(server, "{held}");
            true
        }
        Gate::Held => false,
    }
}

/// Bytes of IPv4 and UDP headers around every datagram (20 + 8): what a request costs its
/// sender on the wire even when it carries nothing. IPv6's are 48, so counting 28 is the
/// stricter rule there.
const UDP_IPV4_HEADERS: usize = 28;

/// How many times its request, on the wire, an answer may be: QUIC's rule for an address
/// it has not verified (RFC 9000 §8.1).
const AMPLIFICATION: usize = 3;

/// The most bytes a request of `request_len` bytes gets back: three times the request as
/// it crosses the wire, headers included, minus the answer's own headers (`3 × len + 56`
/// over IPv4), and never more than `clock::MAX_ANSWER_LEN`.
///
/// UDP does not check where a datagram comes from: anyone can send a request with a
/// victim's address as its source, and the answer goes to the victim. A server whose
/// answers are much larger than its requests multiplies the attacker's traffic (a
/// *reflection amplifier*: DNS, NTP and memcached have been used so). QUIC counts UDP
/// payload and pads its first datagram to 1200 bytes; this protocol has no padding and its
/// empty request is the notes' own (`%Y-%m-%d %X`), so the rule counts the headers too.
fn answer_budget(request_len: usize) -> usize {
    (AMPLIFICATION * (request_len + UDP_IPV4_HEADERS) - UDP_IPV4_HEADERS).min(clock::MAX_ANSWER_LEN)
}

/// The answer to `request`, never longer than [`answer_budget`]: the time, or an error line
/// (a short one when the full one would not fit). `Ok` is the time, `Err` an error answer.
///
/// The answer is wire bytes, English in both languages (as lesson 06's refusal is): what a
/// client receives does not depend on the language its server's log speaks, and neither do
/// the byte counts the amplification rule is about.
fn time_answer(
    request: &[u8],
    at: chrono::DateTime<chrono::FixedOffset>,
) -> Result<String, String> {
    let most = answer_budget(request.len());
    let answer = match clock::answer(request, at) {
        Ok(time) if time.len() <= most => return Ok(time),
        Ok(time) => format!(
            "error: the answer would be {} bytes; a {}-byte request gets at most {most}",
            time.len(),
            request.len()
        ),
        Err(problem) => format!("error: {problem}"),
    };
    // An error must not amplify either: the notes' `{format!r}` of a 256-byte format full
    // of control characters is 1.5 KB.
    if answer.len() <= most {
        Err(answer)
    } else {
        Err(REFUSED_SHORT.to_owned())
    }
}

/// The error answer when the full one would be too long for its request: 29 bytes, under
/// the 56 that even an empty request may get.
const REFUSED_SHORT: &str = "error: the format was refused";

/// The time server's log, one gate per kind of event: a flood of requests, answered,
/// refused, not answered or failed, costs a few lines a second and a count, not a line
/// each (a request of 0 bytes would otherwise buy a line of 80); and whom it answers
/// ([`Senders`]: never itself, port 0 or a broadcast address, no source more than 50
/// times a second).
pub(crate) struct TimeGates {
    answered: LogGate,
    refused: LogGate,
    unanswered: LogGate,
    failed: LogGate,
    senders: Senders,
}

impl TimeGates {
    /// The gates of a server whose socket is bound to `local`.
    pub(crate) fn new(local: SocketAddr) -> Self {
        TimeGates {
            answered: LogGate::lessons(),
            refused: LogGate::lessons(),
            unanswered: LogGate::lessons(),
            failed: LogGate::lessons(),
            senders: Senders::new(local),
        }
    }
}

/// One request, one answer (notes C 自制时间服务器): the datagram is the format.
pub(crate) fn answer_one(
    socket: &Socket,
    clock: &Clock,
    server: &Transcript,
    gates: &mut TimeGates,
) -> Result<(), Report> {
    // 2. recvfrom. A format is at most 256 bytes; a bigger buffer lets the server say how
    //    big a too-long request was instead of silently reading part of it.
    let mut buf = vec![0u8; ANY_DATAGRAM];
    let d = udp::recv_datagram(socket, &mut buf)?;
    let request = &buf[..d.len];
    // Not from itself, port 0 or a broadcast address, and not too often to one address:
    // one forged datagram must not set the server answering itself (or another server)
    // for ever.
    if let Err(refused) = gates.senders.check(d.from) {
        if shown(&mut gates.unanswered, server) {
            say!(server, "{}: {}" | "{}：{}", d.from, refused.reason());
        }
        return Ok(());
    }
    // 3. strftime with the format received (`%Y-%m-%d %X` for an empty one); a bad format
    //    gets an error answer, not a dead server; no answer is longer than its budget.
    let answer = time_answer(request, clock.now());
    let gate = match answer {
        Ok(_) => &mut gates.answered,
        Err(_) => &mut gates.refused,
    };
    let answer = answer.unwrap_or_else(|error| error);
    let line = match gate.event() {
        Gate::Show => Some(None),
        Gate::ShowAfter(held) => Some(Some(held)),
        Gate::Held => None,
    };
    if let Some(held) = line {
        if let Some(held) = held {
            say!(server, "{held}");
        }
        say!(
            server,
            "recvfrom {}: {} -> {} bytes, at most {}: {}"
                | "recvfrom {}：{} -> {} 字节，上限 {}：{}",
            d.from,
            describe_ends(request, 24),
            answer.len(),
            answer_budget(request.len()),
            preview_text(&answer)
        );
    }
    // 4. sendto the address recvfrom gave.
    socket.send_to(answer.as_bytes(), &d.from.into())?;
    Ok(())
}
