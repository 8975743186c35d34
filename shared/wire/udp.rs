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
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(|e| crate::wire::net::context(e, format_args!("UDP socket for {addr}")))?;
    socket
        .bind(&addr.into())
        .map_err(|e| crate::wire::net::context(e, format_args!("bind {addr}")))?;
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
/// Linux's EMSGSIZE (`Message too long (os error 90)`), is left as the OS says it.
pub fn explain_send_error(err: io::Error) -> io::Error {
    if err.raw_os_error() != Some(WSAEMSGSIZE) {
        return err;
    }
    io::Error::new(
        err.kind(),
        "Message too long (os error 10040, WSAEMSGSIZE: the datagram is larger than one UDP \
         datagram can carry)",
    )
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
