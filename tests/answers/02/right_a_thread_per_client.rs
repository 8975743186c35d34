//! A right answer to exercise 02 in another style: a thread per client; errors end that
//! client's thread, and accept errors are skipped.

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let Ok((mut conn, _addr)) = listener.accept() else {
            continue;
        };
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 || conn.write_all(&buf[..n].to_ascii_uppercase()).is_err() {
                    break;
                }
            }
        });
    }
}
