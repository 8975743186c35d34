//! A chat peer at a terminal: the lines a person types, and the two-terminal loop that
//! sends them while a thread prints what arrives.

use super::ChatPeer;
use socket_lessons::{say, Input, Report};
use std::io;

/// What to do after a line of input.
pub(crate) enum Flow {
    Go,
    Quit,
}

impl ChatPeer {
    /// One line typed by the user: `@name text`, `text`, or `q`.
    pub(crate) fn on_input(&self, line: &[u8]) -> Flow {
        let Ok(line) = std::str::from_utf8(line) else {
            say!(
                self.out,
                "that line is not UTF-8 text: not sent" | "这一行不是 UTF-8 文本：没有发送"
            );
            return Flow::Go;
        };
        if line == "q" {
            say!(self.out, "bye" | "再见");
            return Flow::Quit;
        }
        let text = if let Some(rest) = line.strip_prefix('@') {
            let (to, text) = rest.split_once(' ').unwrap_or((rest, ""));
            let mut book = self.book();
            let Some(addr) = book.lookup(to) else {
                say!(
                    self.out,
                    "no peer named {} (known: {})" | "没有叫 {} 的对端（认识的有：{}）",
                    socket_lessons::guard::quiet::escape_invisible(format!("{to:?}")),
                    book.names()
                );
                return Flow::Go;
            };
            book.current = Some((to.to_owned(), addr));
            text.trim()
        } else {
            line
        };
        if !text.is_empty() {
            self.send(text);
        }
        Flow::Go
    }

    /// The two-terminal chat: a thread prints what arrives, this one sends what you type.
    pub(crate) fn chat_from_stdin(self) -> Result<(), Report> {
        say!(
            self.out,
            "you are {}; @name text writes to someone (known: {}), q quits"
                | "你是 {}；输入 @名字 文字 就发给这个人（认识的有：{}），q 退出",
            self.name,
            self.book().names()
        );
        let peer = std::sync::Arc::new(self);
        let listener = std::sync::Arc::clone(&peer);
        std::thread::spawn(move || loop {
            if let Err(e) = listener.receive_one() {
                say!(
                    listener.out,
                    "recvfrom failed: {}" | "recvfrom 失败：{}",
                    socket_lessons::lang::error_text(&e)
                );
            }
        });
        // No prompt: incoming lines would land in the middle of it.
        let mut input = Input::from_reader(io::stdin().lock());
        while let Some(line) = input.next_line()? {
            if line.is_empty() {
                continue;
            }
            if let Flow::Quit = peer.on_input(&line) {
                break;
            }
        }
        // The receiving thread is still in recvfrom; ending the process ends it.
        Ok(())
    }
}
