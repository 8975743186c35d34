//! UDP sockets for lesson 05 and later: datagrams, and the truncation the notes meet.
//!
//! `std::net::UdpSocket::recv_from` silently drops whatever part of a datagram does not fit
//! in the buffer (on Unix); on Windows it returns an error, WSAEMSGSIZE (10040), as notes B
//! shows with WinError 10040, and no byte count, though the buffer was filled.
//! [`recv_datagram`] says when that happened, keeps the bytes that fit on every OS, and on
//! Linux says how many bytes were lost.

use socket2::{Domain, MaybeUninitSlice, Protocol, SockAddr, Socket, Type};
use std::io;
use std::mem::MaybeUninit;
use std::net::SocketAddr;

/// The largest UDP payload over IPv4: 65535 (the IP length field's maximum) minus 20 bytes
/// of IP header minus 8 bytes of UDP header. `sendto` refuses anything larger.
pub const MAX_IPV4_PAYLOAD: usize = 65_507;

/// The largest UDP payload over IPv6: 65535 (the UDP length field's maximum) minus 8 bytes
/// of UDP header. IPv6's header is not counted in its length field, so its datagrams can be
/// 20 bytes longer than IPv4's (jumbograms aside, which loopback does not use).
pub const MAX_IPV6_PAYLOAD: usize = 65_527;

/// A buffer size that holds any UDP datagram whole, IPv4 or IPv6.
pub const ANY_DATAGRAM: usize = MAX_IPV6_PAYLOAD;

/// The largest payload one `sendto` to `to` can carry.
pub fn max_payload(to: SocketAddr) -> usize {
    if to.is_ipv4() {
        MAX_IPV4_PAYLOAD
    } else {
        MAX_IPV6_PAYLOAD
    }
}

/// A UDP socket bound to `addr` (port 0: any free port). No listen, no accept: UDP has no
/// connections (notes A §6).
pub fn bind(addr: SocketAddr) -> io::Result<Socket> {
    let socket =
        Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP)).map_err(|e| {
            crate::wire::net::context(
                e,
                crate::tr!("UDP socket for {addr}" | "为 {addr} 创建 UDP socket"),
            )
        })?;
    socket
        .bind(&addr.into())
        .map_err(|e| crate::wire::net::context(e, format_args!("bind {addr}")))?;
    Ok(socket)
}

/// A sender's address in one form: an IPv4 address in IPv6's mapped form
/// (`[::ffff:127.0.0.1]:5000`, what a socket bound to `::` reports for an IPv4 sender) as the
/// IPv4 address it is (`127.0.0.1:5000`). Compared as they come, the two forms of one sender
/// are two addresses (an attack found lesson 12's chat on `::` calling a peer pinned at
/// `127.0.0.1` an impostor when it wrote from there).
pub fn canonical(addr: SocketAddr) -> SocketAddr {
    SocketAddr::new(addr.ip().to_canonical(), addr.port())
}

/// `to` as `sendto` on `socket` takes it: on an IPv6 socket, an IPv4 address in IPv6's
/// mapped form, the form a dual-stack socket reaches IPv4 by (Windows takes no other).
pub fn for_socket(socket: &Socket, to: SocketAddr) -> io::Result<SocketAddr> {
    Ok(match (local_addr(socket)?, to) {
        (SocketAddr::V6(_), SocketAddr::V4(v4)) => {
            SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
        }
        _ => to,
    })
}

/// The local address of a socket2 socket as a std `SocketAddr`.
pub fn local_addr(socket: &Socket) -> io::Result<SocketAddr> {
    as_inet(socket.local_addr()?)
}

fn as_inet(addr: SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::other(crate::tr!("not an internet address" | "不是 IP 地址")))
}

/// One received datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Bytes placed in the buffer.
    pub len: usize,
    /// The datagram's size as sent, when the OS tells (always when not truncated; on Linux
    /// also when truncated).
    pub sent_len: Option<usize>,
    /// The datagram did not fit and its tail was thrown away (MSG_TRUNC in the flags).
    pub truncated: bool,
    /// Who sent it.
    pub from: SocketAddr,
}

impl Datagram {
    /// How many bytes were lost, when known.
    pub fn lost(&self) -> Option<usize> {
        self.sent_len.map(|sent| sent - self.len)
    }
}

/// `recvfrom(len(buf))`, reporting truncation instead of hiding it.
pub fn recv_datagram(socket: &Socket, buf: &mut [u8]) -> io::Result<Datagram> {
    // SAFETY: `MaybeUninit<u8>` has the same layout as `u8`, and the kernel only ever writes
    // initialised bytes into this buffer, so viewing initialised bytes as possibly
    // uninitialised ones (the direction socket2's API needs) is sound.
    let uninit = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
    let mut bufs = [MaybeUninitSlice::new(uninit)];
    let (n, flags, from) = socket.recv_from_vectored_with_flags(&mut bufs, TRUNC_FLAG)?;
    let from = as_inet(from)?;
    let truncated = flags.is_truncated();
    // A datagram that did not fit has filled the buffer, on every OS. The count `n` says so
    // differently: with MSG_TRUNC passed in (Linux) it is the datagram's real size, more
    // than the buffer holds; on other Unixes it is what was copied; on Windows the call
    // failed with WSAEMSGSIZE (10040), which socket2 turns into the truncated flag, and
    // `n` is 0 because a failed call reports no count, though Microsoft's recvfrom
    // documentation says the buffer holds the first part of the datagram (and Wine agrees).
    let len = if truncated { buf.len() } else { n };
    let sent_len = if cfg!(target_os = "linux") || !truncated {
        Some(n)
    } else {
        None
    };
    Ok(Datagram {
        len,
        sent_len,
        truncated,
        from,
    })
}

/// Windows' error number for a datagram too large: WSAEMSGSIZE, the 10040 of notes B's
/// `OSError: [WinError 10040]`.
pub const WSAEMSGSIZE: i32 = 10_040;

/// A `sendto` error, with WSAEMSGSIZE spelled out. Windows words it in the user's language
/// (notes B prints the Chinese text) and Wine has no text for it at all (`FormatMessageW()
/// returned error 317`), so the lesson says itself what it means; every other error, and
/// Linux's EMSGSIZE (`Message too long (os error 90)`), is left as the OS says it, but for
/// EMSGSIZE said in Chinese (`消息太长，os error 90`) when the programs speak Chinese.
pub fn explain_send_error(err: io::Error) -> io::Error {
    #[cfg(unix)]
    if crate::lang::zh() && err.raw_os_error() == Some(libc::EMSGSIZE) {
        return io::Error::new(err.kind(), format!("消息太长，os error {}", libc::EMSGSIZE));
    }
    if err.raw_os_error() != Some(WSAEMSGSIZE) {
        return err;
    }
    io::Error::new(
        err.kind(),
        crate::tr!(
            "Message too long (os error 10040, WSAEMSGSIZE: the datagram is larger than one UDP \
             datagram can carry)"
                | "消息太长，os error 10040（WSAEMSGSIZE：这个数据报比一个 UDP 数据报能装下的还大）"
        ),
    )
}

/// Windows' error number for a reset: WSAECONNRESET. On a UDP socket, Windows reports
/// with it the ICMP "port unreachable" that an earlier datagram met, on the next
/// `recvfrom`, connected socket or not (Microsoft's `recvfrom` documentation, under
/// WSAECONNRESET); Linux reports it as ECONNREFUSED, and only on a connected socket
/// (unless IP_RECVERR is set: `__udp4_lib_err` in net/ipv4/udp.c).
pub const WSAECONNRESET: i32 = 10_054;

/// Whether a `recv` error on a UDP socket is the OS saying that an earlier datagram found
/// nothing listening (an ICMP "port unreachable" came back): ECONNREFUSED on Linux
/// (connected sockets only), WSAECONNRESET (10054) on Windows.
pub fn is_port_unreachable(err: &io::Error) -> bool {
    err.kind() == io::ErrorKind::ConnectionRefused
        || (cfg!(windows) && err.raw_os_error() == Some(WSAECONNRESET))
}

/// Whether `err`, from a receive on a connected UDP socket, is an ICMP error the network
/// sent back about an earlier datagram (Linux turns the "hard" ones into errors on the
/// next receive: protocol unreachable, ENOPROTOOPT; communication administratively
/// prohibited, what a firewall's REJECT sends, EHOSTUNREACH or EACCES; network
/// unreachable; fragmentation needed, EMSGSIZE), "port unreachable" aside
/// ([`is_port_unreachable`]). One such message, forged by anyone who can see the
/// datagram, ended lesson 05's and 12's clients (an attack): it is a lost answer, not the
/// end of the client.
pub fn is_icmp_error(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            err.raw_os_error(),
            Some(
                libc::ENOPROTOOPT
                    | libc::EHOSTUNREACH
                    | libc::ENETUNREACH
                    | libc::EACCES
                    | libc::EHOSTDOWN
                    | libc::EMSGSIZE
                    | libc::EPROTO
            )
        )
    }
    #[cfg(not(unix))]
    {
        matches!(
            err.kind(),
            io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable
        )
    }
}

/// Asks the kernel to tell, with every datagram this socket receives, how many datagrams
/// it had dropped before that one was queued (`SO_RXQ_OVFL`, Linux): a full receive buffer
/// drops datagrams, on loopback too, and UDP tells neither side unless asked.
/// [`recv_datagram_counting_drops`] reads the count.
#[cfg(target_os = "linux")]
pub fn count_drops(socket: &Socket) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: a valid descriptor, and a pointer to an int with its size, as setsockopt(2)
    // takes them.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RXQ_OVFL,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// [`recv_datagram`] through `recvmsg(2)`, with the count `SO_RXQ_OVFL` attaches (see
/// [`count_drops`]): how many datagrams this socket had dropped, since it was made, when
/// this one was queued. The kernel sends no count while it is 0, so 0 is returned then.
#[cfg(target_os = "linux")]
pub fn recv_datagram_counting_drops(
    socket: &Socket,
    buf: &mut [u8],
) -> io::Result<(Datagram, u32)> {
    use std::os::fd::AsRawFd;
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // Room for a few control messages; u64s keep it aligned for cmsghdr.
    let mut control = [0u64; 16];
    let (mut n, mut flags, mut drops) = (0usize, 0, 0u32);
    // SAFETY: `msg` points at `iov` (which points at `buf`), at `control` and at the
    // address storage socket2 hands us, all alive and of the sizes given; recvmsg writes
    // within them. The control messages are walked with the CMSG_* functions over the
    // length the kernel set, and the count is read unaligned from its data.
    let ((), from) = unsafe {
        SockAddr::try_init(|storage, len| {
            let mut msg: libc::msghdr = std::mem::zeroed();
            msg.msg_name = storage.cast();
            msg.msg_namelen = *len;
            msg.msg_iov = &mut iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.as_mut_ptr().cast();
            msg.msg_controllen = std::mem::size_of_val(&control) as _;
            let got = libc::recvmsg(socket.as_raw_fd(), &mut msg, TRUNC_FLAG);
            if got < 0 {
                return Err(io::Error::last_os_error());
            }
            *len = msg.msg_namelen;
            n = got as usize;
            flags = msg.msg_flags;
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SO_RXQ_OVFL
                {
                    drops = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<u32>());
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
            Ok(())
        })?
    };
    let truncated = flags & libc::MSG_TRUNC != 0;
    let datagram = Datagram {
        // With MSG_TRUNC passed in, `n` is the datagram's real size (recv(2)).
        len: n.min(buf.len()),
        sent_len: Some(n),
        truncated,
        from: as_inet(from)?,
    };
    Ok((datagram, drops))
}

/// How many datagrams this socket has dropped since it was made: the kernel's own count
/// (`SO_MEMINFO`, Linux 4.12 and later), which `ss -uam` shows as `d` in `skmem:(…)`.
#[cfg(target_os = "linux")]
pub fn drops_so_far(socket: &Socket) -> io::Result<u32> {
    use std::os::fd::AsRawFd;
    let mut meminfo = [0u32; libc::SK_MEMINFO_DROPS as usize + 1];
    let mut len = std::mem::size_of_val(&meminfo) as libc::socklen_t;
    // SAFETY: a valid descriptor, and a buffer with its length, as getsockopt(2) takes them;
    // the kernel writes at most `len` bytes.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_MEMINFO,
            meminfo.as_mut_ptr().cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(meminfo[libc::SK_MEMINFO_DROPS as usize])
}

#[cfg(target_os = "linux")]
const TRUNC_FLAG: std::os::raw::c_int = libc::MSG_TRUNC;
#[cfg(not(target_os = "linux"))]
const TRUNC_FLAG: std::os::raw::c_int = 0;

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Socket, Socket, SockAddr) {
        let a = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b_addr = b.local_addr().unwrap();
        (a, b, b_addr)
    }

    #[test]
    fn a_datagram_that_fits_is_whole_and_not_truncated() {
        let (a, b, to) = pair();
        a.send_to(b"hello", &to).unwrap();
        let mut buf = [0u8; 1024];
        let d = recv_datagram(&b, &mut buf).unwrap();
        assert_eq!((d.len, d.truncated, d.lost()), (5, false, Some(0)));
        assert_eq!(&buf[..5], b"hello");
        assert_eq!(d.from, local_addr(&a).unwrap());
    }

    #[test]
    fn a_datagram_larger_than_the_buffer_is_truncated_and_the_rest_is_gone() {
        let (a, b, to) = pair();
        a.send_to(b"hello world", &to).unwrap();
        a.send_to(b"next", &to).unwrap();
        let mut small = [0u8; 5];
        let d = recv_datagram(&b, &mut small).unwrap();
        assert!(d.truncated);
        assert_eq!(&small, b"hello");
        #[cfg(target_os = "linux")]
        assert_eq!(d.lost(), Some(6));
        let mut buf = [0u8; 1024];
        let d = recv_datagram(&b, &mut buf).unwrap();
        assert_eq!(&buf[..d.len], b"next", "the lost tail does not come later");
    }

    #[test]
    fn wsaemsgsize_is_explained_and_other_errors_are_left_alone() {
        let explained = explain_send_error(io::Error::from_raw_os_error(WSAEMSGSIZE));
        assert_eq!(
            explained.to_string(),
            "Message too long (os error 10040, WSAEMSGSIZE: the datagram is larger than one \
             UDP datagram can carry)"
        );
        let other = explain_send_error(io::Error::from_raw_os_error(90));
        assert_eq!(other.raw_os_error(), Some(90));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_receive_buffer_drops_datagrams_and_the_next_one_says_how_many() {
        let (a, b, to) = pair();
        // 2048 asked, 4096 given (Linux doubles it): one 5000-byte datagram fills it.
        b.set_recv_buffer_size(2048).unwrap();
        count_drops(&b).unwrap();
        for _ in 0..10 {
            a.send_to(&[b'x'; 5000], &to).unwrap();
        }
        // Loopback delivers within sendto, as a rule; a busy machine may finish later.
        let waited = std::time::Instant::now();
        while drops_so_far(&b).unwrap() < 9 && waited.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(drops_so_far(&b).unwrap(), 9);
        let mut buf = vec![0u8; 65_536];
        let (d, drops) = recv_datagram_counting_drops(&b, &mut buf).unwrap();
        assert_eq!(
            (d.len, drops),
            (5000, 0),
            "the first was queued before any drop"
        );
        a.send_to(b"next", &to).unwrap();
        let (d, drops) = recv_datagram_counting_drops(&b, &mut buf).unwrap();
        assert_eq!((&buf[..d.len], drops), (&b"next"[..], 9));
        assert_eq!(d.from, local_addr(&a).unwrap());
    }

    #[test]
    fn port_unreachable_is_recognised_as_each_os_reports_it() {
        assert!(is_port_unreachable(&io::Error::from(
            io::ErrorKind::ConnectionRefused
        )));
        let reset = io::Error::from_raw_os_error(WSAECONNRESET);
        assert_eq!(is_port_unreachable(&reset), cfg!(windows));
    }

    #[test]
    fn an_empty_datagram_is_a_message() {
        let (a, b, to) = pair();
        a.send_to(b"", &to).unwrap();
        let d = recv_datagram(&b, &mut [0u8; 16]).unwrap();
        assert_eq!((d.len, d.truncated), (0, false));
    }

    #[test]
    fn the_largest_ipv4_payload_goes_and_one_byte_more_does_not() {
        let (a, b, to) = pair();
        a.send_to(&vec![b'x'; MAX_IPV4_PAYLOAD], &to).unwrap();
        let mut buf = vec![0u8; 65_536];
        assert_eq!(recv_datagram(&b, &mut buf).unwrap().len, MAX_IPV4_PAYLOAD);
        let err = a
            .send_to(&vec![b'x'; MAX_IPV4_PAYLOAD + 1], &to)
            .unwrap_err();
        #[cfg(target_os = "linux")]
        assert_eq!(err.raw_os_error(), Some(libc::EMSGSIZE));
        let _ = err;
    }
}
