//! The notes' program, in plain Rust: notes C 粘包的解决方案, FTP上传下载文件的代码（简单版）,
//! an upload. The client sends `struct.pack('i', len(head))`, the head `{"filepath",
//! "filename", "filesize"}` as JSON, then the file; the server saves it under `filename`
//! and ends. No md5 and no answer: the notes' simple version has neither.
//!
//! Run it in two terminals, server first, in the directory to save into:
//! `cargo run --example 09_file_header -- notes-c-ftp-server`; then, in a directory that
//! holds a file named `config` (the notes' file; change FILENAME to send another),
//! `… -- notes-c-ftp-client`. Either side can be the notes' own Python program.

use socket_lessons::wire::framing::encode_len;
use socket_lessons::wire::header::read_header;
use socket_lessons::wire::net::{listen_on, ListenOptions};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::path::Path;

/// The notes' address: `('127.0.0.1',8090)`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 8090;

/// `buffer = 1024`: the most one recv (or one read of the file) asks for.
const BUFFER: usize = 1024;

/// The file the client sends: the notes' `head['filepath']` (their author's Windows
/// desktop folder; here the current directory) and `head['filename']`.
const FILEPATH: &str = ".";
const FILENAME: &str = "config";

fn error(kind: io::ErrorKind, what: String) -> io::Error {
    io::Error::new(kind, what)
}

/// The server (notes C FTP上传下载文件, 服务端): one client, one file.
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-3. socket(), bind(('127.0.0.1',8090)), listen(). Notes C sets no SO_REUSEADDR, and
    //      listen() takes Python's default backlog, min(SOMAXCONN, 128): 128.
    let options = ListenOptions::new().reuse_address(false).backlog(128);
    let sk = listen_on(host, port, options)?;
    // (not in the notes) where it listens, so that port 0 (any free port) can be used.
    println!("listening on {}", sk.local_addr()?);
    // 4. accept(): the one client.
    let (mut conn, addr) = sk.accept()?;
    println!("client at {addr}"); // (not in the notes)

    // 5. recv(4), struct.unpack('i'), recv(head_len), json.loads.
    //    the notes: recv(4) and recv(head_len) each taken as whole; read_header reads
    //    exactly 4 bytes, then exactly head_len.
    let Some(head) = read_header::<serde_json::Value>(&mut conn)? else {
        return Err(error(io::ErrorKind::UnexpectedEof, "no header".into()));
    };
    // `no` is a closure kept in a variable (a lambda with a name), called as no("filesize").
    let no = |key: &str| error(io::ErrorKind::InvalidData, format!("no {key} in the head"));
    let mut filesize = head["filesize"].as_u64().ok_or_else(|| no("filesize"))?;
    let filename = head["filename"].as_str().ok_or_else(|| no("filename"))?;
    println!("head {head}: {filesize} bytes"); // (not in the notes)

    // 6. open(head['filename'], 'wb'): the name as it came, in the current directory (a
    //    path in it is followed: the course's server refuses one). Then recv and write
    //    until filesize bytes have come.
    //    the notes: two branches, a whole buffer while filesize >= buffer, then one last
    //    recv(buffer) and break, however little it brought; one loop here, each recv asking
    //    for at most what is left, until all of it has come.
    let mut f = File::create(filename)?;
    let mut buf = [0u8; BUFFER];
    while filesize > 0 {
        let want = filesize.min(BUFFER as u64) as usize;
        let n = conn.read(&mut buf[..want])?;
        if n == 0 {
            // the notes: a closed stream's b'' is written and counted as a buffer, until the
            // loop ends; here it is an error. What came stays in the file, short, as there.
            let what = format!("the client closed with {filesize} bytes still to come");
            return Err(error(io::ErrorKind::UnexpectedEof, what));
        }
        f.write_all(&buf[..n])?;
        // the notes: filesize -= buffer, whatever recv returned (their comment that 4096
        // "loses data" is this); this subtracts the bytes that came.
        filesize -= n as u64;
    }
    println!("saved {filename}"); // (not in the notes)

    // 7. conn.close(), sk.close()
    drop(conn);
    drop(sk);
    Ok(())
}

/// The client (notes C FTP上传下载文件, 客户端): sends FILEPATH/FILENAME.
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket(), connect(('127.0.0.1',8090)).
    let mut sk = TcpStream::connect((host, port))?;
    // 3. the head: where the file is, its name, and its size (os.path.getsize).
    let file_path = Path::new(FILEPATH).join(FILENAME);
    let mut filesize = fs::metadata(&file_path)?.len();
    // the notes: json.dumps keeps the dict's order and writes ", " and ": "
    // ({"filepath": ".", "filename": "config", "filesize": 3000}, 57 bytes); serde_json
    // sorts the keys and writes no spaces (52 bytes): other bytes, the same JSON.
    let head = serde_json::json!({
        "filepath": FILEPATH,
        "filename": FILENAME,
        "filesize": filesize,
    });
    let bytes_head = serde_json::to_vec(&head)?;
    // head_len = len(bytes_head), pack_len = struct.pack('i', head_len); then
    // print(json_head), print(bytes_head), print(head_len), print(pack_len), in two lines.
    let pack_len = encode_len(bytes_head.len())?;
    println!("head {head}: {} bytes", bytes_head.len());
    println!(
        "struct.pack('i', {}) = b\"{}\"",
        bytes_head.len(),
        pack_len.escape_ascii()
    );
    // 4. sk.send(pack_len), then sk.send(bytes_head).
    //    the notes: two send() calls, each of which may send only part (and the second may
    //    wait on Nagle, lesson 13); one write_all of both.
    sk.write_all(&[&pack_len[..], &bytes_head[..]].concat())?;
    // 5. the file, buffer bytes at a time: read a piece, send it.
    //    the notes: two branches, f.read(buffer) while filesize >= buffer, then
    //    f.read(filesize) and break; one loop here reads at most what is left.
    let mut f = File::open(&file_path)?;
    let mut buf = [0u8; BUFFER];
    while filesize > 0 {
        let want = filesize.min(BUFFER as u64) as usize;
        let n = f.read(&mut buf[..want])?;
        if n == 0 {
            // the notes: f.read() gives b'' and the loop counts on; here it is an error.
            let what = format!("{} shrank: {filesize} bytes missing", file_path.display());
            return Err(error(io::ErrorKind::UnexpectedEof, what));
        }
        // the notes: send() may send only part; write_all is sendall.
        sk.write_all(&buf[..n])?;
        // the notes: filesize -= buffer; this subtracts what read() returned.
        filesize -= n as u64;
    }
    println!("sent {}", file_path.display()); // (not in the notes)
    drop(sk); // 6. sk.close()
    Ok(())
}
