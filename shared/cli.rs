//! The command line every lesson shares, stdin input, and the error type lessons return.
//!
//! ```text
//! cargo run --example 02_tcp_loop                       # the demo: both sides, one process
//! cargo run --example 02_tcp_loop -- server             # terminal 1
//! cargo run --example 02_tcp_loop -- client             # terminal 2
//! cargo run --example 02_tcp_loop -- server --port 0    # any free port; it prints which
//! ```

use crate::net::{self, ListenOptions, DEFAULT_HOST, DEFAULT_PORT};
use crate::{say, Transcript};
use clap::{Args, Subcommand};
use std::error::Error;
use std::fmt;
use std::io::{self, BufRead, IsTerminal, Write};

/// The two halves of a lesson, for two terminals. No subcommand runs the demo.
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Run only the server (start it first, in terminal 1). It prints the address it bound.
    Server(Endpoint),
    /// Run only the client (in terminal 2), then type what it sends; `q` or end of input
    /// (Ctrl-D) quits.
    Client(Endpoint),
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

/// Lines typed by the user (or piped in), like Python's `input(prompt).strip()`.
///
/// The prompt is shown only when stdin is a terminal, so piped input gives clean output.
/// Lines are bytes, not text: whatever the user sends goes on the wire as it is, invalid
/// UTF-8 included (which is how you test a server against it).
pub struct Input<R> {
    reader: R,
    prompt: Option<String>,
}

impl Input<io::StdinLock<'static>> {
    /// Lines from stdin, with `prompt` shown before each when stdin is a terminal.
    pub fn stdin(prompt: &str) -> Self {
        let stdin = io::stdin();
        let prompt = stdin.is_terminal().then(|| prompt.to_owned());
        Input {
            reader: stdin.lock(),
            prompt,
        }
    }
}

impl<R: BufRead> Input<R> {
    /// Lines from any reader, never with a prompt (for tests).
    pub fn from_reader(reader: R) -> Self {
        Input {
            reader,
            prompt: None,
        }
    }

    /// The next line with surrounding white space removed, or `None` at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        if let Some(prompt) = &self.prompt {
            let mut out = io::stdout().lock();
            write!(out, "{prompt}")?;
            out.flush()?;
        }
        let mut line = Vec::new();
        if self.reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_ascii().to_vec()))
    }
}

/// The error a lesson's `main` returns: any error, printed as one readable line.
///
/// `fn main() -> Result<(), Box<dyn Error>>` would print errors with `Debug`, which for an
/// `io::Error` reads `Custom { kind: AddrInUse, error: "…" }`. A `Report` prints
/// `Error: bind 127.0.0.1:9696: Address already in use (os error 98)` instead. Any error
/// converts into it with `?`.
pub struct Report(Box<dyn Error + Send + Sync + 'static>);

impl Report {
    /// A report from a plain message.
    pub fn msg(message: impl Into<String>) -> Self {
        Report(message.into().into())
    }

    /// The underlying error, for example to look at an `io::Error`'s kind.
    pub fn inner(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl<E> From<E> for Report
where
    E: Into<Box<dyn Error + Send + Sync + 'static>>,
{
    fn from(err: E) -> Self {
        Report(err.into())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(subcommand)]
        mode: Option<Mode>,
    }

    #[test]
    fn no_subcommand_means_the_demo() {
        assert_eq!(Cli::try_parse_from(["x"]).unwrap().mode, None);
    }

    #[test]
    fn server_and_client_default_to_the_notes_address() {
        let cli = Cli::try_parse_from(["x", "server"]).unwrap();
        let want = Endpoint {
            host: "127.0.0.1".into(),
            port: 9696,
        };
        assert_eq!(cli.mode, Some(Mode::Server(want)));
        let cli = Cli::try_parse_from(["x", "client", "--host", "::1", "--port", "0"]).unwrap();
        let want = Endpoint {
            host: "::1".into(),
            port: 0,
        };
        assert_eq!(cli.mode, Some(Mode::Client(want)));
    }

    #[test]
    fn input_lines_are_trimmed_bytes_and_end_at_eof() {
        let mut input = Input::from_reader(&b" hello \n\ncaf\xe9\r\nlast"[..]);
        assert_eq!(input.next_line().unwrap(), Some(b"hello".to_vec()));
        assert_eq!(input.next_line().unwrap(), Some(b"".to_vec()));
        assert_eq!(input.next_line().unwrap(), Some(b"caf\xe9".to_vec()));
        assert_eq!(input.next_line().unwrap(), Some(b"last".to_vec()));
        assert_eq!(input.next_line().unwrap(), None);
    }

    #[test]
    fn a_report_prints_as_one_readable_line() {
        let err = io::Error::new(io::ErrorKind::AddrInUse, "bind 127.0.0.1:1: in use");
        let report = Report::from(err);
        assert_eq!(format!("{report:?}"), "bind 127.0.0.1:1: in use");
    }
}
