//! The notes' program, in plain Rust: notes D 解决粘包问题 (完整版), the command server and
//! client with a JSON header (notes C 方案二 is the same wire; its key is `file_name`).
//! Every answer is `struct.pack('i', len(header))`, the header (a dict as JSON:
//! `total_size`, `md5`, `filename`), then `total_size` bytes of output.
//!
//! Run it in two terminals, server first: `cargo run --example 08_json_header --
//! notes-server`, then `… -- notes-client`. Either side can be the notes' own Python.

use md5::{Digest, Md5};
use socket_lessons::wire::net::{listen_on, ListenOptions};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::process::Command;

/// The notes' address: `('127.0.0.1', 8090)`, where their server listens (see `client`).
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8090;

/// `shell=True`: `sh -c LINE`, or on Windows `cmd.exe /c "LINE"` as Python builds it.
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

/// InvalidData from a text or an error. `impl Into<Box<dyn Error + Send + Sync>>`: any type
/// that converts into a boxed error, as &str and every error type do (Send + Sync: it may
/// cross threads), so both `invalid("…")` and `map_err(invalid)` work.
fn invalid(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The server (notes D, the first program).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // socket(AF_INET, SOCK_STREAM), bind, listen(5). Notes D sets no SO_REUSEADDR, so a
    // restart right after serving a client may fail with "address in use" (lesson 03).
    let server = listen_on(host, port, ListenOptions::new().reuse_address(false))?;
    println!("listening on {}", server.local_addr()?); // (not in the notes) for port 0

    loop {
        let (mut conn, addr) = server.accept()?;
        println!("client address: {addr}"); // print(addr), labelled
        if let Err(e) = serve_client(&mut conn) {
            // the notes: `except ConnectionResetError` only, so any other error (a client
            // gone mid-answer, a command not UTF-8) ends the server; here it ends this client.
            println!("client dropped: {e}"); // (not in the notes)
        }
        drop(conn); // conn.close()
    }
    // The notes' server.close() sits after this endless loop and is never reached.
}

fn serve_client(conn: &mut TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 8096];
    loop {
        // recv(8096): one read is one command (the client waits for each answer).
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(()); // the client closed
        }
        let cmd = std::str::from_utf8(&buf[..n]).map_err(invalid)?;
        println!("command: {cmd}"); // (not in the notes)

        // Popen(cmd, shell=True, …); the body is stdout, then stderr. the notes: read stdout,
        // then stderr (which hangs once a command fills the stderr pipe); output() reads both.
        let output = shell(cmd).output()?;
        let body = [output.stdout, output.stderr].concat();

        // 1. 先制作报头, the header: the body's size, its md5, a name. the notes: 'md5':
        //    'xxxxxxxxxxxxxxxxxxx', a placeholder; this is the real md5, hashlib.md5(body)
        //    .hexdigest(): 16 bytes as 32 hex digits (map, then collect into a String: ''.join).
        let digest = Md5::digest(&body);
        let md5: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let header = serde_json::json!({
            "total_size": body.len(),
            "md5": md5,
            // notes D's placeholder (output has no file name); 'xxxxx': '123123' left out.
            "filename": "xxxxx",
        });
        // json.dumps(header).encode('utf-8'). the notes: json.dumps keeps the dict's order, with
        // ", " and ": "; serde_json sorts the keys, no spaces (other bytes, the same JSON).
        let header_bytes = serde_json::to_vec(&header)?;
        println!("header: {header}"); // (not in the notes)

        // Still 1: struct.pack('i', len(header_bytes)), 4 bytes, little-endian (a header of a
        //    few dozen bytes always fits in 'i'). Then 2. the length, 3. the header, 4. the body.
        //    the notes: four send() calls (length, header, stdout, stderr), each of which
        //    may send only part, the later ones waiting on Nagle (lesson 13); one write_all.
        let mut message = (header_bytes.len() as i32).to_le_bytes().to_vec();
        message.extend_from_slice(&header_bytes);
        message.extend_from_slice(&body);
        conn.write_all(&message)?;
    }
}

/// The client (notes D, the second program, captioned 客户端 below it).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // socket(AF_INET, SOCK_STREAM), connect. the notes: the client dials 8089 while the
    // server listens on 8090, so the two never meet; both use PORT here.
    let mut client = TcpStream::connect((host, port))?;

    loop {
        print!(">>: ");
        io::stdout().flush()?;
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            break; // the notes: input() raises EOFError; the end of input ends the client
        }
        let cmd = line.trim();
        if cmd.is_empty() {
            continue; // an empty send sends nothing: both sides would wait
        }
        client.write_all(cmd.as_bytes())?; // the notes: send() may send part; write_all is sendall

        // 1. the header's length: struct.unpack('i', recv(4))[0]; negative is an error.
        //    the notes: recv(4) taken as all 4 bytes; read_exact waits for the 4.
        let mut len = [0u8; 4];
        client.read_exact(&mut len)?;
        let header_size = usize::try_from(i32::from_le_bytes(len)).map_err(invalid)?;

        // 2. the header, decoded and parsed: json.loads(header_bytes.decode('utf-8')).
        //    the notes: recv(header_size) taken as the whole header; read_exact reads it all.
        let mut header_bytes = vec![0u8; header_size];
        client.read_exact(&mut header_bytes)?;
        let header: serde_json::Value = serde_json::from_slice(&header_bytes)?;
        // the notes: print(header_dic), a Python dict; this prints `header: ` and the JSON.
        println!("header: {header}");
        // header_dic['total_size']: a header without it is an error, as the KeyError is.
        let total_size = header["total_size"]
            .as_u64()
            .ok_or_else(|| invalid("the header has no whole-number total_size"))?;

        // 3. the body: exactly total_size bytes, however many reads it takes.
        //    the notes: `while recv_size < total_size: res += recv(1024)`, which spins for
        //    ever if the server closes early; take() stops at total_size or at the end.
        //    take(self) would use `client` up; `&mut client`, itself a reader, only lends it.
        let mut res = Vec::new();
        (&mut client).take(total_size).read_to_end(&mut res)?;
        if (res.len() as u64) < total_size {
            let cut = format!("the stream ended after {} of {total_size} bytes", res.len());
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, cut));
        }
        // DELIBERATE: the header's md5 is never compared with the body's, as in the notes;
        // the course's client checks it (this lesson's exercise).
        // the notes: .decode('gbk'), their Windows console's; this reads UTF-8 (else U+FFFD).
        println!("{}", String::from_utf8_lossy(&res));
    }

    drop(client); // client.close()
    Ok(())
}
