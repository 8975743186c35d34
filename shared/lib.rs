//! # socket_lessons: the plumbing every lesson shares
//!
//! The lessons under `lessons/` follow a set of Chinese lecture notes on Python sockets
//! (see `docs/README.md`). Each lesson file keeps only what it teaches; everything it would
//! otherwise repeat lives here, once:
//!
//! | module | its one job | Python it replaces |
//! |---|---|---|
//! | [`net`] | TCP sockets opened and closed: listeners built with socket2 (SO_REUSEADDR explicitly on or off, a backlog, IPv4 and IPv6), connecting, errors that name the address, a gentle close and a reset | `socket.socket()`, `setsockopt`, `bind`, `listen`, `connect`, `close` |
//! | [`timed`] | reads bounded by a time limit: something or nothing within a limit, exactly N bytes or how far it got, bytes queued without taking them | `conn.settimeout(t)`, `recv` |
//! | [`limits`] | the time limits a server puts on a peer (idle between requests, inside a message, on writes) and a client's wait for an answer; timeouts told apart from failures | `conn.settimeout(300)` |
//! | [`serve`] | the notes' connection loop: accept a client, serve it until it is done, accept the next | `while True: conn, addr = server.accept()` |
//! | [`sniff`] | a bare text request told from a length-prefixed one by its first bytes, for servers that take both on one port | `if data[:4] looks like text` |
//! | [`framing`] | length-prefixed frames: 4-byte little-endian i32 header, body; limits checked before allocating; a buffered reader, one read for frames that arrived together | `struct.pack('i', n)`, `recv(4)` |
//! | [`header`] | JSON headers: header length, header, body | `json.dumps(header)`, `json.loads(...)` |
//! | [`checksum`] | md5 as the notes write it, for headers and files alike | `hashlib.md5().hexdigest()` |
//! | [`files`] | plain file names, files streamed with md5, received under a temporary name and renamed only when verified | `open(name, 'wb')`, `fp.read()` |
//! | [`digest_cache`] | a file's md5 remembered by device, inode, size and times, so an unchanged file is hashed once per server process | `hashlib.md5(fp.read())` on every request |
//! | [`commands`] | portable built-in commands (`seq`, `echo`, `bytes`) with outputs of known size | `subprocess.Popen(cmd, shell=True)` |
//! | [`encoding`] | a command's output read as text in a named encoding (`--encoding gbk`), the console's by default on Windows, UTF-8 elsewhere (encoding_rs) | `res.decode('gbk')` |
//! | [`shell`] | a client's command line run through the shell with a time limit and an output limit, both pipes read at once | `subprocess.Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE)` |
//! | [`echo`] | lesson 02's upper-case echo as a session (server and line client), for the lessons that serve it after something else | `conn.recv(1024)`, `conn.send(data.upper())` |
//! | [`udp`] | UDP sockets, datagrams received with truncation reported (MSG_TRUNC) and, on Linux, the bytes lost counted | `socket(AF_INET, SOCK_DGRAM)`, `recvfrom` |
//! | [`auth`] | challenge–response with HMAC-MD5 or HMAC-SHA-256 (the `hmac` crate), constant-time verification, random challenges | `hmac.new(key, msg).digest()`, `os.urandom(32)` |
//! | [`chat`] | chat messages tagged with the sender's name, names checked, `--peer name=addr` | `'[%s] %s' % (name, msg)` |
//! | [`clock`] | the time server's clock (the system's, or a fixed one for demos and tests) and a client's format checked before use | `time.strftime(fmt, time.localtime())` |
//! | [`nagle`] | one framed request sent as two writes, one write, or two writes with TCP_NODELAY; a framed echo; exchanges timed | `conn.send(header); conn.send(body)` |
//! | [`tcp_state`] | a socket's TCP state as the kernel reports it (TCP_INFO), and the kernel's table of connections (`/proc/net/tcp`), descriptor or not | `ss -tan`, `netstat -an` |
//! | [`measure`] | CPU time and peak memory of this process, from the kernel's accounting | `time.process_time()`, `resource.getrusage()` |
//! | [`transcript`] | `[server]` / `[client]` labelled output, and every way the lessons show bytes (as Python would, as hex, a long buffer by its ends) | `print(data)` |
//! | [`demo`] | both halves in one process: a scene set up in one call, servers told of it through hooks, a deterministic order, a time limit | running two terminals by hand |
//! | [`cli`] | the `server` / `client` subcommands with `--host` / `--port`, a command client's `--encoding` (the only module that knows clap) | hard-coded addresses |
//! | [`input`] | lines typed by the user, or piped in | `input()` |
//! | [`report`] | the error a lesson's `main` returns, printed as one readable line | a traceback |
//!
//! Dependencies go one way, from the top of this table's concerns to the bottom: nothing
//! here imports a module that imports it back (`tests/library_shape.rs` checks it).
//!
//! The library returns [`std::io::Result`] wherever the OS is involved; lessons turn errors
//! into a [`Report`] with `?` and print them as one readable line.

pub mod auth;
pub mod chat;
pub mod checksum;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod demo;
pub mod digest_cache;
pub mod echo;
pub mod encoding;
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
