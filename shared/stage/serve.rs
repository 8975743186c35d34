//! The connection loop of the notes' servers, one client at a time.

use crate::guard::quiet::AcceptTrouble;
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
    let mut trouble = AcceptTrouble::default();
    let mut served = 0;
    while hooks.more(served) {
        match listener.accept() {
            Ok((conn, addr)) => {
                if let Some(line) = trouble.ok() {
                    say!(server, "{line}");
                }
                say!(server, "accept -> a connection from {addr}");
                hooks.accepted();
                serve_client(conn, addr);
            }
            // A failed accept costs a line, not the server: a few lines at most however
            // often it fails, and a pause when the process is out of descriptors (EMFILE),
            // which would otherwise fail again at once, as fast as the loop turns.
            Err(e) => {
                let after = trouble.failed(&e);
                if let Some(line) = after.line {
                    say!(server, "{line}");
                }
                std::thread::sleep(after.pause);
            }
        }
        hooks.finished();
        served += 1;
    }
}
