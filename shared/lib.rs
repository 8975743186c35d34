//! # socket_lessons: what the lessons share, in three layers
//!
//! The lessons under `lessons/` follow a set of Chinese lecture notes on Python sockets
//! (see `docs/README.md`). Each lesson's `notes.rs` is the notes' program in plain Rust;
//! its `main.rs` is the course's hardened server and client and the demo. What they would
//! otherwise repeat lives here, once, in three layers a reader can tell apart by folder:
//!
//! - [`wire`]: what the notes teach. Short functions a learner reads beside the notes;
//!   `notes.rs` files use nothing else from this crate, and only what an earlier lesson
//!   has written out.
//! - [`guard`]: what a hostile or broken peer makes necessary: limits, safe saving,
//!   command limits.
//! - [`stage`]: what runs the demos and the two-terminal programs: transcripts, hooks,
//!   the command line, input, reports, measurements.
//!
//! Beside them, [`lang`]: the language the programs speak (English, or Chinese with
//! `--lang zh` or a Chinese locale), which all three layers read, and the `tr!` / `say!`
//! forms that hold each line in both languages where it is printed.
//!
//! Dependencies go one way: `wire` imports nothing from `guard` or `stage`, `guard`
//! nothing from `stage`, and no module imports one that imports it back
//! (`tests/library_shape.rs` checks both).
//!
//! | layer | module | its one job | Python it replaces |
//! |---|---|---|---|
//! | wire | [`wire::net`] | TCP sockets opened and closed: listeners built with socket2 (SO_REUSEADDR explicitly on or off, a backlog, IPv4 and IPv6), connecting, errors that name the address, a gentle close and a reset | `socket.socket()`, `setsockopt`, `bind`, `listen`, `connect`, `close` |
//! | wire | [`wire::framing`] | length-prefixed frames as lesson 06 teaches them: 4-byte little-endian i32 header, body; the length checked before allocating | `struct.pack('i', n)`, `recv(4)` |
//! | wire | [`wire::fast_framing`] | the tuned side of framing: a buffered `FrameReader` (one read for frames that arrived together, `readv` for long bodies) and `sendall` for several buffers | `recv(4)` then `recv(n)`, faster |
//! | wire | [`wire::header`] | JSON headers: header length, header, body | `json.dumps(header)`, `json.loads(...)` |
//! | wire | [`wire::checksum`] | md5 as the notes write it, for headers and files alike | `hashlib.md5().hexdigest()` |
//! | wire | [`wire::files`] | a file hashed once and streamed in chunks | `fp.read()`, `conn.send(data)` |
//! | wire | [`wire::encoding`] | a command's output read as text in a named encoding (`--encoding gbk`), the console's by default on Windows, UTF-8 elsewhere (encoding_rs) | `res.decode('gbk')` |
//! | wire | [`wire::udp`] | UDP sockets, datagrams received with truncation reported (MSG_TRUNC) and, on Linux, the bytes lost counted | `socket(AF_INET, SOCK_DGRAM)`, `recvfrom` |
//! | wire | [`wire::auth`] | challenge–response with HMAC-MD5 or HMAC-SHA-256 (the `hmac` crate), constant-time verification, random challenges | `hmac.new(key, msg).digest()`, `os.urandom(32)` |
//! | wire | [`wire::chat`] | chat messages tagged with the sender's name, names checked, `--peer name=addr` | `'[%s] %s' % (name, msg)` |
//! | wire | [`wire::clock`] | the time server's clock (the system's, or a fixed one for demos and tests) and a client's format checked before use | `time.strftime(fmt, time.localtime())` |
//! | wire | [`wire::nagle`] | one framed request sent as two writes, one write, or two writes with TCP_NODELAY; a framed echo; exchanges timed | `conn.send(header); conn.send(body)` |
//! | guard | [`guard::timed`] | reads bounded by a time limit: something or nothing within a limit, exactly N bytes or how far it got, bytes queued without taking them | `conn.settimeout(t)`, `recv` |
//! | guard | [`guard::limits`] | the time limits a server puts on a peer (idle between requests, inside a message, on writes) and a client's wait for an answer; timeouts told apart from failures | `conn.settimeout(300)` |
//! | guard | [`guard::pace`] | limits on a whole message, not on the gaps between its bytes: a grace period, then a minimum rate (mod_reqtimeout's rule), for requests and answers alike | `conn.settimeout(t)` on every `recv` |
//! | guard | [`guard::quiet`] | a log a peer cannot flood: short previews of what it sent, repeated events counted, accept failures paced | `print(data)` on every event |
//! | guard | [`guard::sniff`] | a bare text request told from a length-prefixed one by its first bytes, for servers that take both on one port | `if data[:4] looks like text` |
//! | guard | [`guard::senders`] | whom a UDP server answers: never itself, port 0 or a broadcast address, and each source at most 50 times a second, so one forged datagram cannot set a server (or two) answering for ever | `server.sendto(data.upper(), client_address)` to whoever wrote |
//! | guard | [`guard::names`] | a file name from the network: a plain name, or refused with a reason | `open(head['filename'], 'wb')` |
//! | guard | [`guard::saving`] | a file received under a temporary name and renamed only when verified; nothing partial left behind | `with open(name, 'wb') as f: f.write(recv(...))` |
//! | guard | [`guard::digest_cache`] | a file's md5 remembered by device, inode, size and times, so an unchanged file is hashed once per server process | `hashlib.md5(fp.read())` on every request |
//! | guard | [`guard::shell`] | a client's command line run through the shell with a time limit and an output limit, both pipes read at once | `subprocess.Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE)` |
//! | guard | [`guard::ending`] | a server ended by any catchable signal (Ctrl-C, SIGTERM, SIGHUP, SIGUSR1…) says so in one line, cleans up first (a command killed, partial files removed), and exits with status 130 | the KeyboardInterrupt traceback, or a silent death
//! | stage | [`stage::serve`] | the notes' connection loop with a demo's hooks: accept a client, serve it until it is done, accept the next | `while True: conn, addr = server.accept()` |
//! | stage | [`stage::commands`] | portable built-in commands (`seq`, `echo`, `bytes`) with outputs of known size | `subprocess.Popen(cmd, shell=True)` |
//! | stage | [`stage::echo`] | lesson 02's upper-case echo as a session (server and line client), for the lessons that serve it after something else | `conn.recv(1024)`, `conn.send(data.upper())` |
//! | stage | [`stage::tcp_state`] | a socket's TCP state as the kernel reports it (TCP_INFO), and the kernel's table of connections (`/proc/net/tcp`), descriptor or not | `ss -tan`, `netstat -an` |
//! | stage | [`stage::measure`] | CPU time and peak memory of this process, from the kernel's accounting | `time.process_time()`, `resource.getrusage()` |
//! | stage | [`stage::transcript`] | `[server]` / `[client]` labelled output, and every way the lessons show bytes (as Python would, as hex, a long buffer by its ends) | `print(data)` |
//! | stage | [`stage::demo`] | both halves in one process: a scene set up in one call, servers told of it through hooks, a deterministic order, a time limit | running two terminals by hand |
//! | stage | [`stage::cli`] | the `server` / `client` subcommands with `--host` / `--port`, a command client's `--encoding` (the only module that knows clap) | hard-coded addresses |
//! | stage | [`stage::input`] | lines typed by the user, or piped in | `input()` |
//! | stage | [`stage::progress`] | lesson 09's progress bar, drawn only on a terminal | `print(f'{n}/{total}')` |
//! | stage | [`stage::report`] | the error a lesson's `main` returns, printed as one readable line | a traceback |
//!
//! The library returns [`std::io::Result`] wherever the OS is involved; lessons turn errors
//! into a [`Report`] with `?` and print them as one readable line.

pub mod guard;
pub mod lang;
pub mod stage;
pub mod wire;

pub use stage::cli::{Endpoint, Side};
pub use stage::input::Input;
pub use stage::report::Report;
pub use stage::transcript::Transcript;
