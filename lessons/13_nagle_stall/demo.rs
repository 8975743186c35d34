//! The demo: every way of writing a request, against the course's server (a second one
//! with `--quickack` for the receiver's fix), 50 exchanges each, then the ratios.

use crate::ways::{self, Way};
use crate::{exchange, report, serve, BODY_LEN, EXCHANGES};
use socket_lessons::guard::limits;
use socket_lessons::stage::demo;
use socket_lessons::wire::net::ListenOptions;
use socket_lessons::{say, tr, Report, Transcript};
use std::net::SocketAddr;
use std::time::Duration;

/// The label of the demo's own lines.
fn lesson() -> Transcript {
    Transcript::named(socket_lessons::lang::pick("lesson 13", "第 13 课"))
}

/// One server and the ways its clients take, in turn.
struct Round {
    /// Whether the server re-arms TCP_QUICKACK before each read.
    quickack: bool,
    ways: &'static [Way],
}

/// The demo's rounds: the stall and the two sender-side fixes; the receiver-side fix;
/// two more ways to gather writes, and Linux's own rule (Linux only).
const ROUNDS: [Round; 3] = [
    Round {
        quickack: false,
        ways: &[Way::Two, Way::One, Way::TwoNodelay],
    },
    Round {
        quickack: true,
        ways: &[Way::Two],
    },
    Round {
        quickack: false,
        ways: &[Way::Cork, Way::MsgMore, Way::FullFirst, Way::ShortFirst],
    },
];

pub(crate) fn run_demo() -> Result<(), Report> {
    say!(
        lesson(),
        "the same loop several ways: {EXCHANGES} exchanges of a {}-byte request (4-byte header \
         + {BODY_LEN}-byte body) and its answer"
            | "同一个循环，几种写法：{EXCHANGES} 次交换，每次是一个 {} 字节的请求（4 字节的固定报头 \
         + {BODY_LEN} 字节的真实数据）和它的回答",
        BODY_LEN + 4
    );
    let client = Transcript::client();
    let mut per_exchange: Vec<(&str, Duration)> = Vec::new();
    for round in &ROUNDS {
        if !cfg!(target_os = "linux") && (round.quickack || round.ways[0].linux_only()) {
            say!(
                lesson(),
                "{}: Linux only, skipped here" | "{}：只有 Linux 有，这里跳过",
                if round.quickack {
                    "TCP_QUICKACK"
                } else {
                    "TCP_CORK, MSG_MORE, TCP_MAXSEG"
                }
            );
            continue;
        }
        let quickack = round.quickack;
        let stage = demo::stage_saying(
            |addr: SocketAddr| {
                if quickack {
                    socket_lessons::tr!(
                        "listening on {addr}; TCP_QUICKACK set again before every read"
                            | "在 {addr} 上监听；每次读之前重新设置 TCP_QUICKACK"
                    )
                } else {
                    socket_lessons::tr!("listening on {addr}" | "在 {addr} 上监听")
                }
            },
            ListenOptions::new(),
            round.ways.len(),
            move |listener, hooks| {
                serve(
                    &listener,
                    Duration::from_secs(limits::DEFAULT_IDLE_SECS),
                    quickack,
                    &hooks,
                );
                Ok(())
            },
        )?;
        for &way in round.ways {
            let label = if quickack {
                socket_lessons::tr!(
                    "two writes, Nagle on, TCP_QUICKACK on the server"
                        | "两次写，Nagle 开着，服务端用 TCP_QUICKACK"
                )
            } else {
                way.label()
            };
            let how = if quickack {
                socket_lessons::tr!(
                    "the notes' way; the server acknowledges each segment at once"
                        | "笔记的写法；服务端收到每个报文段立刻确认"
                )
            } else {
                way.how()
            };
            say!(client, "{label}: {how}" | "{label}：{how}");
            let mut stream = ways::connect(stage.addr, way)?;
            stage.accepted()?; // demo only: the server's accept line first
            let timing = exchange(&mut stream, way, EXCHANGES)?;
            report(&client, &timing);
            drop(stream);
            stage.finished()?;
            let key = match (quickack, way) {
                (true, _) => "quickack",
                (false, way) => way.name(),
            };
            per_exchange.push((key, timing.per_exchange()));
        }
        stage.end()?;
    }

    // The ratios, against one write.
    let took = |key: &str| {
        per_exchange
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, time)| time.as_secs_f64())
    };
    let one = took("one").unwrap_or(0.0).max(f64::MIN_POSITIVE);
    let result = Transcript::named(socket_lessons::lang::pick("result", "结果"));
    for (key, what) in [
        (
            "two",
            tr!("two writes with Nagle on" | "Nagle 开着的两次写"),
        ),
        (
            "two-nodelay",
            tr!("two writes with TCP_NODELAY" | "TCP_NODELAY 的两次写"),
        ),
        (
            "quickack",
            tr!("two writes with TCP_QUICKACK on the server" | "服务端用 TCP_QUICKACK 的两次写"),
        ),
        (
            "cork",
            tr!("two writes inside TCP_CORK" | "TCP_CORK 里的两次写"),
        ),
        (
            "msg-more",
            tr!("a header with MSG_MORE" | "带 MSG_MORE 发固定报头"),
        ),
        (
            "full-first",
            tr!("a full first segment" | "第一段写满一个报文段"),
        ),
        (
            "short-first",
            tr!("a first segment one byte short" | "第一段比满报文段少一个字节"),
        ),
    ] {
        if let Some(time) = took(key) {
            say!(
                result,
                "per exchange, {what} took {:.1}× as long as one write"
                    | "每次交换，{what}的用时是一次写的 {:.1}×",
                time / one
            );
        }
    }
    say!(
        Transcript::named(socket_lessons::lang::pick("summary", "总结")),
        "two writes stall only where both halves meet: Nagle holding back a second small segment while the first is unacknowledged, and a receiver delaying that acknowledgement; take away either (one write, TCP_NODELAY, quick ACKs, a cork or MSG_MORE, a full first segment) and an exchange costs about what one write costs"
            | "两次写只有在两件事同时发生时才会卡住：第一个小报文段还没被确认时，Nagle 扣住第二个小报文段；接收方又推迟了这个确认。去掉任何一方（一次写、TCP_NODELAY、快速确认、cork 或 MSG_MORE、第一段写满），每次交换的用时就和一次写差不多"
    );
    Ok(())
}
