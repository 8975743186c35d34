//! The notes' program, in plain Rust: notes A §9.1 问题演示, the command server (`run_cmd`)
//! and the client that reads its `struct.pack('i', n)` header. Notes C 方案一 and notes E §8
//! 进阶思路 speak the same wire.
//!
//! The client sends a command line, bare; the server runs it through the shell and answers
//! with one frame: 4 bytes of length, then stdout, or stderr when stdout is empty. Lesson 06
//! wrote that frame out by hand; here it is `read_frame` / `write_frame`.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 07_remote_cmd -- notes-server`, then `… -- notes-client` and type
//! commands (`q` quits). Either side can be the notes' own Python program.

use socket_lessons::wire::framing::{read_frame, write_frame};
use socket_lessons::wire::net::{listen_on, ListenOptions};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::Command;

/// The notes' address: `addr = "127.0.0.1"`, `prot = 9696`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// `shell=True`: the line goes to the system's shell, which understands pipes, `;` and
/// quotes. On Windows Python builds `cmd.exe /c "LINE"`, handed over as it is.
#[cfg(windows)]
fn shell(cmd: &str) -> Command {
    use std::os::windows::process::CommandExt;
    let mut shell = Command::new("cmd");
    shell.arg("/C").raw_arg(format!("\"{cmd}\""));
    shell
}

#[cfg(not(windows))]
fn shell(cmd: &str) -> Command {
    let mut shell = Command::new("sh");
    shell.arg("-c").arg(cmd);
    shell
}

/// The notes' `run_cmd`: run the line, answer stdout, or stderr when stdout is empty.
fn run_cmd(cmd: &str) -> io::Result<Vec<u8>> {
    // stdout=PIPE, stderr=PIPE, then read both to their end.
    // DELIBERATE: no time limit, as in the notes: `sleep 1000` or `ping ::1` holds this server,
    // which serves one client at a time, for as long as it runs (the course's kills it).
    // the notes: stdout.read() then stderr.read(), which hangs for ever once a command fills
    // the stderr pipe first; output() reads both pipes at once.
    let output = shell(cmd).output()?;
    // the notes: encoding="utf-8" turns the output into text (raising on bytes that are not
    // UTF-8) and .encode() back into bytes; this keeps the bytes the command wrote.
    Ok(if output.stdout.is_empty() {
        output.stderr
    } else {
        output.stdout
    })
}

/// The server (notes A §9.1, the second program).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-3. socket(), setsockopt(SO_REUSEADDR) before bind, bind((addr, prot)), listen(5):
    //      lesson 03 wrote the four calls out; wire::net makes them in that order.
    let server = listen_on(host, port, ListenOptions::new())?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", server.local_addr()?);

    // The connection loop: one client at a time, for ever.
    loop {
        // 4. accept()
        let (mut conn, client_addr) = server.accept()?;
        println!("client address: {client_addr}");
        // The notes wrap the communication loop in `try: … except Exception: break`:
        // whatever goes wrong ends this client, not the server.
        if let Err(e) = serve_client(&mut conn) {
            println!("client dropped: {e}");
        }
        // 7. close the connection; the listening socket goes on (the notes' server.close()
        //    after the loop is never reached).
        drop(conn);
    }
}

/// The communication loop with one client: a command in, its answer out.
fn serve_client(conn: &mut TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // 5. recv(1024): one read is one command. It works because the client sends the
        //    next one only after the whole answer has come back.
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(()); // 0 bytes: the client closed
        }
        // .decode(): an error for bytes that are not UTF-8, which ends this client.
        let cmd = std::str::from_utf8(&buf[..n])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        if cmd == "q" {
            return Ok(());
        }
        println!("command: {cmd}");

        let answer = run_cmd(cmd)?;
        println!("answer: {} bytes", answer.len());

        // 6. send struct.pack('i', len(answer)), then the answer.
        //    the notes: two send() calls, each of which may send only part (and the second
        //    waits on Nagle's algorithm, lesson 13); write_frame sends both in one sendall.
        write_frame(conn, &answer)?;
    }
}

/// The client (notes A §9.1, the first program).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect((addr, prot))
    let mut client = TcpStream::connect((host, port))?;

    let mut line = String::new();
    loop {
        print!("command :>>>> ");
        io::stdout().flush()?;
        line.clear();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // end of input
        }
        let cmd = line.trim();
        // An empty send puts nothing on the wire, and both sides would wait (lesson 02).
        if cmd.is_empty() {
            continue;
        }

        // 3. send the command, bare.
        //    the notes: send() may send only part; write_all is sendall.
        client.write_all(cmd.as_bytes())?;
        if cmd == "q" {
            break;
        }

        // 4. recv(4) for the length, then recv until that many bytes have come.
        //    the notes: recv(4) taken as all 4 bytes, and `count_data += buffer_size` counts
        //    1024 per recv whatever came; read_frame reads exactly 4, then exactly n.
        let Some(answer) = read_frame(&mut client)? else {
            println!("the server closed the connection");
            break;
        };
        println!("answer: {} bytes", answer.len());
        // the notes: .decode() raises on bytes that are not UTF-8; this shows them as U+FFFD.
        let result = String::from_utf8_lossy(&answer);
        if result == "q" {
            break; // as in the notes: an answer that is just `q` ends the client too
        }
        println!("from the server:\n{result}");
    }

    // 5. close
    drop(client);
    Ok(())
}
