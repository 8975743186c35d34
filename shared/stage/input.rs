//! Lines typed by the user, or piped in: the lessons' `input()`.

use std::io::{self, BufRead, IsTerminal, Write};

/// Lines typed by the user (or piped in), like Python's `input(prompt).strip()`.
///
/// The prompt is shown only when stdin is a terminal, so piped input gives clean output.
/// Lines are bytes, not text: whatever the user sends goes on the wire as it is, invalid
/// UTF-8 included (which is how you test a server against it).
pub struct Input<R> {
    reader: R,
    prompt: Option<String>,
}

impl Input<io::StdinLock<'static>> {
    /// Lines from stdin, with `prompt` shown before each when stdin is a terminal.
    pub fn stdin(prompt: &str) -> Self {
        let stdin = io::stdin();
        let prompt = stdin.is_terminal().then(|| prompt.to_owned());
        Input {
            reader: stdin.lock(),
            prompt,
        }
    }
}

impl<R: BufRead> Input<R> {
    /// Lines from any reader, never with a prompt (for tests).
    pub fn from_reader(reader: R) -> Self {
        Input {
            reader,
            prompt: None,
        }
    }

    /// The next line with surrounding white space removed, or `None` at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        if let Some(prompt) = &self.prompt {
            let mut out = io::stdout().lock();
            write!(out, "{prompt}")?;
            out.flush()?;
        }
        let mut line = Vec::new();
        if self.reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(line.trim_ascii().to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_lines_are_trimmed_bytes_and_end_at_eof() {
        let mut input = Input::from_reader(&b" hello \n\ncaf\xe9\r\nlast"[..]);
        assert_eq!(input.next_line().unwrap(), Some(b"hello".to_vec()));
        assert_eq!(input.next_line().unwrap(), Some(b"".to_vec()));
        assert_eq!(input.next_line().unwrap(), Some(b"caf\xe9".to_vec()));
        assert_eq!(input.next_line().unwrap(), Some(b"last".to_vec()));
        assert_eq!(input.next_line().unwrap(), None);
    }
}
