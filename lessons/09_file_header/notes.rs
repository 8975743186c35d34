//! The notes' program, in plain Rust: notes A §9.2 解决思路, the download with a JSON header
//! and an md5. The client sends a bare name (`girl`); the server answers with
//! `struct.pack('i', len(header))`, the header `{"file_name", "file_type", "file_hex",
//! "data_all"}` and the file's bytes; the client checks the md5 and saves `nb_girl.png`.
//!
//! The length and JSON header (lesson 08) come from `wire::header`, the listener from `wire::net`.
//!
//! Run it in two terminals, server first, in a directory that holds `girl.png`:
//! `cargo run --example 09_file_header -- notes-server`, then `… -- notes-client` and type
//! `girl`, then `q`. Either side can be the notes' own Python program.

use md5::{Digest, Md5};
use socket_lessons::wire::checksum::hex_digest;
use socket_lessons::wire::files::md5_file;
use socket_lessons::wire::header::{read_header, write_header};
use socket_lessons::wire::net::{listen_on, ListenOptions};
use std::fs::{self, File};
use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;

/// The notes' address: `addr = "127.0.0.1"`, `prot = 9696`.
pub const HOST: &str = "127.0.0.1";
pub const PORT: u16 = 9696;

/// `buffer_size = 1024`: the most one recv of the file's bytes asks for.
const BUFFER_SIZE: usize = 1024;

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// The server (notes A §9.2, the last program: `read_data` and the download loop).
pub fn server(host: &str, port: u16) -> io::Result<()> {
    // 1-4. socket(), setsockopt(SO_REUSEADDR) before bind, bind((addr, prot)), listen(5).
    let server = listen_on(host, port, ListenOptions::new())?;
    println!("listening on {}", server.local_addr()?); // (not in the notes) for port 0
    loop {
        // 5. accept(): one client at a time, for ever.
        let (mut conn, client_addr) = server.accept()?;
        println!("client at {client_addr}");
        // The notes' `except Exception: break`: whatever goes wrong with this client (a
        // file that is not there, a reset) ends its connection; the server accepts the next.
        if let Err(e) = serve_client(&mut conn) {
            println!("{client_addr}: {e}; closing the connection"); // (not in the notes)
        }
        drop(conn); // 10. client_socket.close()
    }
    // The notes' server.close() sits after this endless loop and is never reached.
}

/// One client's requests: a name in, a header and a file out, until `q` or the end.
fn serve_client(conn: &mut TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        // 6. recv(1024): the file name. One recv is one name: the client sends the next
        //    only after the whole file has come. 0 bytes: the client has closed.
        let n = conn.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        // The notes' .decode() raises on bytes that are not UTF-8, which ends the client.
        let file_name = std::str::from_utf8(&buf[..n]).map_err(|e| invalid(&e.to_string()))?;
        if file_name == "q" {
            return Ok(());
        }
        // 7. read_data: NAME.png. the notes: beside their script; here in the current directory
        //    (a compiled program lives in target/). fp.read() holds the whole file in memory;
        //    this hashes it in one pass (md5_file) and streams it below: memory does not grow.
        let path = format!("{file_name}.png");
        let mut file =
            File::open(&path).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
        // md5_file rewinds the file to its start after hashing it: the send starts at byte 0.
        let (size, file_hex) = md5_file(&mut file)?;
        // the notes: print(data_to_client_bytes_len); this adds the name and the md5.
        println!("sending {path}: {size} bytes, md5 {file_hex}");
        // 8. the header, as JSON. the notes: json.dumps keeps the dict's order, with ", " and
        //    ": "; serde_json sorts the keys, without spaces (other bytes, the same JSON).
        let header = serde_json::json!({"file_name": file_name, "file_type": "png",
                                        "file_hex": file_hex, "data_all": size});
        let header = serde_json::to_vec(&header)?;
        // 9. struct.pack('i', len(header)), the header, the file. the notes: three send()s,
        //    each may send only part; write_header sends length and header whole, io::copy
        //    the file. Read::by_ref (File has two by_refs, Read's and Write's): take() borrows.
        write_header(conn, &header)?;
        io::copy(&mut Read::by_ref(&mut file).take(size), conn)?;
    }
}

/// The client (notes A §9.2, the download client).
pub fn client(host: &str, port: u16) -> io::Result<()> {
    // 1-2. socket(), connect((addr, prot)).
    let mut client = TcpStream::connect((host, port))?;
    // 3. input(): a name a line, empty lines skipped, `q` or the end quits. the notes: input()
    //    prompts 请输入给服务端的数据 :>>>> on every line (EOFError at the end); here one help line.
    println!("type a file name (girl for girl.png), q to quit");
    for line in io::stdin().lock().lines() {
        let line = line?;
        let name = line.trim();
        if name.is_empty() {
            continue;
        }
        // 4. send the name. the notes: send() may send only part; write_all is sendall.
        client.write_all(name.as_bytes())?;
        if name == "q" {
            break;
        }
        // 5. recv(4), struct.unpack('i'), recv(that many), json.loads. the notes: each recv
        //    taken as whole, and print(pack_data); read_header reads exactly 4, then exactly
        //    that many, prints neither, refuses a length below 0 or over 64 KiB and a header
        //    that is no JSON object, and returns None if the stream ends cleanly first.
        let header: serde_json::Value =
            read_header(&mut client)?.ok_or_else(|| invalid("the server closed the connection"))?;
        // let-else binds all three or returns (the notes' .get() gives None; what follows raises).
        let (Some(data_all), Some(file_name), Some(file_type)) = (
            header["data_all"].as_u64(),
            header["file_name"].as_str(),
            header["file_type"].as_str(),
        ) else {
            return Err(invalid(&format!("not the notes' header: {header}")));
        };
        // the notes: beside the script (dirname(__file__)); here the current directory, as above.
        let file_path = format!("nb_{file_name}.{file_type}");
        // the notes: print(f"data_length_all :>>>> {…}"); this adds the header and the path.
        println!("header {header}: {data_all} bytes, into {file_path}");
        // 6. the bytes, buffer_size at a time, until data_all have come. the notes: data +=
        //    recv() keeps the file in memory (copied every chunk), written after the md5 check;
        //    here each chunk is written and hashed as it comes, the file deleted if md5 differs.
        let mut fp = File::create(&file_path)?;
        let mut md5 = Md5::new();
        let mut count_data = 0u64;
        let mut buf = [0u8; BUFFER_SIZE];
        while count_data < data_all {
            // the notes: recv(buffer_size) whatever is left; this asks for at most what is left.
            let want = (data_all - count_data).min(BUFFER_SIZE as u64) as usize;
            let n = client.read(&mut buf[..want])?;
            if n == 0 {
                break; // the server closed early: what came is short, the md5 check says so
            }
            md5.update(&buf[..n]);
            fp.write_all(&buf[..n])?;
            // the notes: count_data += buffer_size, whatever recv returned; this counts what came.
            count_data += n as u64;
        }
        drop(fp);
        // 7. the md5 of what came against the header's file_hex.
        let new_hex = hex_digest(&md5.finalize());
        let old_hex = header["file_hex"].as_str();
        println!("md5 in the header: {}", old_hex.unwrap_or("none"));
        println!("md5 of what came:  {new_hex}");
        if old_hex != Some(new_hex.as_str()) {
            fs::remove_file(&file_path)?;
            println!("the file is damaged: {file_path} deleted");
            break;
        }
        println!("saved {file_path}: {count_data} bytes"); // (not in the notes)
    }
    drop(client); // 8. close (the notes' client never closes; the end of the program does)
    Ok(())
}
