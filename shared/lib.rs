//! # socket_lessons: the plumbing every lesson shares
//!
//! The lessons under `lessons/` follow a set of Chinese lecture notes on Python sockets
//! (see `docs/README.md`). Each lesson file keeps only what it teaches; everything it would
//! otherwise repeat lives here, once:
//!
//! | module | what it does | Python it replaces |
//! |---|---|---|
//! | [`net`] | listeners built with socket2 (SO_REUSEADDR explicitly on or off, a backlog, IPv4 and IPv6), connecting, errors that name the address | `socket.socket()`, `setsockopt`, `bind`, `listen`, `connect` |
//! | [`sniff`] | a bare text request told from a length-prefixed one by its first bytes, for servers that take both on one port | `if data[:4] looks like text` |
//! | [`tcp_state`] | a socket's TCP state as the kernel reports it (TCP_INFO), and the kernel's table of connections (`/proc/net/tcp`), descriptor or not | `ss -tan`, `netstat -an` |
//! | [`transcript`] | `[server]` / `[client]` labelled output and bytes shown the way Python shows them | `print(data)` |
//! | [`demo`] | both halves in one process, in a deterministic order, under a time limit | running two terminals by hand |
//! | [`echo`] | lesson 02's upper-case echo as a session (server and line client), for the lessons that serve it after something else | `conn.recv(1024)`, `conn.send(data.upper())` |
//! | [`framing`] | length-prefixed frames: 4-byte little-endian i32 header, body; limits checked before allocating | `struct.pack('i', n)`, `recv(4)`
//! | [`header`] | JSON headers: header length, header, body; md5 as the notes print it | `json.dumps(header)`, `hashlib.md5().hexdigest()` |
//! | [`files`] | plain file names, files streamed with md5, received under a temporary name and renamed only when verified | `open(name, 'wb')`, `fp.read()`, `hashlib.md5()` |
//! | [`limits`] | time limits on a peer: a server's idle limit between requests, a shorter one inside a message and on writes, a client's wait for an answer; timeouts told apart from failures | `conn.settimeout(300)` |
//! | [`commands`] | portable built-in commands (`seq`, `echo`, `bytes`) with outputs of known size, for the command servers | `subprocess.Popen(cmd, shell=True)`
//! | [`shell`] | a client's command line run through the shell with a time limit and an output limit, both pipes read at once | `subprocess.Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE)` |
//! | [`measure`] | CPU time and peak memory of this process, from the kernel's accounting | `time.process_time()`, `resource.getrusage()` |
//! | [`nagle`] | one framed request sent as two writes, one write, or two writes with TCP_NODELAY; a framed echo; exchanges timed | `conn.send(header); conn.send(body)` |
//! | [`udp`] | UDP sockets, datagrams received with truncation reported (MSG_TRUNC) and, on Linux, the bytes lost counted | `socket(AF_INET, SOCK_DGRAM)`, `recvfrom`
//! | [`auth`] | challenge–response with HMAC-MD5 or HMAC-SHA-256 (the `hmac` crate), constant-time verification, random challenges | `hmac.new(key, msg).digest()`, `os.urandom(32)` |
//! | [`chat`] | chat messages tagged with the sender's name, names checked, `--peer name=addr` | `'[%s] %s' % (name, msg)` |
//! | [`clock`] | the time server's clock (the system's, or a fixed one for demos and tests) and a client's format checked before use | `time.strftime(fmt, time.localtime())` |
//! | [`cli`] | the `server` / `client` subcommands with `--host` / `--port`, stdin lines, a readable error type | `input()`, hard-coded addresses |
//!
//! The library returns [`std::io::Result`] wherever the OS is involved; lessons turn errors
//! into a [`cli::Report`] with `?` and print them as one readable line.

pub mod auth;
pub mod chat;
pub mod checksum;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod demo;
pub mod echo;
pub mod files;
pub mod framing;
pub mod header;
pub mod input;
pub mod limits;
pub mod measure;
pub mod nagle;
pub mod net;
pub mod report;
pub mod serve;
pub mod shell;
pub mod sniff;
pub mod tcp_state;
pub mod timed;
pub mod transcript;
pub mod udp;

pub use cli::{Endpoint, Side};
pub use input::Input;
pub use report::Report;
pub use transcript::Transcript;
