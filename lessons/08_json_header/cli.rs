//! Lesson 08's command line: the demo, or one side for two terminals.

use clap::{Parser, Subcommand};
use socket_lessons::guard::limits::DEFAULT_IDLE_SECS;
use socket_lessons::guard::shell;
use socket_lessons::stage::cli::{AnswerText, NotesEndpoint};
use socket_lessons::Endpoint;

/// Lesson 08: a JSON header with a real md5 (notes C 方案二, D 完整版, B 自定义协议).
///
/// With no subcommand, shows a message on the wire, a verified answer, a server that lies
/// in seven ways, and why a JSON size has no 2 GiB ceiling. For two terminals: start
/// `server` first, then `client`; type commands, `q` quits.
#[derive(Parser)]
#[command(version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) side: Option<Side>,
}

#[derive(Subcommand)]
pub(crate) enum Side {
    /// Run only the server (start it first). It runs what clients send through the shell,
    /// as the user who started it.
    Server {
        #[command(flatten)]
        at: Endpoint,
        /// Seconds a command may run before it is killed
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        time_limit: u64,
        /// The longest wait, in seconds, for a client's next command before closing it
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_IDLE_SECS)]
        idle_limit: u64,
        /// How long, in seconds, one connection is served in all before it is closed (so
        /// that a client that keeps sending cannot hold this one-at-a-time server for ever)
        #[arg(long, value_name = "SECS", default_value_t = shell::DEFAULT_SESSION_SECS,
              value_parser = clap::value_parser!(u64).range(1..))]
        session_limit: u64,
    },
    /// Run only the client. Type commands; `q` or end of input quits.
    Client {
        #[command(flatten)]
        at: Endpoint,
        #[command(flatten)]
        text: AnswerText,
    },
    /// Run the notes' server (notes D) in plain Rust (notes.rs), on the notes' address
    /// (127.0.0.1:8090) unless told otherwise. No limits: it runs what clients send, as you.
    NotesServer(NotesEndpoint),
    /// Run the notes' client (notes D) in plain Rust (notes.rs), against 127.0.0.1:8090
    /// unless told otherwise. Type commands; end of input quits.
    NotesClient(NotesEndpoint),
}
