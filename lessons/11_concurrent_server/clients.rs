//! What every way shares: who is connected, what idling cost, and the demo's hooks.

use crate::conn::Ending;
use socket_lessons::guard::quiet::{Gate, LogGate};
use socket_lessons::stage::demo::Hooks;
use socket_lessons::stage::measure;
use socket_lessons::{say, Transcript};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many clients the server takes: in all, and from one address.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub clients: usize,
    pub per_address: usize,
}

/// What the per-address cap counts: an IPv4 address, or the /64 an IPv6 address is in (a
/// host is usually given a whole /64, and could otherwise use a new address per
/// connection). An IPv4 address seen through an IPv6 socket (`::ffff:1.2.3.4`) is IPv4.
fn address_key(addr: SocketAddr) -> IpAddr {
    match addr.ip().to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// The server's bookkeeping, shared by all its threads.
pub struct Clients {
    caps: Caps,
    state: Mutex<Connected>,
    /// The demo's: told after each accept line and after each "closed" line, and asked,
    /// when a connection arrives, whether the demo has more clients; the demo stops a
    /// server blocked in `accept` by connecting once after its last client.
    /// [`Hooks::none`] in two-terminal mode: every arrival is a client.
    hooks: Hooks,
}

struct Connected {
    count: usize,
    /// Clients welcomed so far, for [`Hooks::more`].
    served: usize,
    /// Connections refused since the server became full: the first gets a line, the rest
    /// are counted (a client connecting again and again must not grow the log).
    refused: usize,
    /// How many clients each address (see [`address_key`]) has connected now.
    per_address: HashMap<IpAddr, usize>,
    /// Refusals of an address at its cap: a few lines per 10 s, then a count.
    address_refusals: LogGate,
    /// Connections that broke (a reset, an error): a few lines per 10 s, then a count. A
    /// peer that connects and resets in a loop costs each time its accept line (about 60
    /// bytes, for the 150 bytes of its SYN, ACK and RST), not a second line for the reset.
    broken: LogGate,
    /// The lines that say what idling cost: a few per 10 s (a client connecting again and
    /// again makes an idle time of a few microseconds each time).
    idle_lines: LogGate,
    /// When the server last became idle (no client connected), and the process's CPU time
    /// then. `None` while clients are connected.
    idle_since: Option<(Instant, Option<Duration>)>,
}

/// What [`Clients::arrive`] decided about a new connection.
pub enum Arrival {
    Welcome,
    Full,
    Stop,
}

impl Clients {
    /// Whether this server serves a demo's clients (not two-terminal mode).
    pub fn in_a_demo(&self) -> bool {
        self.hooks.in_a_demo()
    }

    /// `report_first_idle`: whether the time before the first client counts as idle (in
    /// two-terminal mode it does: start the busy server, wait, connect, read the line).
    pub fn new(hooks: Hooks, report_first_idle: bool, caps: Caps) -> Self {
        Clients {
            caps,
            state: Mutex::new(Connected {
                count: 0,
                served: 0,
                refused: 0,
                per_address: HashMap::new(),
                address_refusals: LogGate::lessons(),
                broken: LogGate::lessons(),
                idle_lines: LogGate::lessons(),
                idle_since: report_first_idle.then(idle_mark),
            }),
            hooks,
        }
    }

    /// A client connected. Prints what the idle time before it cost, then the accept line.
    /// Returns `Arrival::Stop` when the demo is over, `Arrival::Full` when the server
    /// already has its most clients, or the client's address its most connections.
    pub fn arrive(&self, addr: SocketAddr) -> Arrival {
        let server = Transcript::server();
        // A poisoned lock only means another thread panicked while printing; the count
        // is still right (it is updated before anything that could panic).
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let idle = state.idle_since.take();
        if let Some((since, cpu_then)) = idle.filter(|_| state.idle_lines.admit().is_some()) {
            let wall = since.elapsed();
            match (cpu_then, measure::process_cpu_time()) {
                (Some(then), Some(now)) => say!(
                    server,
                    "no client connected for {}; the process used {} of CPU meanwhile"
                        | "已经有 {} 没有客户端连着；这段时间里进程用了 {} 的 CPU",
                    measure::ms(wall),
                    measure::ms(now.saturating_sub(then))
                ),
                _ => say!(
                    server,
                    "no client connected for {} (CPU time not measurable here)"
                        | "已经有 {} 没有客户端连着（这里测不了 CPU 时间）",
                    measure::ms(wall)
                ),
            }
        }
        if !self.hooks.more(state.served) {
            say!(server, "the demo is over: stop" | "演示结束：停止");
            return Arrival::Stop;
        }
        let max = self.caps.clients;
        if state.count >= max {
            if state.refused == 0 {
                say!(
                    server,
                    "{addr} refused: already {max} clients (more refusals are counted, not shown)"
                        | "拒绝 {addr}：已经有 {max} 个客户端了（之后的拒绝只计数，不再显示）"
                );
            }
            state.refused += 1;
            return Arrival::Full;
        }
        let key = address_key(addr);
        let from_there = state.per_address.get(&key).copied().unwrap_or(0);
        if from_there >= self.caps.per_address {
            let line = socket_lessons::tr!(
                "{addr} refused: already {from_there} connections from {key} (the most from one address)"
                    | "拒绝 {addr}：{key} 已经有 {from_there} 条连接（一个地址最多这么多）"
            );
            match state.address_refusals.event() {
                Gate::Show => say!(server, "{line}"),
                Gate::ShowAfter(held) => {
                    say!(server, "{held}");
                    say!(server, "{line}");
                }
                Gate::Held => {}
            }
            return Arrival::Full;
        }
        *state.per_address.entry(key).or_insert(0) += 1;
        if state.refused > 0 {
            say!(
                server,
                "accepting again; {} connection(s) refused while full"
                    | "又开始 accept 了；满员期间拒绝了 {} 条连接",
                std::mem::take(&mut state.refused)
            );
        }
        state.count += 1;
        state.served += 1;
        say!(
            server,
            "accept -> a connection from {addr} ({} connected)"
                | "accept -> 来自 {addr} 的连接（现在有 {} 条连接）",
            state.count
        );
        self.hooks.accepted();
        Arrival::Welcome
    }

    /// A client left (or broke); `ending` says how. A broken connection's line goes
    /// through a gate: a few in any 10 s, then a count before the next one shown.
    pub fn leave(&self, addr: SocketAddr, ending: &Ending) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.count -= 1;
        let key = address_key(addr);
        if let Some(n) = state.per_address.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                state.per_address.remove(&key);
            }
        }
        let shown = if ending.broke {
            state.broken.admit()
        } else {
            Some(0)
        };
        let server = Transcript::server();
        if let Some(held) = shown.filter(|held| *held > 0) {
            say!(
                server,
                "({held} more broken connections were not logged)"
                    | "（另有 {held} 条断掉的连接没有写进日志）"
            );
        }
        if shown.is_some() {
            let why = &ending.why;
            say!(
                server,
                "{addr} {why} ({} still connected)" | "{addr} {why}（还有 {} 条连接）",
                state.count
            );
        }
        if state.count == 0 {
            state.idle_since = Some(idle_mark());
        }
        self.hooks.finished();
    }
}

fn idle_mark() -> (Instant, Option<Duration>) {
    (Instant::now(), measure::process_cpu_time())
}
