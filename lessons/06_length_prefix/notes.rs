//! The notes' program, in plain Rust: notes C 粘包的解决方案 方案一, the command server and
//! client with a 4-byte length header (the same idea as notes A §9.2 解决思路 and notes E §8
//! 进阶思路). The client sends a command bare; the server answers `struct.pack('i', n)`, 4
//! bytes, then the n bytes of output. The client reads exactly 4 bytes, then exactly n: the
//! answer's end is now in the bytes themselves, so however TCP merges or splits them, each
//! answer comes out whole.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 06_length_prefix -- notes-server`, then `… -- notes-client`, and
//! type `seq 1000`, then `echo hi`: each answer whole. Either side can be the notes' own
//! Python program. The server runs whatever it is sent, as the notes' does: keep it on
//! 127.0.0.1.

use socket_lessons::wire::net::{self, ListenOptions};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::Command;

/// The notes' address: `('127.0.0.1', 8080)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8080;

/// `struct.pack('i', n)` is 4 bytes.
const HEADER_SIZE: usize = 4;

/// `shell=True`: `sh -c LINE`, or on Windows `cmd.exe /c "LINE"` as Python builds it.
#[cfg(windows)]
fn shell(cmd: &str) -> Command {
    use std::os::windows::process::CommandExt;
    let mut shell = Command::new("cmd");
    // raw_arg: the line in quotes as Python writes it; arg() would re-quote it std's way.
    shell.arg("/C").raw_arg(format!("\"{cmd}\""));
    shell
}

#[cfg(not(windows))]
fn shell(cmd: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(cmd);
    shell
}

/// The server (notes C 方案一, the first program).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // socket(), bind(('127.0.0.1', 8080)), listen(5): wire::net::listen_on makes these
    // calls, and setsockopt(SO_REUSEADDR, 0), the default: notes C sets none, so a restart
    // right after serving a client may fail with "Address already in use" (lesson 03).
    let phone = net::listen_on(host, port, ListenOptions::new().reuse_address(false))?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", phone.local_addr()?);

    // The connection loop: one client at a time, for ever.
    loop {
        let (conn, client_addr) = phone.accept()?;
        println!("client address: {client_addr}"); // print(client_addr), labelled

        // the notes: catch only ConnectionResetError (a broken pipe, say, ends the server);
        // here any error ends only this client, with a line, and the next one is accepted.
        if let Err(e) = serve_client(conn) {
            println!("connection ended: {e}");
        }
    }
    // The notes' conn.close() and phone.close() sit after this endless loop and are never
    // reached (Python closes each conn when the next accept() replaces it; here each is
    // dropped, and so closed, when serve_client returns).
}

/// The communication loop with one client: a bare command in, a framed answer out.
fn serve_client(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // recv(1024): the command. 方案一 frames only the answer: the command has no header,
        // and one read is taken as one command.
        let n = conn.read(&mut buf)?;
        // the notes: no check for 0 bytes (a closed client's b'' runs as an empty command,
        // until a send fails with BrokenPipeError and the server dies); 0 means closed.
        if n == 0 {
            return Ok(());
        }
        // the notes: .decode('utf-8') raises on bytes that are not UTF-8 (and ends the
        // server); this replaces them with U+FFFD.
        let cmd = String::from_utf8_lossy(&buf[..n]);
        println!("command: {cmd}"); // (not in the notes)

        // Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE).
        // the notes: read stdout to its end, then stderr (a command that fills the stderr
        // pipe first never ends); output() reads both at once.
        let out = shell(&cmd).output()?;

        // 1 制作固定报头, the fixed-size header: struct.pack('i', total_size), a signed 32-bit
        // number in the machine's byte order, which is little-endian on x86-64 and ARM64
        // alike. struct.pack raises for a size over i32::MAX; try_from fails the same way.
        let total_size = out.stdout.len() + out.stderr.len();
        // map_err turns try_from's error into an io::Error; |_| … is a closure (a lambda)
        // that ignores its argument. {header:02x?} below: each byte in hex, [0a, 00, …].
        let header: [u8; HEADER_SIZE] = i32::try_from(total_size)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "over 2 GiB of output"))?
            .to_le_bytes();
        println!("header {header:02x?}, then {total_size} bytes"); // (not in the notes)

        // 2 发送报头, then 发送真实数据: the header, then the output, stdout, then stderr.
        // the notes: three send()s, each of which may send only part, and whose small
        // writes can wait on each other (Nagle's algorithm, lesson 13); one write_all.
        let mut answer = header.to_vec();
        answer.extend_from_slice(&out.stdout);
        answer.extend_from_slice(&out.stderr);
        conn.write_all(&answer)?;
    }
}

/// The client (notes C 方案一, the second program).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // socket() and connect(('127.0.0.1', 8080)).
    let mut phone = net::connect(host, port)?;

    // The communication loop: a line typed, sent, its whole answer read.
    loop {
        // the notes: input('>>>'); this prompts `command> `.
        print!("command> ");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // end of input (the notes' input() raises EOFError)
        }
        let cmd = line.trim();
        if cmd.is_empty() {
            continue; // an empty send puts nothing on the wire (lesson 02)
        }
        // the notes: send() may send only part; write_all is sendall.
        phone.write_all(cmd.as_bytes())?;

        // 1，接收固定报头: exactly 4 bytes.
        // the notes: recv(4), taken to be all four; read_exact reads until it has four.
        let mut header = [0u8; HEADER_SIZE];
        phone.read_exact(&mut header)?;

        // 2，解析报头: struct.unpack('i', header)[0], the 4 bytes as a little-endian i32.
        let total_size = i32::from_le_bytes(header);
        // the notes: a negative size skips the loop below and prints an empty answer (the
        // answer's bytes are then read as the next header); this refuses it as an error.
        let total_size = usize::try_from(total_size).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, format!("size {total_size}"))
        })?;

        // 3，根据报头信息，接收真实数据: exactly total_size bytes.
        // the notes: recv(1024) in a loop until recv_size reaches total_size, copying
        // `res += recv_data` each time (and if the server closes early, recv returns b''
        // for ever); read_exact fills one buffer, and fails if the stream ends first.
        let mut res = vec![0u8; total_size];
        phone.read_exact(&mut res)?;
        // the notes: print(res.decode('gbk')), their server a Chinese Windows; this prints
        // `answer (N bytes):` (not in the notes), then the answer decoded as UTF-8.
        let res = String::from_utf8_lossy(&res);
        println!("answer ({total_size} bytes):\n{res}");
    }

    // phone.close(). The notes' client never gets here: nothing ends its while 1 loop.
    drop(phone);
    Ok(())
}
