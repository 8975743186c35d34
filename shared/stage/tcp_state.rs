//! TCP states as the kernel reports them: the state of a socket this process holds, and the
//! state of any connection in the kernel's own table, descriptor or not.
//!
//! The notes draw the three-way handshake (三次握手) and the teardown (四次挥手) as
//! pictures. The kernel keeps the real thing: every TCP socket has a state (LISTEN,
//! ESTABLISHED, FIN_WAIT2, CLOSE_WAIT, TIME_WAIT, …), and Linux reports it two ways:
//! - [`of`]: `getsockopt(fd, IPPROTO_TCP, TCP_INFO)`, whose first field `tcpi_state` is the
//!   state of *that* socket. Needs a descriptor.
//! - [`lookup`]: the kernel's table of every TCP socket, `/proc/net/tcp` and
//!   `/proc/net/tcp6` (what `netstat` reads; `ss` asks the same table through sock_diag).
//!   This one also sees the sockets nobody holds a descriptor for: a connection still in
//!   the accept queue, or one its program has already closed (FIN_WAIT2, TIME_WAIT).
//!
//! Beside the state, the same two places give what `ss -ti` and `nstat` print: [`info`]
//! (`TCP_INFO`'s round-trip time and unacknowledged segments), [`queues`] (the table's
//! Send-Q and Recv-Q, which for a listening socket is its accept queue), and [`counter`]
//! (the machine's TCP counters, `/proc/net/netstat`: `TcpExtListenOverflows`…).
//!
//! Elsewhere than Linux both return `None`: [`OBSERVABLE`] says which case this is.
//!
//! States are named as `netstat` and the kernel's headers name them (`FIN_WAIT2`);
//! [`TcpState::ss_name`] gives `ss`'s short form (`FIN-WAIT-2`).

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

/// Whether this system reports TCP states to the lessons (Linux only).
pub const OBSERVABLE: bool = cfg!(target_os = "linux");

/// A TCP state, numbered as Linux numbers them (`include/net/tcp_states.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpState {
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    /// A connection request in the middle of the handshake (SYN received, SYN+ACK sent),
    /// kept as a small "request socket" until the client's ACK arrives.
    NewSynRecv = 12,
}

impl TcpState {
    /// The state with Linux's number `code`, if there is one.
    pub fn from_code(code: u8) -> Option<Self> {
        use TcpState::*;
        Some(match code {
            1 => Established,
            2 => SynSent,
            3 => SynRecv,
            4 => FinWait1,
            5 => FinWait2,
            6 => TimeWait,
            7 => Close,
            8 => CloseWait,
            9 => LastAck,
            10 => Listen,
            11 => Closing,
            12 => NewSynRecv,
            _ => return None,
        })
    }

    /// The name Linux's `netstat` prints (`FIN_WAIT2`, `SYN_RECV`; RFC 9293 writes FIN-WAIT-2
    /// and SYN-RECEIVED).
    pub fn name(self) -> &'static str {
        use TcpState::*;
        match self {
            Established => "ESTABLISHED",
            SynSent => "SYN_SENT",
            SynRecv => "SYN_RECV",
            FinWait1 => "FIN_WAIT1",
            FinWait2 => "FIN_WAIT2",
            TimeWait => "TIME_WAIT",
            Close => "CLOSE",
            CloseWait => "CLOSE_WAIT",
            LastAck => "LAST_ACK",
            Listen => "LISTEN",
            Closing => "CLOSING",
            NewSynRecv => "NEW_SYN_RECV",
        }
    }

    /// The name `ss` prints: `ESTAB`, `FIN-WAIT-2`, `UNCONN` for a closed socket.
    pub fn ss_name(self) -> &'static str {
        use TcpState::*;
        match self {
            Established => "ESTAB",
            SynSent => "SYN-SENT",
            SynRecv | NewSynRecv => "SYN-RECV",
            FinWait1 => "FIN-WAIT-1",
            FinWait2 => "FIN-WAIT-2",
            TimeWait => "TIME-WAIT",
            Close => "UNCONN",
            CloseWait => "CLOSE-WAIT",
            LastAck => "LAST-ACK",
            Listen => "LISTEN",
            Closing => "CLOSING",
        }
    }
}

impl fmt::Display for TcpState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The state of a socket this process holds a descriptor for (a `TcpListener`, a
/// `TcpStream`, a socket2 `Socket`): `Ok(None)` where the system does not report it.
#[cfg(target_os = "linux")]
pub fn of<S: std::os::fd::AsRawFd>(socket: &S) -> io::Result<Option<TcpState>> {
    // SAFETY: `info` is a plain C struct that getsockopt fills in; `len` tells the kernel
    // its size, and the kernel writes at most that many bytes.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(TcpState::from_code(info.tcpi_state))
}

/// The state of a socket this process holds: not observable on this system.
#[cfg(not(target_os = "linux"))]
pub fn of<S>(_socket: &S) -> io::Result<Option<TcpState>> {
    Ok(None)
}

/// A few fields of `TCP_INFO` for a socket this process holds: what `ss -ti` prints for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Info {
    /// `tcpi_state`.
    pub state: Option<TcpState>,
    /// `tcpi_rtt`: the kernel's smoothed round-trip time (SRTT, RFC 6298), measured from
    /// each segment it sent to the ACK that covered it.
    pub rtt: Duration,
    /// `tcpi_unacked`: segments sent and not yet acknowledged (a FIN counts as one).
    pub unacked: u32,
}

impl Info {
    /// The one round-trip sample that moved the smoothed RTT from `before` to `self.rtt`:
    /// Linux updates it as `srtt += (sample - srtt) / 8` (`tcp_rtt_estimator`), so one new
    /// sample is `8 * after - 7 * before`. Meaningful only when exactly one segment was
    /// acknowledged in between.
    pub fn one_sample_since(&self, before: &Info) -> Duration {
        let (after, before) = (self.rtt.as_micros(), before.rtt.as_micros());
        Duration::from_micros((8 * after).saturating_sub(7 * before) as u64)
    }
}

/// `TCP_INFO` of a socket this process holds: `Ok(None)` where the system does not report it.
#[cfg(target_os = "linux")]
pub fn info<S: std::os::fd::AsRawFd>(socket: &S) -> io::Result<Option<Info>> {
    // SAFETY: as in `of`: a plain C struct, its size given to the kernel.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Some(Info {
        state: TcpState::from_code(info.tcpi_state),
        rtt: Duration::from_micros(info.tcpi_rtt.into()),
        unacked: info.tcpi_unacked,
    }))
}

/// `TCP_INFO` of a socket this process holds: not reported on this system.
#[cfg(not(target_os = "linux"))]
pub fn info<S>(_socket: &S) -> io::Result<Option<Info>> {
    Ok(None)
}

/// One line of the kernel's table: a socket's two ends and its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub local: SocketAddr,
    pub remote: SocketAddr,
    pub state: TcpState,
}

/// Parses the text of `/proc/net/tcp` or `/proc/net/tcp6`.
///
/// Each line after the heading reads `sl local rem st …`, addresses in hex: the IP as the
/// kernel holds it in memory (network order, printed as native 32-bit words, so
/// `0100007F` is 127.0.0.1 on a little-endian machine), the port as a plain number, the
/// state as Linux's number. Lines that do not parse are skipped.
pub fn parse_table(text: &str) -> Vec<Entry> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_whitespace().skip(1);
            let local = parse_addr(fields.next()?)?;
            let remote = parse_addr(fields.next()?)?;
            let state = TcpState::from_code(u8::from_str_radix(fields.next()?, 16).ok()?)?;
            Some(Entry {
                local,
                remote,
                state,
            })
        })
        .collect()
}

fn parse_addr(field: &str) -> Option<SocketAddr> {
    let (ip, port) = field.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let words: Vec<u32> = (0..ip.len() / 8)
        .map(|i| u32::from_str_radix(ip.get(i * 8..i * 8 + 8)?, 16).ok())
        .collect::<Option<_>>()?;
    let ip = match words.as_slice() {
        [a] => IpAddr::V4(Ipv4Addr::from(a.to_ne_bytes())),
        [a, b, c, d] => {
            let mut bytes = [0u8; 16];
            for (chunk, word) in bytes.chunks_mut(4).zip([a, b, c, d]) {
                chunk.copy_from_slice(&word.to_ne_bytes());
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Every TCP socket in the kernel's table (IPv4 and IPv6); empty where there is no such
/// table.
pub fn table() -> io::Result<Vec<Entry>> {
    if !OBSERVABLE {
        return Ok(Vec::new());
    }
    let mut entries = parse_table(&std::fs::read_to_string("/proc/net/tcp")?);
    // A machine without IPv6 has no tcp6 file: that is not an error.
    if let Ok(text) = std::fs::read_to_string("/proc/net/tcp6") {
        entries.extend(parse_table(&text));
    }
    Ok(entries)
}

/// The two queues of one socket in the kernel's table, as `ss -tn` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queues {
    /// `tx_queue` (ss's Send-Q): for a connection, the bytes written and not yet
    /// acknowledged by the peer.
    pub send: u32,
    /// `rx_queue` (ss's Recv-Q): for a connection, the bytes received and not yet read; for
    /// a listening socket, the connections waiting in its accept queue.
    pub recv: u32,
}

/// The queues of the socket from `local` to `remote` in the kernel's table (a listening
/// socket's `remote` is `0.0.0.0:0` or `[::]:0`); `None` when it is not there.
pub fn queues(local: SocketAddr, remote: SocketAddr) -> io::Result<Option<Queues>> {
    if !OBSERVABLE {
        return Ok(None);
    }
    let mut text = std::fs::read_to_string("/proc/net/tcp")?;
    if let Ok(six) = std::fs::read_to_string("/proc/net/tcp6") {
        text.push_str(six.split_once('\n').map_or("", |(_, rest)| rest));
    }
    Ok(parse_queues(&text, local, remote))
}

/// The `tx_queue:rx_queue` field (the fifth) of the line for `local` and `remote`.
fn parse_queues(text: &str, local: SocketAddr, remote: SocketAddr) -> Option<Queues> {
    text.lines().skip(1).find_map(|line| {
        let mut fields = line.split_whitespace().skip(1);
        let (l, r) = (parse_addr(fields.next()?)?, parse_addr(fields.next()?)?);
        let (send, recv) = fields.nth(1)?.split_once(':')?;
        (l == local && r == remote).then_some(Queues {
            send: u32::from_str_radix(send, 16).ok()?,
            recv: u32::from_str_radix(recv, 16).ok()?,
        })
    })
}

/// A counter the kernel keeps for the whole machine (its network namespace), as `nstat`
/// names it: `counter("TcpExt", "ListenOverflows")` is `TcpExtListenOverflows`, read from
/// `/proc/net/netstat` (or `/proc/net/snmp` for `Tcp`, `Udp`, `Ip`…). `None` where there is
/// no such counter. Every process on the machine adds to it: compare two readings, and
/// only say that it rose.
pub fn counter(group: &str, name: &str) -> io::Result<Option<u64>> {
    if !OBSERVABLE {
        return Ok(None);
    }
    for file in ["/proc/net/netstat", "/proc/net/snmp"] {
        if let Some(value) = parse_counter(&std::fs::read_to_string(file)?, group, name) {
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// In `/proc/net/netstat` and `/proc/net/snmp` each group is two lines, `Group: names…`
/// then `Group: values…`.
fn parse_counter(text: &str, group: &str, name: &str) -> Option<u64> {
    let prefix = format!("{group}:");
    let mut lines = text.lines().filter(|l| l.starts_with(&prefix));
    let (names, values) = (lines.next()?, lines.next()?);
    let at = names.split_whitespace().skip(1).position(|n| n == name)?;
    values.split_whitespace().skip(1).nth(at)?.parse().ok()
}

/// The state of the connection from `local` to `remote` in the kernel's table, whether or
/// not any program holds a descriptor for it; `None` when the kernel no longer has it.
pub fn lookup(local: SocketAddr, remote: SocketAddr) -> io::Result<Option<TcpState>> {
    Ok(table()?
        .into_iter()
        .find(|e| e.local == local && e.remote == remote)
        .map(|e| e.state))
}

/// Asks `probe` again and again (every millisecond) until it answers one of `wanted`, or
/// `limit` runs out; returns the last answer either way.
///
/// A state change is the kernel's reaction to a packet, and on loopback that packet is
/// handled a moment after the call that sent it returned. Waiting for the state (instead of
/// sleeping and hoping) is what makes a demo print the same thing every run; the limit only
/// keeps a machine where the state never comes from hanging.
pub fn settle<T: PartialEq>(
    wanted: &[T],
    limit: Duration,
    mut probe: impl FnMut() -> io::Result<T>,
) -> io::Result<T> {
    let deadline = Instant::now() + limit;
    loop {
        let seen = probe()?;
        if wanted.contains(&seen) || Instant::now() >= deadline {
            return Ok(seen);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// A state as a line shows it: its name, or a word saying the system does not tell.
pub fn show(state: Option<TcpState>) -> String {
    match state {
        Some(state) => state.name().to_owned(),
        None if !OBSERVABLE => {
            crate::tr!("(not observable on this system)" | "（这个系统上无法观察）")
        }
        None => crate::tr!(
            "gone (no longer in the kernel's table)" | "没了（内核的连接表里已经没有它）"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two lines as Linux prints them on x86-64: a listener on 127.0.0.1:8080 and a
    /// connection 127.0.0.1:41170 -> 127.0.0.1:8080 in TIME_WAIT.
    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 0100007F:A0D2 0100007F:1F90 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0
   2: garbage
";

    const TCP6: &str = "  sl  local_address                         remote_address                        st
   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000
";

    #[test]
    fn the_kernel_table_parses_into_addresses_and_states() {
        if cfg!(target_endian = "big") {
            return; // the sample lines above are a little-endian machine's
        }
        let entries = parse_table(TCP);
        assert_eq!(entries.len(), 2, "{entries:?}");
        assert_eq!(entries[0].local, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(entries[0].state, TcpState::Listen);
        assert_eq!(entries[1].local, "127.0.0.1:41170".parse().unwrap());
        assert_eq!(entries[1].remote, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(entries[1].state, TcpState::TimeWait);
        let six = parse_table(TCP6);
        assert_eq!(six[0].local, "[::1]:8080".parse().unwrap());
    }

    #[test]
    fn queues_and_counters_parse() {
        if cfg!(target_endian = "big") {
            return;
        }
        let listener = parse_queues(
            "  sl  local_address rem_address   st tx_queue rx_queue\n   0: 0100007F:1F90 00000000:0000 0A 00000005:00000002 00:00000000\n",
            "127.0.0.1:8080".parse().unwrap(),
            "0.0.0.0:0".parse().unwrap(),
        );
        assert_eq!(listener, Some(Queues { send: 5, recv: 2 }));
        let netstat = "TcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 7 9\nIpExt: InNoRoutes\nIpExt: 3\n";
        assert_eq!(parse_counter(netstat, "TcpExt", "ListenOverflows"), Some(7));
        assert_eq!(parse_counter(netstat, "TcpExt", "ListenDrops"), Some(9));
        assert_eq!(parse_counter(netstat, "IpExt", "InNoRoutes"), Some(3));
        assert_eq!(parse_counter(netstat, "TcpExt", "Nothing"), None);
    }

    #[test]
    fn one_rtt_sample_is_recovered_from_two_smoothed_values() {
        let info = |us| Info {
            state: None,
            rtt: Duration::from_micros(us),
            unacked: 0,
        };
        // srtt 10 µs, then a 40 ms sample: 10 + (40000 - 10) / 8 = 5008.75 µs.
        assert_eq!(
            info(5008).one_sample_since(&info(10)),
            Duration::from_micros(39_994)
        );
    }

    #[test]
    fn names_follow_netstat_and_ss() {
        assert_eq!(TcpState::from_code(5).unwrap().name(), "FIN_WAIT2");
        assert_eq!(TcpState::FinWait2.ss_name(), "FIN-WAIT-2");
        assert_eq!(TcpState::from_code(0), None);
        assert_eq!(TcpState::from_code(13), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_live_connection_reads_the_same_through_tcp_info_and_the_table() {
        use crate::wire::net::{connect_addr, listen, ListenOptions};
        let listener = listen("127.0.0.1:0".parse().unwrap(), ListenOptions::new()).unwrap();
        assert_eq!(of(&listener).unwrap(), Some(TcpState::Listen));
        let client = connect_addr(listener.local_addr().unwrap()).unwrap();
        let (me, server) = (client.local_addr().unwrap(), listener.local_addr().unwrap());
        assert_eq!(of(&client).unwrap(), Some(TcpState::Established));
        // Not accepted yet: the server's end exists only in the kernel's table.
        let waiting = settle(
            &[Some(TcpState::Established)],
            Duration::from_secs(10),
            || lookup(server, me),
        )
        .unwrap();
        assert_eq!(waiting, Some(TcpState::Established));
        assert_eq!(lookup(me, server).unwrap(), Some(TcpState::Established));
    }
}
