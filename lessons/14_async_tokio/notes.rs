//! The notes' program on tokio: notes C 粘包的解决方案 方案一, the command server and client
//! of lesson 06's notes.rs, each socket call now `.await`ed. The wire is unchanged: the
//! command goes bare, the answer comes back as `struct.pack('i', n)` (4 bytes,
//! little-endian) and n bytes of output. Either side can be the notes' own Python program
//! (notes C 方案一, notes E §8 进阶思路), or lesson 06.
//!
//! Run it in two terminals, server first:
//! `cargo run --example 14_async_tokio --features async -- notes-server`, then `… --
//! notes-client`, and type `seq 1000`, then `echo hi`. The server runs whatever it is sent,
//! as the notes' does: keep it on 127.0.0.1.
//!
//! What async changes here: nothing a client can see. The server still serves one client
//! at a time, because it `.await`s each client before it accepts the next, exactly as the
//! notes' loop does; async buys nothing until each client gets a task of its own
//! (`tokio::spawn`, the course's server in main.rs).

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Command;

/// The notes' address: `('127.0.0.1', 8080)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8080;

/// `struct.pack('i', n)` is 4 bytes.
const HEADER_SIZE: usize = 4;

/// The server (notes C 方案一, the first program).
pub async fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-3. socket(), bind(), listen(): one call. tokio's bind sets SO_REUSEADDR on Unix, as
    //      std's does (the notes: none, lesson 03), and listens with std's backlog, 128.
    let phone = TcpListener::bind((host, port)).await?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", phone.local_addr()?);

    // 4. the connection loop: one client at a time, for ever.
    loop {
        // accept() no longer blocks the thread: it gives the runtime back its thread until
        // a client is there. Nothing else is waiting for the thread, so nothing changes.
        let (conn, client_addr) = phone.accept().await?;
        println!("client address: {client_addr}");
        // The notes' design: this client to its end, then the next. `.await` keeps it so;
        // `tokio::spawn(serve_client(conn))` would serve each client on a task of its own.
        // the notes: only ConnectionResetError is caught; here any error ends this client.
        if let Err(e) = serve_client(conn).await {
            println!("connection ended: {e}");
        }
    }
}

/// The communication loop with one client: a bare command in, a framed answer out.
async fn serve_client(mut conn: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // 5. recv(1024): the command. 方案一 frames only the answer: one read is taken as
        //    one command.
        let n = conn.read(&mut buf).await?;
        // the notes: no check for 0 bytes (a closed client's b'' runs as an empty
        // command); 0 means closed.
        if n == 0 {
            return Ok(());
        }
        // the notes: .decode('utf-8') raises on bytes that are not UTF-8; here they
        // become U+FFFD.
        let cmd = String::from_utf8_lossy(&buf[..n]).into_owned();
        println!("command: {cmd}");
        // subprocess.Popen(cmd, shell=True, stdout=PIPE, stderr=PIPE), read to the end.
        // tokio's Command waits for the child without holding a thread; std's output()
        // here would hold this runtime's thread until the command ends.
        // the notes: stdout is read to its end before stderr (a command that fills the
        // stderr pipe first never ends); output() reads both at once.
        let out = shell(&cmd).output().await?;

        // 6. the fixed-size header: struct.pack('i', total_size), little-endian.
        //    struct.pack raises for a size over i32::MAX; try_from fails the same way.
        let total_size = out.stdout.len() + out.stderr.len();
        let header: [u8; HEADER_SIZE] = i32::try_from(total_size)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "over 2 GiB of output"))?
            .to_le_bytes();
        println!("header {header:02x?}, then {total_size} bytes");

        // 7. the header, then stdout, then stderr.
        // the notes: three send()s, each of which may send only part, and whose small
        // writes can wait on each other (Nagle, lesson 13); one write_all.
        let mut answer = header.to_vec();
        answer.extend_from_slice(&out.stdout);
        answer.extend_from_slice(&out.stderr);
        conn.write_all(&answer).await?;
    }
    // 8. close: `conn` is dropped (closed) when this function returns.
}

/// The command through the shell, as `shell=True` does.
fn shell(cmd: &str) -> Command {
    #[cfg(windows)]
    let (shell, flag) = ("cmd", "/C");
    #[cfg(not(windows))]
    let (shell, flag) = ("sh", "-c");
    let mut command = Command::new(shell);
    command.args([flag, cmd]);
    command
}

/// The client (notes C 方案一, the second program).
pub async fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket() and connect(('127.0.0.1', 8080)).
    let mut phone = TcpStream::connect((host, port)).await?;
    // input(): lines from stdin, read without holding the runtime's thread.
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    let mut stdout = tokio::io::stdout();

    // 3. the communication loop: a line typed, sent, its whole answer read.
    loop {
        stdout.write_all(b"command> ").await?;
        stdout.flush().await?;
        let Some(line) = lines.next_line().await? else {
            break; // end of input (the notes' input() raises EOFError)
        };
        let cmd = line.trim();
        if cmd.is_empty() {
            continue; // an empty send puts nothing on the wire (lesson 02)
        }
        // the notes: send() may send only part; write_all is sendall.
        phone.write_all(cmd.as_bytes()).await?;

        // 4. the header: exactly 4 bytes.
        // the notes: recv(4), taken to be all four; read_exact reads until it has four.
        let mut header = [0u8; HEADER_SIZE];
        phone.read_exact(&mut header).await?;

        // 5. struct.unpack('i', header)[0], and a negative size refused.
        let total_size = i32::from_le_bytes(header);
        let total_size = usize::try_from(total_size).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidData, format!("size {total_size}"))
        })?;

        // 6. exactly total_size bytes.
        // the notes: recv(1024) in a loop, `res += recv_data` (and b'' for ever if the
        // server closes early); read_exact fills one buffer, or fails if the stream ends.
        let mut res = vec![0u8; total_size];
        phone.read_exact(&mut res).await?;
        // The notes decode with gbk (a Chinese Windows server); here it is UTF-8.
        let text = format!(
            "answer ({total_size} bytes):\n{}\n",
            String::from_utf8_lossy(&res)
        );
        stdout.write_all(text.as_bytes()).await?;
    }

    // 7. close
    drop(phone);
    Ok(())
}
