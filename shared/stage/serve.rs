//! The connection loop of the notes' servers, one client at a time.

use crate::guard::quiet::{AcceptTrouble, Gate, LogGate};
use crate::stage::demo::Hooks;
use crate::{say, Transcript};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

/// How many "accept" lines [`serve_in_turn_quietly`] prints in any 10 s; the connections
/// beyond them are counted, and the count is printed with the next accept line shown.
pub const ACCEPTS_SHOWN: u32 = 10;

/// The connection loop of the notes' servers (notes A §8, notes C 第三版): accept a
/// client, say who it is, serve it until it is done, then accept the next. One client at a
/// time, as in the notes; lesson 11 serves several at once.
///
/// In two-terminal mode `hooks` is [`Hooks::none`] and this serves for ever; a demo's hooks
/// hear of each accept and each finished client, and end the loop after its last client.
pub fn serve_in_turn(
    listener: &TcpListener,
    hooks: &Hooks,
    serve_client: impl FnMut(TcpStream, SocketAddr),
) {
    serve_in_turn_with(listener, hooks, None, serve_client)
}

/// [`serve_in_turn`] for a server whose log a peer must not be able to flood by connecting
/// again and again: at most [`ACCEPTS_SHOWN`] accept lines in any 10 s, the rest counted
/// (`(N more like the last were not logged)` before the next one shown). A demo's hooks
/// still hear of every accept.
pub fn serve_in_turn_quietly(
    listener: &TcpListener,
    hooks: &Hooks,
    serve_client: impl FnMut(TcpStream, SocketAddr),
) {
    let mut gate = LogGate::new(ACCEPTS_SHOWN, Duration::from_secs(10));
    serve_in_turn_with(listener, hooks, Some(&mut gate), serve_client);
}

/// [`serve_in_turn`], with its `accept -> a connection from …` line through `accepts`, a
/// gate the caller keeps (and may share with its other lines): a client that connects and
/// closes as fast as it can costs the log at most the gate's lines, then a count.
pub fn serve_in_turn_gated(
    listener: &TcpListener,
    hooks: &Hooks,
    accepts: &mut LogGate,
    serve_client: impl FnMut(TcpStream, SocketAddr),
) {
    serve_in_turn_with(listener, hooks, Some(accepts), serve_client)
}

fn serve_in_turn_with(
    listener: &TcpListener,
    hooks: &Hooks,
    mut accepts: Option<&mut LogGate>,
    mut serve_client: impl FnMut(TcpStream, SocketAddr),
) {
    // A signal that ends the server (Ctrl-C, SIGTERM, SIGHUP, SIGUSR1…) says so in one
    // line, `interrupted`, and exits with status 130, instead of ending it silently. Not in
    // a demo, whose output (lesson 11 counts its threads) stays as it was.
    if !hooks.in_a_demo() {
        crate::guard::ending::say_when_ended();
    }
    let server = Transcript::server();
    let mut trouble = AcceptTrouble::default();
    let mut served = 0;
    while hooks.more(served) {
        match listener.accept() {
            Ok((conn, addr)) => {
                if let Some(line) = trouble.ok() {
                    say!(server, "{line}");
                }
                match accepts.as_deref_mut().map_or(Gate::Show, LogGate::event) {
                    Gate::Show => say!(
                        server,
                        "accept -> a connection from {addr}" | "accept -> 来自 {addr} 的连接"
                    ),
                    Gate::ShowAfter(held) => {
                        say!(server, "{held}");
                        say!(
                            server,
                            "accept -> a connection from {addr}" | "accept -> 来自 {addr} 的连接"
                        );
                    }
                    Gate::Held => {}
                }
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
