//! A right answer to exercise 02 in another style (from a teacher's blind set): the answer
//! is written through conn.try_clone(), a second handle to the same connection.

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let Ok((mut conn, _)) = listener.accept() else {
            continue;
        };
        let Ok(mut writer) = conn.try_clone() else {
            continue;
        };
        loop {
            let n = match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if &buf[..n] == b"q" {
                break;
            }
            if writer.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                break;
            }
        }
    }
}
