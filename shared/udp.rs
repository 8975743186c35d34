//! UDP sockets for lesson 05 and later: datagrams, and the truncation the notes meet.
//!
//! `std::net::UdpSocket::recv_from` silently drops whatever part of a datagram does not fit
//! in the buffer (on Unix; Windows reports an error, as notes B shows with WinError 10040).
//! [`recv_datagram`] says when that happened, and on Linux how many bytes were lost.

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
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| crate::net::context(e, format_args!("UDP socket for {addr}")))?;
    socket
        .bind(&addr.into())
        .map_err(|e| crate::net::context(e, format_args!("bind {addr}")))?;
    Ok(socket)
}

/// The local address of a socket2 socket as a std `SocketAddr`.
pub fn local_addr(socket: &Socket) -> io::Result<SocketAddr> {
    as_inet(socket.local_addr()?)
}

fn as_inet(addr: SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket()
        .ok_or_else(|| io::Error::other("not an internet address"))
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
    // With MSG_TRUNC passed in (Linux), `n` is the datagram's real size, which may be more
    // than the buffer holds. Elsewhere `n` is what was copied.
    let len = n.min(buf.len());
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
