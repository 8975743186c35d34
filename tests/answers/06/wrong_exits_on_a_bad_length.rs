//! Wrong answer to exercise 06: a bad length ends the program, as a command-line tool
//! would: `process::exit` on data from the network takes the whole server down with it,
//! every other client included.
//! Rejected at: the check's program ended before its verdict, in the step after "a stream cut inside the body is an UnexpectedEof error"
//! Says: exit status 1, without the check's verdict

use std::io::{self, Read};

pub const MAX_LEN: usize = 16 * 1024 * 1024;

pub fn read_frame(reader: &mut dyn Read) -> io::Result<Option<Vec<u8>>> {
    let mut header = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        let n = reader.read(&mut header[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    match got {
        0 => return Ok(None),
        4 => {}
        _ => return Err(io::ErrorKind::UnexpectedEof.into()),
    }
    let len = i32::from_le_bytes(header);
    if len < 0 || len as usize > MAX_LEN {
        eprintln!("bad frame length {len}");
        std::process::exit(1);
    }
    let mut body = vec![0u8; len as usize];
    reader.read_exact(&mut body)?;
    Ok(Some(body))
}
