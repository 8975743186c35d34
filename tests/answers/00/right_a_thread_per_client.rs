//! A right answer to exercise 00 in another style: a thread per client, each thread ending
//! (and dropping its connection) when its client is done.

use std::io::{self, Read, Write};
use std::net::TcpListener;

pub fn serve(listener: TcpListener) -> io::Result<()> {
    for conn in listener.incoming() {
        let Ok(mut conn) = conn else { continue };
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0
                    || conn
                        .write_all(format!("got {n} bytes\n").as_bytes())
                        .is_err()
                {
                    break;
                }
            }
        });
    }
    Ok(())
}
