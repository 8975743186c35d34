//! The check of exercise 12: a scripted UDP time server that answers, loses a request,
//! answers again, and lets a stranger's datagram arrive before its answer.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use socket_lessons::wire::clock::{self, Clock};
use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

type AskTime = fn(SocketAddr, &str, Duration) -> io::Result<Option<Vec<u8>>>;

/// The server's clock, fixed as in lesson 12's demo.
const NOW: &str = "2021-07-25T22:07:26+08:00";
/// What a call that is answered at once may wait: never reached by a right answer.
const ANSWERED_WAIT: Duration = Duration::from_secs(5);
/// What the call whose request is lost waits before it gives up.
const LOST_WAIT: Duration = Duration::from_millis(300);
/// What the stranger sends first in the last step.
const FORGED: &[u8] = b"13:37:00";

/// What the scripted server does with each request, in order.
#[derive(Clone, Copy)]
enum Script {
    Answer,
    Lose,
    StrangerFirst,
}

const SCRIPT: [Script; 4] = [
    Script::Answer,
    Script::Lose,
    Script::Answer,
    Script::StrangerFirst,
];

pub fn check(solution: bool) -> Outcome {
    let ask: AskTime = if solution {
        crate::solution_12::ask_time
    } else {
        crate::learner_12::ask_time
    };
    Steps::run(|steps| run(ask, steps))
}

/// The time server: one request per step of [`SCRIPT`]; reports each request it got.
fn time_server() -> io::Result<(SocketAddr, Receiver<Vec<u8>>)> {
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    let stranger = UdpSocket::bind("127.0.0.1:0")?;
    socket.set_read_timeout(Some(STUCK))?;
    let addr = socket.local_addr()?;
    let at = match Clock::fixed(NOW) {
        Ok(clock) => clock.now(),
        Err(e) => return Err(io::Error::other(e)),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 2048];
        for script in SCRIPT {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                return;
            };
            let request = buf[..n].to_vec();
            let answer = clock::answer(&request, at).unwrap_or_else(|e| format!("error: {e}"));
            match script {
                Script::Answer => {
                    let _ = socket.send_to(answer.as_bytes(), from);
                }
                Script::Lose => {}
                Script::StrangerFirst => {
                    // Sent before the server's answer: on loopback it is queued first.
                    let _ = stranger.send_to(FORGED, from);
                    let _ = socket.send_to(answer.as_bytes(), from);
                }
            }
            if tx.send(request).is_err() {
                return;
            }
        }
    });
    Ok((addr, rx))
}

fn run(ask: AskTime, steps: &mut Steps) -> Result<(), Failure> {
    let (server, requests) =
        time_server().map_err(|e| Failure::new(format!("set up the time server: {e}")))?;

    call(
        ask,
        server,
        &requests,
        "%Y-%m-%d %X",
        ANSWERED_WAIT,
        Some(b"2021-07-25 22:07:26"),
        "the server answered: return Ok(Some(the answer)).",
        "request 1, answered",
    )?;
    steps.ok("request 1, \"%Y-%m-%d %X\": the answer b\"2021-07-25 22:07:26\" is returned");

    call(
        ask,
        server,
        &requests,
        "%H:%M",
        LOST_WAIT,
        None,
        "a lost datagram: UDP does not resend, so the answer will never come, and recvfrom \
         without a time limit waits for ever (the notes' client does). Set a read timeout of \
         `wait` (set_read_timeout), and turn the timeout error (WouldBlock or TimedOut) into \
         Ok(None) (docs/12, \"Waiting for an answer that will not come\").",
        "request 2, lost: the server never answers",
    )?;
    steps.ok(format!(
        "request 2, \"%H:%M\", is lost: Ok(None) after the {} ms wait",
        LOST_WAIT.as_millis()
    ));

    call(
        ask,
        server,
        &requests,
        "%A",
        ANSWERED_WAIT,
        Some(b"Sunday"),
        "the server answered: return Ok(Some(the answer)).",
        "request 3, answered (after a lost one)",
    )?;
    steps.ok("request 3, \"%A\": the answer b\"Sunday\" is returned");

    call(
        ask,
        server,
        &requests,
        "%X",
        ANSWERED_WAIT,
        Some(b"22:07:26"),
        "on UDP anyone can send to your port, and recvfrom returns whatever came first. Only \
         a datagram from the server's address is the answer: compare the address recvfrom \
         gives, or connect() the socket to the server so that the kernel drops the others \
         (docs/12, \"connect on UDP\").",
        "request 4, with a stranger's datagram b\"13:37:00\" arriving just before the answer",
    )?;
    steps.ok("request 4, \"%X\": a stranger's datagram is not taken for the answer b\"22:07:26\"");
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn call(
    ask: AskTime,
    server: SocketAddr,
    requests: &Receiver<Vec<u8>>,
    format: &'static str,
    wait: Duration,
    want: Option<&[u8]>,
    hint: &str,
    step: &str,
) -> Result<(), Failure> {
    let expected = match want {
        Some(answer) => format!("Ok(Some({}))", shown(answer)),
        None => "Ok(None): no answer within the wait".into(),
    };
    let head = || {
        Failure::new(step)
            .detail(format!(
                "ask_time(server, {format:?}, {} ms)",
                wait.as_millis()
            ))
            .detail(format!("expected: {expected}"))
    };
    let got = within(STUCK, move || ask(server, format, wait)).ok_or_else(|| {
        head()
            .detail(format!(
                "got: no return within {} s: ask_time is still waiting for an answer (or it \
                 panicked)",
                STUCK.as_secs()
            ))
            .hint(hint)
    })?;
    // What the server received, so that a wrong request is named as such.
    match requests.recv_timeout(STUCK) {
        Ok(request) if request == format.as_bytes() => {}
        Ok(request) => {
            return Err(head()
                .detail(format!(
                    "the server received {}, not the format {}",
                    shown(&request),
                    shown(format.as_bytes())
                ))
                .hint("send the format's bytes as they are, in one datagram."))
        }
        Err(_) => {
            return Err(head()
                .detail("the server received no request")
                .hint("send the format to the server's address, in one datagram."))
        }
    }
    let right = match (&got, want) {
        (Ok(Some(answer)), Some(want)) => answer == want,
        (Ok(None), None) => true,
        _ => false,
    };
    if right {
        return Ok(());
    }
    let got = match &got {
        Ok(Some(answer)) if answer == FORGED => {
            format!("Ok(Some({})): the stranger's datagram", shown(answer))
        }
        Ok(Some(answer)) => format!("Ok(Some({}))", shown(answer)),
        Ok(None) => "Ok(None)".into(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    };
    Err(head().detail(format!("got: {got}")).hint(hint))
}
