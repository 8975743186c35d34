//! Built-in commands for the command servers of lessons 04 and 06.
//!
//! The notes' servers run whatever the client types through the shell (`ifconfig`, `dir`,
//! `tasklist`), whose output differs from machine to machine. To show 粘包 with exact byte
//! counts, lessons 04 and 06 answer a few portable commands of known output instead. Lesson
//! 07 runs the real shell.
//!
//! | command | output | size |
//! |---|---|---|
//! | `seq N` | the numbers 1 to N, one per line (like Unix `seq`) | `seq 300` is 1092 bytes |
//! | `echo TEXT` | TEXT and a newline | |
//! | `bytes N` | N bytes of `0123456789abcdef` repeated | N |
//!
//! Anything else gets a one-line error as its output, as a shell would print to stderr.
//!
//! [`upper`] is the echo servers' rule, shared by lessons 02, 03, 05, 10, 11 and 14.

/// The most output a command may produce: the frame limit of lesson 06.
pub const MAX_OUTPUT: usize = crate::wire::framing::MAX_FRAME_LEN;

/// Runs one command line and returns its output.
///
/// ```
/// use socket_lessons::stage::commands::run_builtin;
/// assert_eq!(run_builtin(b"seq 3"), b"1\n2\n3\n");
/// assert_eq!(run_builtin(b"seq 300").len(), 1092);
/// assert_eq!(run_builtin(b"echo hi"), b"hi\n");
/// ```
pub fn run_builtin(line: &[u8]) -> Vec<u8> {
    let Ok(line) = std::str::from_utf8(line) else {
        return b"error: the command is not UTF-8 text\n".to_vec();
    };
    let line = line.trim();
    let (name, arg) = line.split_once(' ').unwrap_or((line, ""));
    let arg = arg.trim();
    match name {
        "echo" if arg.len() >= MAX_OUTPUT => too_long(line),
        "echo" => format!("{arg}\n").into_bytes(),
        "seq" => match count(arg) {
            Ok(n) => {
                let mut out = String::new();
                for i in 1..=n {
                    out.push_str(&i.to_string());
                    out.push('\n');
                    if out.len() > MAX_OUTPUT {
                        return too_long(line);
                    }
                }
                out.into_bytes()
            }
            Err(e) => e,
        },
        "bytes" => match count(arg) {
            Ok(n) if n > MAX_OUTPUT => too_long(line),
            Ok(n) => b"0123456789abcdef"
                .iter()
                .copied()
                .cycle()
                .take(n)
                .collect(),
            Err(e) => e,
        },
        "" => b"error: empty command\n".to_vec(),
        _ => format!(
            "error: unknown command {}; this lesson knows seq N, echo TEXT, bytes N\n",
            shown(name)
        )
        .into_bytes(),
    }
}

/// The echo servers' rule (lessons 02, 03, 05, 10, 11, 14): the ASCII letters upper-cased,
/// every other byte as it came, as Python's `bytes.upper()` does. No decoding, so bytes
/// that are not UTF-8 cannot kill the server (the notes' `data.decode().upper()` raises on
/// them), and an answer is exactly as long as its request: Unicode's upper-casing
/// (`str.upper()`, Rust's `to_uppercase`) can make text longer (`ΐ`, U+0390, 2 bytes,
/// becomes `Ϊ́`, 6), which would let a 1 KiB datagram get a 3 KiB answer (a UDP server
/// that answers more than it is asked is a reflector for forged sources, RFC 8085 §6).
///
/// ```
/// use socket_lessons::stage::commands::upper;
/// assert_eq!(upper("你好 rust".as_bytes()), "你好 RUST".as_bytes());
/// assert_eq!(upper(b"caf\xe9"), b"CAF\xe9");
/// // Only ASCII letters: `ΐ` and `ß` stay as they are, and the answer as long as the request.
/// assert_eq!(upper("ΐ ß x".as_bytes()), "ΐ ß X".as_bytes());
/// ```
pub fn upper(data: &[u8]) -> Vec<u8> {
    data.to_ascii_uppercase()
}

fn count(arg: &str) -> Result<usize, Vec<u8>> {
    arg.parse()
        .map_err(|_| format!("error: {} is not a count\n", shown(arg)).into_bytes())
}

fn too_long(line: &str) -> Vec<u8> {
    format!(
        "error: the output of {} would be over {MAX_OUTPUT} bytes\n",
        shown(line)
    )
    .into_bytes()
}

/// A piece of the request, quoted for an error message: whole when short, its start and
/// its length when long. An error quoting a 16 MiB request whole would itself be over the
/// frame limit, and the client would get no answer at all.
fn shown(text: &str) -> String {
    const MAX: usize = 40;
    if text.len() <= MAX {
        return format!("{text:?}");
    }
    let mut end = MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{:?}… ({} bytes)", &text[..end], text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_about_a_huge_request_stays_short() {
        let huge = "x".repeat(MAX_OUTPUT);
        let answer = run_builtin(huge.as_bytes());
        assert!(answer.len() < 200, "{} bytes", answer.len());
        assert!(String::from_utf8(answer)
            .unwrap()
            .ends_with("… (16777216 bytes); this lesson knows seq N, echo TEXT, bytes N\n"));
        let echo = format!("echo {huge}");
        assert!(run_builtin(echo.as_bytes()).starts_with(b"error: the output of \"echo xxx"));
        assert_eq!(
            run_builtin(b"nope"),
            b"error: unknown command \"nope\"; this lesson knows seq N, echo TEXT, bytes N\n"
        );
    }

    #[test]
    fn seq_300_is_1092_bytes_ending_in_300() {
        let out = run_builtin(b"seq 300");
        assert_eq!(out.len(), 1092);
        assert!(out.starts_with(b"1\n2\n"));
        assert!(out.ends_with(b"299\n300\n"));
    }

    #[test]
    fn bytes_makes_exactly_that_many() {
        assert_eq!(run_builtin(b"bytes 20"), b"0123456789abcdef0123");
        assert_eq!(run_builtin(b"bytes 5000000").len(), 5_000_000);
    }

    #[test]
    fn bad_commands_get_one_line_of_error() {
        for line in [
            &b"rm -rf /"[..],
            b"seq x",
            b"bytes 99999999999",
            b"",
            b"\xff",
        ] {
            let out = run_builtin(line);
            assert!(
                out.starts_with(b"error: "),
                "{:?}",
                String::from_utf8_lossy(&out)
            );
            assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
        }
    }
}
