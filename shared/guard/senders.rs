//! Whom a UDP server answers: never itself, never an address no host sends from, and no
//! address more than a few dozen times a second.
//!
//! UDP checks nothing about where a datagram comes from: its source address is whatever
//! the sender wrote. One datagram forged with the server's own address as its source makes
//! a server that answers every datagram answer itself, read its answer as a new request,
//! answer that, for ever (measured on lesson 05: 77 % of a core, from one 4-byte
//! datagram). One forged from one such server to another sets the two on each other, at
//! full speed, for ever. RFC 8085 §6 asks a UDP application to limit what it sends in
//! answer to what it receives; [`Senders`] does it in two rules:
//!
//! - a datagram whose source is the server's own address (its port, and its bound
//!   address, a loopback address or any address of this machine's interfaces), port 0, or not one host's address (unspecified, broadcast,
//!   multicast, or the broadcast or network address of a subnet of this machine's
//!   interfaces, such as `127.255.255.255` on loopback's 127.0.0.0/8, as the interfaces
//!   were when the server started) is never answered: no host sends from there, and an
//!   answer either loops or cannot be sent;
//! - each source address (address and port) gets at most [`ANSWERS_PER_SECOND`] answers a
//!   second (a bucket of [`BURST`] answers, refilled at that rate); beyond it a datagram is
//!   read and dropped. Two servers set on each other then exchange at most that many
//!   datagrams a second, not tens of thousands, and a person typing never comes near it.
//!
//! ```
//! use socket_lessons::guard::senders::{Refused, Senders, BURST};
//! let mut senders = Senders::new("127.0.0.1:9000".parse().unwrap());
//! assert_eq!(senders.check("127.0.0.1:9000".parse().unwrap()), Err(Refused::Itself));
//! assert_eq!(senders.check("127.0.0.1:0".parse().unwrap()), Err(Refused::PortZero));
//! let client = "127.0.0.1:50000".parse().unwrap();
//! for _ in 0..BURST {
//!     assert_eq!(senders.check(client), Ok(()));
//! }
//! assert_eq!(senders.check(client), Err(Refused::TooOften));
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

/// Answers a second one source address may get, once its [`BURST`] is spent.
pub const ANSWERS_PER_SECOND: u32 = 50;

/// Answers one source address may get at once: a second's worth.
pub const BURST: u32 = ANSWERS_PER_SECOND;

/// The most source addresses remembered (a flood from forged addresses cannot grow the
/// table). Only a source whose bucket has filled again is forgotten: forgetting it loses
/// nothing, since a new bucket is full too. When every one remembered is still short of
/// answers, a new source is not answered ([`Refused::TooManySources`]) until one has
/// refilled. (Before, the one heard from longest ago was forgotten whatever its bucket
/// held, and came back with a full one: a victim's forged datagrams mixed with those of
/// 1,100 other forged sources got 366 answers in 3 s where the bucket allows 200.)
pub const REMEMBERED: usize = 1024;

/// Why a datagram is not answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Its source is this server's own address: the answer would come back as a request.
    Itself,
    /// Its source port is 0, which no socket sends from (and `sendto` refuses).
    PortZero,
    /// Its source is not one host's address: unspecified, broadcast or multicast.
    NotAHost,
    /// This source has had [`ANSWERS_PER_SECOND`] answers this second.
    TooOften,
    /// A new source while [`REMEMBERED`] sources are all short of answers: it cannot be
    /// counted without forgetting one of them.
    TooManySources,
}

impl Refused {
    /// The reason as the server's line says it (after the address).
    pub fn reason(self) -> String {
        match self {
            Refused::Itself => crate::tr!(
                "a datagram from this server's own address (a forged source): not answered, or the server would answer itself for ever"
                    | "源地址是服务端自己的地址（伪造的源地址）：不回答，否则服务端会永远回答自己"
            ),
            Refused::PortZero => crate::tr!(
                "source port 0 (forged: no socket sends from it): not answered"
                    | "源端口是 0（伪造的：没有哪个套接字从它发送）：不回答"
            ),
            Refused::NotAHost => crate::tr!(
                "not one host's address (unspecified, broadcast or multicast): not answered"
                    | "不是某一台主机的地址（未指定、广播或组播地址）：不回答"
            ),
            Refused::TooOften => crate::tr!(
                "more than {ANSWERS_PER_SECOND} answers a second to this address: not answered (a forged source, or two servers set on each other)"
                    | "给这个地址的回答已经超过每秒 {ANSWERS_PER_SECOND} 个：不回答（伪造的源地址，或者两个服务端被设成互相回答）"
            ),
            Refused::TooManySources => crate::tr!(
                "a new source while {REMEMBERED} others are all near their limit (a flood of forged sources): not answered until one of them refills"
                    | "新的源地址，而记着的 {REMEMBERED} 个源地址都快用完各自的回答数（一大批伪造的源地址）：在其中某个回满之前不回答"
            ),
        }
    }
}

/// One source's answers: how many it may still get now, and when that was counted.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The rules for one server socket bound to `local` (see the module's page).
#[derive(Debug)]
pub struct Senders {
    local: SocketAddr,
    own: Vec<IpAddr>,
    subnet_broadcasts: Vec<Ipv4Addr>,
    buckets: HashMap<SocketAddr, Bucket>,
}

impl Senders {
    /// The rules for a server whose socket is bound to `local` (the address `getsockname`
    /// gives, port included).
    pub fn new(local: SocketAddr) -> Self {
        let (own, subnet_broadcasts) = interfaces();
        Self {
            local,
            own,
            subnet_broadcasts,
            buckets: HashMap::new(),
        }
    }

    /// Whether a datagram from `from` may be answered now; `Ok` counts the answer.
    pub fn check(&mut self, from: SocketAddr) -> Result<(), Refused> {
        self.check_at(from, Instant::now())
    }

    fn check_at(&mut self, from: SocketAddr, now: Instant) -> Result<(), Refused> {
        let ip = canonical(from.ip());
        if from.port() == 0 {
            return Err(Refused::PortZero);
        }
        if from.port() == self.local.port()
            && (ip == canonical(self.local.ip()) || ip.is_loopback() || self.own.contains(&ip))
        {
            return Err(Refused::Itself);
        }
        let not_a_host = match ip {
            IpAddr::V4(v4) => {
                v4.is_unspecified()
                    || v4.is_broadcast()
                    || v4.is_multicast()
                    || self.subnet_broadcasts.contains(&v4)
            }
            IpAddr::V6(v6) => v6.is_unspecified() || v6.is_multicast(),
        };
        if not_a_host {
            return Err(Refused::NotAHost);
        }
        if !self.buckets.contains_key(&from)
            && self.buckets.len() >= REMEMBERED
            && !self.forget(now)
        {
            return Err(Refused::TooManySources);
        }
        let bucket = self.buckets.entry(from).or_insert(Bucket {
            tokens: f64::from(BURST),
            at: now,
        });
        let earned = now.duration_since(bucket.at).as_secs_f64() * f64::from(ANSWERS_PER_SECOND);
        bucket.tokens = (bucket.tokens + earned).min(f64::from(BURST));
        bucket.at = now;
        if bucket.tokens < 1.0 {
            return Err(Refused::TooOften);
        }
        bucket.tokens -= 1.0;
        Ok(())
    }

    /// Makes room for one more source: forgets every source whose bucket has filled again
    /// (it is as if never heard). Returns whether there is room now.
    fn forget(&mut self, now: Instant) -> bool {
        self.buckets.retain(|_, b| {
            let earned = now.duration_since(b.at).as_secs_f64() * f64::from(ANSWERS_PER_SECOND);
            b.tokens + earned < f64::from(BURST)
        });
        self.buckets.len() < REMEMBERED
    }
}

/// This machine's interface addresses (a server bound to `0.0.0.0` is reached at each of
/// them), and the broadcast and network addresses of every IPv4 subnet of its interfaces
/// (host part all ones, or all zeros; subnets of /31 and /32 have neither): the kernel
/// routes both as broadcasts (`ip route show table local`), and `sendto` to one fails.
#[cfg(unix)]
fn interfaces() -> (Vec<IpAddr>, Vec<Ipv4Addr>) {
    let (mut own, mut found) = (Vec::new(), Vec::new());
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `list` with a linked list the C library owns until
    // freeifaddrs; each entry is read only while the list is alive, and an address is read
    // as a sockaddr_in only when its family says it is one.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return (own, found);
        }
        let mut at = list;
        while let Some(entry) = at.as_ref() {
            at = entry.ifa_next;
            let (addr, mask) = (entry.ifa_addr, entry.ifa_netmask);
            if addr.is_null() {
                continue;
            }
            if i32::from((*addr).sa_family) == libc::AF_INET6 {
                let v6 = (*addr.cast::<libc::sockaddr_in6>()).sin6_addr.s6_addr;
                own.push(IpAddr::from(v6));
                continue;
            }
            if mask.is_null() || i32::from((*addr).sa_family) != libc::AF_INET {
                continue;
            }
            let addr = u32::from_be((*addr.cast::<libc::sockaddr_in>()).sin_addr.s_addr);
            let mask = u32::from_be((*mask.cast::<libc::sockaddr_in>()).sin_addr.s_addr);
            own.push(IpAddr::from(Ipv4Addr::from(addr)));
            if mask.count_ones() <= 30 {
                found.push(Ipv4Addr::from(addr | !mask));
                found.push(Ipv4Addr::from(addr & mask));
            }
        }
        libc::freeifaddrs(list);
    }
    (own, found)
}

/// Elsewhere only loopback, the address the socket is bound to and the addresses every
/// system treats as broadcasts are known.
#[cfg(not(unix))]
fn interfaces() -> (Vec<IpAddr>, Vec<Ipv4Addr>) {
    (Vec::new(), Vec::new())
}

/// An IPv4-mapped IPv6 address (`::ffff:127.0.0.1`, what a dual-stack socket reports for
/// an IPv4 sender) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_server_itself_port_0_and_non_hosts_are_never_answered() {
        let mut s = Senders::new(addr("0.0.0.0:9000"));
        assert_eq!(s.check(addr("127.0.0.1:9000")), Err(Refused::Itself));
        assert_eq!(s.check(addr("127.0.0.2:9000")), Err(Refused::Itself));
        assert_eq!(
            s.check(addr("[::ffff:127.0.0.1]:9000")),
            Err(Refused::Itself)
        );
        assert_eq!(s.check(addr("10.0.0.1:0")), Err(Refused::PortZero));
        assert_eq!(s.check(addr("255.255.255.255:9")), Err(Refused::NotAHost));
        assert_eq!(s.check(addr("224.0.0.1:9")), Err(Refused::NotAHost));
        assert_eq!(s.check(addr("0.0.0.0:9")), Err(Refused::NotAHost));
        assert_eq!(s.check(addr("[ff02::1]:9")), Err(Refused::NotAHost));
        // Another host on the same port is a host like any other.
        assert_eq!(s.check(addr("10.0.0.1:9000")), Ok(()));
        // Loopback's subnet broadcast, where lo has 127.0.0.1/8 (everywhere but a namespace
        // whose lo is down).
        if s.subnet_broadcasts
            .contains(&Ipv4Addr::new(127, 255, 255, 255))
        {
            assert_eq!(s.check(addr("127.255.255.255:9")), Err(Refused::NotAHost));
        }
        let mut v6 = Senders::new(addr("[::1]:9000"));
        assert_eq!(v6.check(addr("[::1]:9000")), Err(Refused::Itself));
        assert_eq!(v6.check(addr("[::1]:9001")), Ok(()));
    }

    #[test]
    fn a_source_gets_its_burst_then_the_rate() {
        let mut s = Senders::new(addr("127.0.0.1:9000"));
        let from = addr("127.0.0.1:5000");
        let start = Instant::now();
        for _ in 0..BURST {
            assert_eq!(s.check_at(from, start), Ok(()));
        }
        assert_eq!(s.check_at(from, start), Err(Refused::TooOften));
        // Another source has its own bucket.
        assert_eq!(s.check_at(addr("127.0.0.1:5001"), start), Ok(()));
        // A second later, a second's worth again; not more.
        let later = start + Duration::from_secs(1);
        for _ in 0..ANSWERS_PER_SECOND {
            assert_eq!(s.check_at(from, later), Ok(()));
        }
        assert_eq!(s.check_at(from, later), Err(Refused::TooOften));
    }

    fn forged(i: u32) -> SocketAddr {
        SocketAddr::from((std::net::Ipv4Addr::from(0x0a00_0000 + i), 1000))
    }

    #[test]
    fn a_flood_of_forged_sources_cannot_grow_the_table() {
        let mut s = Senders::new(addr("127.0.0.1:9000"));
        let now = Instant::now();
        for i in 0..REMEMBERED as u32 {
            assert_eq!(s.check_at(forged(i), now), Ok(()));
        }
        // All of them one answer short: a new source cannot be counted yet.
        for i in REMEMBERED as u32..3 * REMEMBERED as u32 {
            assert_eq!(s.check_at(forged(i), now), Err(Refused::TooManySources));
        }
        assert_eq!(s.buckets.len(), REMEMBERED);
        // One answer refills in 1/50 s: then they are forgotten and new sources answered.
        let later = now + Duration::from_millis(20);
        for i in 3 * REMEMBERED as u32..4 * REMEMBERED as u32 {
            assert_eq!(s.check_at(forged(i), later), Ok(()));
        }
        assert!(s.buckets.len() <= REMEMBERED);
    }

    #[test]
    fn a_drained_source_is_not_forgotten_to_make_room_for_others() {
        let mut s = Senders::new(addr("127.0.0.1:9000"));
        let now = Instant::now();
        let victim = addr("127.0.0.9:53");
        for _ in 0..BURST {
            assert_eq!(s.check_at(victim, now), Ok(()));
        }
        assert_eq!(s.check_at(victim, now), Err(Refused::TooOften));
        // 1,100 other forged sources, each heard once, 10 ms later, then the victim again:
        // it still has only what 10 ms earned (half an answer), not a full bucket.
        let soon = now + Duration::from_millis(10);
        for i in 0..1100 {
            let _ = s.check_at(forged(i), soon);
        }
        assert_eq!(s.check_at(victim, soon), Err(Refused::TooOften));
        assert!(s.buckets.len() <= REMEMBERED);
    }
}
