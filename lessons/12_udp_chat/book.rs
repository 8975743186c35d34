//! A chat peer's address book: who it can write to, and who it talks to now.

use std::net::SocketAddr;

/// The most names a peer learns from datagrams (the ones given with `--peer` are kept
/// besides). Anyone can send a datagram with any name in its tag, from any address: without
/// a limit, a stranger sending `[n1] x`, `[n2] x`, … grows the book for ever (20,000 names
/// were kept in a review). Past the limit, the name heard from longest ago is forgotten.
pub(crate) const MAX_LEARNED: usize = 64;

/// How many names a line lists (the newest); the rest are counted.
const NAMES_SHOWN: usize = 10;

/// The most characters of a name's escaped form a line shows.
const NAME_SHOWN_CHARS: usize = 40;

/// Who a peer can write to, and who it talks to now.
pub(crate) struct Book {
    /// The peers given with `--peer`, then the names learned from datagrams, the one heard
    /// from longest ago first.
    pub(crate) known: Vec<(String, SocketAddr)>,
    /// The peers given with `--peer`: their addresses are facts, not something a datagram
    /// can change. Anyone can put `[alice]` in front of a message.
    pub(crate) pinned: Vec<String>,
    /// Where a line without `@name` goes: the last one written to or heard from.
    pub(crate) current: Option<(String, SocketAddr)>,
}

/// What [`Book::learn`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Learned {
    /// The name was known at that address.
    Same,
    /// The name was known at another address; it is now at this one.
    Moved,
    /// A new name.
    New,
    /// A new name, and this one was forgotten to make room.
    NewForgot(String),
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

    /// `name` was heard from at `addr`: it becomes the newest entry, and, when the learned
    /// names pass [`MAX_LEARNED`], the one heard from longest ago (never a `--peer` one,
    /// nor the one we talk to now) is forgotten.
    pub(crate) fn learn(&mut self, name: &str, addr: SocketAddr) -> Learned {
        let before = self.lookup(name);
        self.known.retain(|(n, _)| n != name);
        self.known.push((name.to_owned(), addr));
        match before {
            Some(old) if old == addr => return Learned::Same,
            Some(_) => return Learned::Moved,
            None => {}
        }
        let learned = self
            .known
            .iter()
            .filter(|(n, _)| !self.pinned.contains(n))
            .count();
        if learned <= MAX_LEARNED {
            return Learned::New;
        }
        let current = self.current.as_ref().map(|(n, _)| n.as_str());
        let oldest = self.known.iter().position(|(n, _)| {
            !self.pinned.contains(n) && Some(n.as_str()) != current && n != name
        });
        match oldest {
            Some(at) => Learned::NewForgot(self.known.remove(at).0),
            // Unreachable with MAX_LEARNED above 2: there is always an older learned name.
            None => Learned::New,
        }
    }

    /// The names known, for a line: the newest few, each cut short, and how many earlier.
    pub(crate) fn names(&self) -> String {
        if self.known.is_empty() {
            return socket_lessons::tr!("nobody yet" | "还没有人");
        }
        // Escaped: a name from a datagram may hold characters that reorder a terminal line.
        // The newest NAMES_SHOWN, each cut to NAME_SHOWN_CHARS of its escaped form, and a
        // count of the rest: 64 names of 32 escaped characters each made a 20 KB line on
        // every plain line typed (an attack).
        let earlier = self.known.len().saturating_sub(NAMES_SHOWN);
        let names: Vec<String> = self.known[earlier..]
            .iter()
            .map(|(n, _)| {
                let shown = crate::shown_name(n);
                match shown.char_indices().nth(NAME_SHOWN_CHARS) {
                    Some((cut, _)) => format!("{}…", &shown[..cut]),
                    None => shown,
                }
            })
            .collect();
        let names = names.join(", ");
        if earlier == 0 {
            names
        } else {
            socket_lessons::tr!("{earlier} earlier, {names}" | "更早的 {earlier} 个，{names}")
        }
    }
}
