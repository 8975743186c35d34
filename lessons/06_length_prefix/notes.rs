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
use std::process::{Command, Output};

/// The notes' address: `('127.0.0.1', 8080)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8080;

/// `struct.pack('i', n)` is 4 bytes.
const HEADER_SIZE: usize = 4;

/// The command through the shell (`subprocess.Popen(cmd, shell=True, …)`).
fn run_cmd(cmd: &str) -> io::Result<Output> {
    #[cfg(windows)]
    let (shell, flag) = ("cmd", "/C");
    #[cfg(not(windows))]
    let (shell, flag) = ("sh", "-c");
    // the notes: read stdout to its end, then stderr (a command that fills the stderr pipe
    // first never ends); output() reads both at once.
    Command::new(shell).args([flag, cmd]).output()
}

/// The server (notes C 方案一, the first program).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-3. socket(), bind(), listen(5): wire::net::listen_on makes these calls.
    // the notes: no SO_REUSEADDR (a restart soon after the server closed a connection
    // fails with "Address already in use", lesson 03); ListenOptions::new() sets it.
    let phone = net::listen_on(host, port, ListenOptions::new())?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", phone.local_addr()?);

    // 4. the connection loop: one client at a time, for ever.
    loop {
        let (conn, client_addr) = phone.accept()?;
        println!("client address: {client_addr}");
        // the notes: catch only ConnectionResetError (a broken pipe, say, ends the server);
        // here any error ends only this client, and the server accepts the next one.
        if let Err(e) = serve_client(conn) {
            println!("connection ended: {e}");
        }
    }
}

/// The communication loop with one client: a bare command in, a framed answer out.
fn serve_client(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // 5. recv(1024): the command. 方案一 frames only the answer: the command has no
        //    header, and one read is taken as one command.
        let n = conn.read(&mut buf)?;
        // the notes: no check for 0 bytes (a closed client's b'' runs as an empty command,
        // until a send fails with BrokenPipeError and the server dies); 0 means closed.
        if n == 0 {
            return Ok(());
        }
        // the notes: .decode('utf-8') raises on bytes that are not UTF-8 (and ends the
        // server); this replaces them with U+FFFD.
        let cmd = String::from_utf8_lossy(&buf[..n]);
        println!("command: {cmd}");
        let out = run_cmd(&cmd)?;

        // 6. the fixed-size header: struct.pack('i', total_size), a signed 32-bit number in
        //    the machine's byte order, which is little-endian on x86-64 and ARM64 alike.
        //    struct.pack raises for a size over i32::MAX; try_from fails the same way.
        let total_size = out.stdout.len() + out.stderr.len();
        let header: [u8; HEADER_SIZE] = i32::try_from(total_size)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "over 2 GiB of output"))?
            .to_le_bytes();
        println!("header {header:02x?}, then {total_size} bytes");

        // 7. send the header, then the output: stdout, then stderr.
        // the notes: three send()s, each of which may send only part, and whose small
        // writes can wait on each other (Nagle's algorithm, lesson 13); one write_all.
        let mut answer = header.to_vec();
        answer.extend_from_slice(&out.stdout);
        answer.extend_from_slice(&out.stderr);
        conn.write_all(&answer)?;
    }
    // 8. close: `conn` is dropped (closed) when this function returns. (The notes'
    //    conn.close() sits after the endless loop and is never reached.)
}

/// The client (notes C 方案一, the second program).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect(('127.0.0.1', 8080)).
    let mut phone = net::connect(host, port)?;

    // 3. the communication loop: a line typed, sent, its whole answer read.
    loop {
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

        // 4. the header: exactly 4 bytes.
        // the notes: recv(4), taken to be all four (a read may return fewer); read_exact
        // reads until it has four.
        let mut header = [0u8; HEADER_SIZE];
        phone.read_exact(&mut header)?;

        // 5. struct.unpack('i', header)[0]: the 4 bytes as a little-endian i32.
        let total_size = i32::from_le_bytes(header);
        // A negative size says nothing: no answer can be that long.
        let total_size = usize::try_from(total_size).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, format!("size {total_size}"))
        })?;

        // 6. exactly total_size bytes.
        // the notes: recv(1024) in a loop until recv_size reaches total_size, copying
        // `res += recv_data` each time (and if the server closes early, recv returns b''
        // for ever); read_exact fills one buffer, and fails if the stream ends first.
        let mut res = vec![0u8; total_size];
        phone.read_exact(&mut res)?;
        // The notes decode with gbk: their server was a Chinese Windows. Here it is UTF-8.
        println!(
            "answer ({total_size} bytes):\n{}",
            String::from_utf8_lossy(&res)
        );
    }

    // 7. close
    drop(phone);
    Ok(())
}
