//! A chat peer's address book: who it can write to, and who it talks to now.

use std::net::SocketAddr;

/// Who a peer can write to, and who it talks to now.
pub(crate) struct Book {
    pub(crate) known: Vec<(String, SocketAddr)>,
    /// The peers given with `--peer`: their addresses are facts, not something a datagram
    /// can change. Anyone can put `[alice]` in front of a message.
    pub(crate) pinned: Vec<String>,
    /// Where a line without `@name` goes: the last one written to or heard from.
    pub(crate) current: Option<(String, SocketAddr)>,
}

impl Book {
    /// A book that knows the peers given with `--peer`, and talks to nobody yet.
    pub(crate) fn new(known: Vec<(String, SocketAddr)>) -> Self {
        Book {
            pinned: known.iter().map(|(name, _)| name.clone()).collect(),
            known,
            current: None,
        }
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<SocketAddr> {
        self.known.iter().find(|(n, _)| n == name).map(|(_, a)| *a)
    }

    pub(crate) fn names(&self) -> String {
        if self.known.is_empty() {
            return "nobody yet".into();
        }
        let names: Vec<&str> = self.known.iter().map(|(n, _)| n.as_str()).collect();
        names.join(", ")
    }
}
