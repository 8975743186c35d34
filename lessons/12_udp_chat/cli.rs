//! The command line: the demo with no subcommand, or one side for two terminals.

use clap::{Parser, Subcommand};
use socket_lessons::stage::cli::NotesEndpoint;
use socket_lessons::wire::chat;
use socket_lessons::wire::clock::Clock;
use socket_lessons::Endpoint;
use std::net::SocketAddr;

/// Lesson 12: UDP chat between named peers, and a time server (notes C qq聊天 and
/// 自制时间服务器, notes E 聊天).
///
/// With no subcommand, runs a chat between alice and bob, then the time server with a fixed
/// clock, in one process. For terminals: `chat --name NAME --port PORT [--peer
/// NAME=HOST:PORT]…` once per person; or `server` (time) first, then `client`.
#[derive(Parser)]
#[command(version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) side: Option<Side>,
}

#[derive(Subcommand)]
pub(crate) enum Side {
    /// A chat peer: type `@name text` to write to someone, plain text to answer whoever you
    /// wrote to or heard from last, `q` to quit. Incoming messages print as they come.
    Chat {
        /// Your name, sent with every message (1-32 characters; no spaces, [ ] @ =)
        #[arg(long, value_parser = check_peer_name)]
        name: String,
        #[command(flatten)]
        at: Endpoint,
        /// Someone to write to, as NAME=HOST:PORT (repeat for more). Whoever writes to
        /// you is added by itself.
        #[arg(long = "peer", value_parser = chat::parse_peer)]
        peers: Vec<(String, SocketAddr)>,
    },
    /// The time server (start it first): answers each datagram with the time in the format
    /// the datagram carries.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Answer with this instant instead of the clock (RFC 3339, e.g.
        /// 2021-07-25T22:07:26+08:00)
        #[arg(long, value_parser = Clock::fixed)]
        fixed_time: Option<Clock>,
    },
    /// The time client: each line is a format (`%Y %m %d`, or empty for the default);
    /// `q` quits.
    Client(Endpoint),
    /// Run the notes' chat server (notes C qq聊天), in plain Rust (notes.rs), on the notes'
    /// address unless told otherwise: it prints each message and sends back the line you
    /// type.
    NotesServer(NotesEndpoint),
    /// Run the notes' chat client, in plain Rust (notes.rs): type a name (taibai), then
    /// messages, each waiting for its answer; `q` picks another name.
    NotesClient(NotesEndpoint),
    /// Run the notes' time server (notes C 自制时间服务器), in plain Rust (notes_c_time.rs),
    /// on the notes' address unless told otherwise.
    NotesTimeServer(NotesEndpoint),
    /// Run the notes' time client, in plain Rust (notes_c_time.rs): each line is a format.
    NotesTimeClient(NotesEndpoint),
}

fn check_peer_name(name: &str) -> Result<String, String> {
    chat::check_peer_name(name).map(|()| name.to_owned())
}
