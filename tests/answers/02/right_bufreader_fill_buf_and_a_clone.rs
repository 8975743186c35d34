//! A right answer to exercise 02 in another style (from a teacher's blind set): reads
//! through BufReader::fill_buf and consume, writes through conn.try_clone(); a failed
//! accept waits 10 ms and is skipped.

use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let conn = match listener.accept() {
            Ok((c, _)) => c,
            Err(_) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
                continue;
            }
        };
        let Ok(mut out) = conn.try_clone() else {
            continue;
        };
        let mut reader = BufReader::with_capacity(4096, conn);
        loop {
            let mut chunk = match reader.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(bytes) => bytes.to_vec(),
            };
            reader.consume(chunk.len());
            if chunk == b"q" {
                break;
            }
            chunk.make_ascii_uppercase();
            if out.write_all(&chunk).is_err() {
                break;
            }
        }
    }
}
