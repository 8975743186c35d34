//! The connection loop of the notes' servers, one client at a time.

use crate::stage::demo::Hooks;
use crate::{say, Transcript};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The connection loop of the notes' servers (notes A §8, notes C 第三版): accept a
/// client, say who it is, serve it until it is done, then accept the next. One client at a
/// time, as in the notes; lesson 11 serves several at once.
///
/// In two-terminal mode `hooks` is [`Hooks::none`] and this serves for ever; a demo's hooks
/// hear of each accept and each finished client, and end the loop after its last client.
pub fn serve_in_turn(
    listener: &TcpListener,
    hooks: &Hooks,
    mut serve_client: impl FnMut(TcpStream, SocketAddr),
) {
    let server = Transcript::server();
    let mut served = 0;
    while hooks.more(served) {
        match listener.accept() {
            Ok((conn, addr)) => {
                say!(server, "accept -> a connection from {addr}");
                hooks.accepted();
                serve_client(conn, addr);
            }
            // A failed accept (the client reset before it was accepted, too many open
            // files) costs a line, not the server.
            Err(e) => say!(server, "accept failed: {e}"),
        }
        hooks.finished();
        served += 1;
    }
}
