//! The notes' program, in plain Rust: notes E §6 socket进阶, 文本文件传输, its receiver
//! (接收端, `receiving_end`) and sender (发送端, `sender`). No header: the sender offers
//! `NAME/SIZE`; the person at the receiver types `y`; the bytes follow; the receiver sends
//! back the md5 of what came, and the sender answers with that md5 if it is its own.
//!
//! Run it in two terminals, receiver first: `cargo run --example 09_file_header --
//! notes-e-text-server`, then `… -- notes-e-text-client PATH`, and type `y` at the
//! receiver. Either side can be the notes' own Python. (`text_transfer.rs` is the course's
//! version of this wire: `-- receiver`, `-- sender`.)

use md5::{Digest, Md5};
use socket_lessons::wire::checksum::hex_digest;
use socket_lessons::wire::net::{listen_on, ListenOptions};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;

/// The notes' address: `ip='127.0.0.1', port=1024`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 1024;

/// Both sides receive with `recv(1500)`, and the sender reads the file 1500 bytes at a time.
const BUFFER: usize = 1500;

/// The sender's answer when the md5s differ. the notes: "大家好,我是失败" ("hello, everyone:
/// I am a failure"); their receiver takes any answer but its own md5 as a failure, as here.
const MISMATCH: &[u8] = b"md5 mismatch";

fn error(kind: io::ErrorKind, what: String) -> io::Error {
    io::Error::new(kind, what)
}

/// The receiver (notes E §6 接收端). (The notes print dots between steps, with sleeps.)
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-3. socket(), bind((ip, port)), listen() (Python's default backlog: 128); no SO_REUSEADDR.
    let options = ListenOptions::new().reuse_address(false).backlog(128);
    let sk = listen_on(host, port, options)?;
    println!("listening on {}", sk.local_addr()?); // (not in the notes) for port 0
    println!("waiting for a sender");
    // 4. accept(): one sender.
    let (mut conn, addr) = sk.accept()?;
    println!("sender at {}", addr.ip());
    // 5. recv(1500): "NAME/SIZE". One recv is the whole offer: the sender sends nothing
    //    more until it has the answer. `bad`, below, is a closure kept in a variable.
    let mut buf = [0u8; BUFFER];
    let n = conn.read(&mut buf)?;
    let bad = |what: String| error(io::ErrorKind::InvalidData, what);
    let name_size = std::str::from_utf8(&buf[..n]).map_err(|e| bad(e.to_string()))?;
    let (file_name, file_size) = name_size
        .split_once('/')
        .ok_or_else(|| bad(format!("{name_size:?} is not NAME/SIZE")))?;
    let mut file_size: u64 = file_size.parse().map_err(|_| bad(name_size.into()))?;
    // 6. input(): the person at the receiver answers; `y` receives the file, anything else
    //    declines. The answer goes to the sender as typed. the notes: at the end of input,
    //    input() raises EOFError; here that declines too.
    println!("file {file_name}, {file_size} bytes: type y to receive it");
    let mut oper = String::new();
    io::stdin().read_line(&mut oper)?;
    let oper = oper.trim_end_matches(['\r', '\n']);
    // the notes: send() may send only part; write_all is sendall.
    conn.write_all(oper.as_bytes())?;
    if oper != "y" {
        println!("declined"); // (not in the notes)
        return Ok(());
    }
    // 7. 'zyk.' + the name (the notes' prefix, "to avoid a clash"), written as it comes,
    //    hashed on the way, until file_size bytes have come.
    let path = format!("zyk.{file_name}");
    let mut f = File::create(&path)?;
    let mut md5 = Md5::new();
    while file_size > 0 {
        // the notes: recv(1500) whatever is left; this asks for at most what is left.
        let want = file_size.min(BUFFER as u64) as usize;
        let n = conn.read(&mut buf[..want])?;
        if n == 0 {
            // the notes: a closed stream's b'' counts as 1500 until the loop ends; an error here.
            let what = format!("the sender closed with {file_size} bytes still to come");
            return Err(error(io::ErrorKind::UnexpectedEof, what));
        }
        md5.update(&buf[..n]);
        // the notes: f.write(ret.decode('utf-8')), each chunk decoded on its own, which
        // raises when a chunk ends inside a character; this writes the bytes as they came.
        f.write_all(&buf[..n])?;
        // the notes: file_size -= 1500, whatever recv returned; this subtracts what came.
        file_size -= n as u64;
    }
    // 8. the md5 of what came, to the sender; 9. its verdict: that md5 again means it
    //    matched the sender's own.
    let hex = hex_digest(&md5.finalize());
    conn.write_all(hex.as_bytes())?;
    let mut verdict = Vec::new();
    // the notes: recv(1500) taken as the whole verdict; the sender closes after it, so
    // this reads to the end.
    conn.read_to_end(&mut verdict)?;
    if verdict == hex.as_bytes() {
        println!("received {path}: md5 {hex}, the sender's own");
    } else {
        println!("check failed: the sender's md5 is not {hex} ({path} kept as it came)");
    }
    drop(conn); // 10. conn.close()
    drop(sk); // sk.close()
    Ok(())
}

/// The sender (notes E §6 发送端): `sender(file_path, host, port)`, the file its argument.
pub fn client(host: &str, port: u16, file_path: &Path) -> io::Result<()> {
    // 1. path.basename and path.getsize: the offer "NAME/SIZE". file_name() is None for a
    //    path like `..` (here an empty name), and to_string_lossy shows non-UTF-8 as U+FFFD.
    let file_name = file_path.file_name().unwrap_or_default().to_string_lossy();
    let mut file_size = fs::metadata(file_path)?.len();
    let name_size = format!("{file_name}/{file_size}");
    println!("sending {file_name}, {file_size} bytes");
    // 2. socket(), connect_ex((host, port)).
    //    the notes: connect_ex returns an error number, which they ignore (the send after it
    //    fails instead); connect fails here, saying why.
    let mut sk = TcpStream::connect((host, port))?;
    // 3. send the offer, then recv(1500) the answer: `y` or not.
    //    the notes: send() may send only part; write_all is sendall (here and below).
    sk.write_all(name_size.as_bytes())?;
    println!("offered {name_size}; waiting for the receiver's answer");
    let mut buf = [0u8; BUFFER];
    let n = sk.read(&mut buf)?;
    if &buf[..n] != b"y" {
        println!("the receiver declined");
        return Ok(());
    }
    // 4. the file, 1500 bytes at a time, hashed on the way.
    let mut f = File::open(file_path)?;
    let mut md5 = Md5::new();
    while file_size > 0 {
        // the notes: f.read(1500), whatever is left; this reads at most what is left.
        let want = file_size.min(BUFFER as u64) as usize;
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            // the notes: a file that shrank gives b'', counted as 1500; here an error.
            let what = format!("{file_name} shrank: {file_size} bytes missing");
            return Err(error(io::ErrorKind::UnexpectedEof, what));
        }
        md5.update(&buf[..n]);
        sk.write_all(&buf[..n])?;
        // the notes: file_size -= 1500, then sleep(0.3) "to avoid 粘包"; this subtracts
        // what read() returned, and does not sleep: the receiver counts the bytes.
        file_size -= n as u64;
    }
    // 5. the receiver's md5; 6. the verdict: that md5 back if it is ours.
    //    the notes: recv(1500) taken as the whole md5; read_exact reads its 32 hex digits.
    let mut verify = [0u8; 32];
    sk.read_exact(&mut verify)?;
    let hex = hex_digest(&md5.finalize());
    if verify == hex.as_bytes() {
        sk.write_all(&verify)?;
        println!("sent: the receiver's md5 is ours, {hex}");
    } else {
        sk.write_all(MISMATCH)?;
        println!("check failed: the receiver's md5 is not ours, {hex}");
    }
    drop(sk); // 7. sk.close()
    Ok(())
}
