//! The command line every lesson shares: `server` / `client` with `--host` / `--port`.
//!
//! ```text
//! cargo run --example 02_tcp_loop                       # the demo: both sides, one process
//! cargo run --example 02_tcp_loop -- server             # terminal 1
//! cargo run --example 02_tcp_loop -- client             # terminal 2
//! cargo run --example 02_tcp_loop -- server --port 0    # any free port; it prints which
//! ```

use crate::wire::net::{self, ListenOptions, DEFAULT_HOST, DEFAULT_PORT};
use crate::{say, Transcript};
use clap::{Args, Subcommand};
use std::io;

/// The two halves of a lesson, for two terminals, as the course writes them and as the
/// notes do. No subcommand runs the demo.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// Run only the course's server (start it first, in terminal 1). It prints the address
    /// it bound.
    Server(Endpoint),
    /// Run only the course's client (in terminal 2), then type what it sends; `q` or end of
    /// input (Ctrl-D) quits.
    Client(Endpoint),
    /// Run the notes' server, in plain Rust (the lesson's notes.rs), on the notes' address
    /// unless told otherwise.
    NotesServer(NotesEndpoint),
    /// Run the notes' client, in plain Rust (the lesson's notes.rs), against the notes'
    /// address unless told otherwise.
    NotesClient(NotesEndpoint),
}

/// Where the notes' program (a lesson's `notes.rs`) listens or connects: the address the
/// notes hard-code (`('127.0.0.1', 9696)` in notes A), unless `--host` or `--port` say
/// otherwise.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct NotesEndpoint {
    /// Host name or IP address [default: the notes' own]
    #[arg(long)]
    pub host: Option<String>,
    /// TCP/UDP port; for the server, 0 asks the OS for a free one [default: the notes' own]
    #[arg(long)]
    pub port: Option<u16>,
}

impl NotesEndpoint {
    /// The host and port given, or else the notes' own.
    pub fn or(&self, host: &str, port: u16) -> (String, u16) {
        (
            self.host.clone().unwrap_or_else(|| host.to_owned()),
            self.port.unwrap_or(port),
        )
    }
}

/// Parses the command line as clap does, plus the hint clap cannot give: an address given
/// before the side (`02_tcp_loop --port 9000`) belongs after it (`02_tcp_loop server --port
/// 9000`).
pub fn parse<C: clap::Parser>() -> C {
    match C::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let misplaced = e.kind() == clap::error::ErrorKind::UnknownArgument
                && ["--port", "--host"]
                    .iter()
                    .any(|flag| e.to_string().contains(flag));
            if !misplaced {
                e.exit();
            }
            let _ = e.print();
            let program = std::env::args().next().unwrap_or_default();
            let program = std::path::Path::new(&program)
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            eprintln!(
                "hint: --host and --port belong to a side: `{program} server --port N` in one \
                 terminal, `{program} client --port N` in the other"
            );
            std::process::exit(2);
        }
    }
}

/// A value parser for an option that takes one of a library type's values by name
/// (`--digest sha256`): `--help` lists the names with their `about` lines, and anything
/// else is refused with that list. The library's types stay free of clap.
pub fn one_of<T>(
    all: &'static [T],
    name: fn(T) -> &'static str,
    about: fn(T) -> &'static str,
) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: Copy + Send + Sync + 'static,
{
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let values: Vec<PossibleValue> = all
        .iter()
        .map(|&v| PossibleValue::new(name(v)).help(about(v)))
        .collect();
    PossibleValuesParser::new(values).try_map(move |given: String| {
        all.iter()
            .copied()
            .find(|&v| name(v) == given)
            .ok_or_else(|| format!("unknown value {given:?}"))
    })
}

/// Where the server listens, or where the client connects.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host name or IP address (IPv4 or IPv6, e.g. 127.0.0.1, localhost, ::1)
    #[arg(long, default_value = DEFAULT_HOST)]
    pub host: String,
    /// TCP/UDP port; for the server, 0 asks the OS for a free one
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
}

impl Endpoint {
    /// Binds a listener here and prints `[server] listening on ADDR` with the address it
    /// really got, so that `--port 0` is usable: the line says which port the OS picked.
    pub fn listen(&self, options: ListenOptions) -> io::Result<std::net::TcpListener> {
        let listener = net::listen_on(&self.host, self.port, options)?;
        say!(
            Transcript::server(),
            "listening on {}",
            listener.local_addr()?
        );
        Ok(listener)
    }

    /// Connects to the server here.
    pub fn connect(&self) -> io::Result<std::net::TcpStream> {
        self.check_client_port()?;
        net::connect(&self.host, self.port)
    }

    /// The server's address, for a UDP client (which has no connect to try).
    pub fn server_addr(&self) -> io::Result<std::net::SocketAddr> {
        self.check_client_port()?;
        self.addr()
    }

    /// Port 0 means "any free port": something only a server can ask the OS for. A client
    /// needs the port its server printed.
    fn check_client_port(&self) -> io::Result<()> {
        if self.port == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a client needs the server's port: --port 0 asks the OS for any free port, \
                 which only a server can do (use the port the server printed)",
            ));
        }
        Ok(())
    }

    /// The first address the host resolves to (for UDP, which has no connect to try).
    pub fn addr(&self) -> io::Result<std::net::SocketAddr> {
        // resolve never returns an empty list: no address is an error.
        Ok(net::resolve(&self.host, self.port)?[0])
    }
}

/// How a command client shows the server's answers (lessons 07 and 08): the bytes read as
/// text in this encoding. The notes decode with `gbk` because their server was a Chinese
/// Windows; see [`crate::wire::encoding`].
#[derive(Args, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerText {
    /// How to read the answers as text: gbk for a Chinese Windows server (the notes'
    /// decode('gbk')), utf-8, or a Windows code page number such as 936 [default: this
    /// console's code page on Windows, utf-8 elsewhere]
    #[arg(long, value_name = "NAME", value_parser = crate::wire::encoding::parse)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

impl AnswerText {
    /// The encoding asked for, or the default for this machine.
    pub fn encoding(&self) -> &'static encoding_rs::Encoding {
        self.encoding
            .unwrap_or_else(crate::wire::encoding::default_encoding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(subcommand)]
        side: Option<Side>,
    }

    #[derive(Parser, Debug)]
    struct Pick {
        #[arg(long, default_value = "two", value_parser = one_of(&[1u8, 2], |n| if n == 1 { "one" } else { "two" }, |_| "a number"))]
        n: u8,
    }

    #[test]
    fn one_of_takes_a_name_and_refuses_the_rest() {
        assert_eq!(Pick::try_parse_from(["x"]).unwrap().n, 2);
        assert_eq!(Pick::try_parse_from(["x", "--n", "one"]).unwrap().n, 1);
        let err = Pick::try_parse_from(["x", "--n", "three"]).unwrap_err();
        assert!(
            err.to_string().contains("[possible values: one, two]"),
            "{err}"
        );
    }

    #[test]
    fn no_subcommand_means_the_demo() {
        assert_eq!(Cli::try_parse_from(["x"]).unwrap().side, None);
    }

    #[test]
    fn server_and_client_default_to_the_notes_address() {
        let cli = Cli::try_parse_from(["x", "server"]).unwrap();
        let want = Endpoint {
            host: "127.0.0.1".into(),
            port: 9696,
        };
        assert_eq!(cli.side, Some(Side::Server(want)));
        let cli = Cli::try_parse_from(["x", "client", "--host", "::1", "--port", "0"]).unwrap();
        let want = Endpoint {
            host: "::1".into(),
            port: 0,
        };
        assert_eq!(cli.side, Some(Side::Client(want)));
    }
}
