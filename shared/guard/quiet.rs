//! A log that a peer cannot flood: short previews of what it sent, repeated events counted
//! instead of printed, and accept failures that back off instead of spinning.
//!
//! A server that logs what a peer sent, whole, writes more than the peer sent (escaping
//! turns one byte into four): a hostile peer then fills the disk faster than its own link
//! could. And a server whose `accept` fails at once and again (no descriptor left: EMFILE)
//! writes the same line as fast as the loop turns. These three tools keep every log to
//! about a line per event, and at most a few lines a second per kind of event, whatever a
//! peer does. They decide *what* to print; the caller prints it.

use std::io;
use std::time::{Duration, Instant};

/// The most bytes of a peer's message shown in a log line: enough to recognise it.
pub const PREVIEW_BYTES: usize = 32;

/// `b"GET / HTTP/1.1\r\n"…(1,204 bytes)`: at most [`PREVIEW_BYTES`] of what a peer sent,
/// escaped, and the whole size when there was more.
pub fn preview(bytes: &[u8]) -> String {
    if bytes.len() <= PREVIEW_BYTES {
        format!("b\"{}\"", bytes.escape_ascii())
    } else {
        crate::tr!(
            "b\"{}\"…({} bytes)" | "b\"{}\"…（{} 字节）",
            bytes[..PREVIEW_BYTES].escape_ascii(),
            bytes.len()
        )
    }
}

/// A text from a peer (a name, a path, a format) cut for a log line: at most
/// [`PREVIEW_BYTES`] characters, then `…(N chars)`.
/// Invisible characters are escaped (`\u{200b}`), the ones Rust's `{:?}` counts as
/// printable too (the Hangul filler U+3164, the blank braille pattern U+2800).
pub fn preview_text(text: &str) -> String {
    let count = text.chars().count();
    let shown = if count <= PREVIEW_BYTES {
        format!("{text:?}")
    } else {
        let cut: String = text.chars().take(PREVIEW_BYTES).collect();
        crate::tr!("{cut:?}…({count} chars)" | "{cut:?}…（{count} 个字符）")
    };
    if !shown.chars().any(is_invisible) {
        return shown;
    }
    shown
        .chars()
        .map(|c| match is_invisible(c) {
            true => format!("\\u{{{:x}}}", c as u32),
            false => c.to_string(),
        })
        .collect()
}

/// Code points nobody sees: a file name must not contain them (`guard::names`), and a
/// log line shows them escaped ([`preview_text`]): every format character
/// (general category Cf) and every default-ignorable code point, in ranges, from Unicode
/// 15.1's `DerivedCoreProperties.txt` (property `Default_Ignorable_Code_Point`) and
/// `DerivedGeneralCategory.txt` (`Cf`), merged; plus U+2028 and U+2029 (Zl, Zp) and
/// U+2800, the blank braille pattern, which shows as a space. Unassigned code points
/// inside the default-ignorable ranges are refused too: a later Unicode may give them a
/// meaning, but never a visible one. A test checks the table against Python's
/// `unicodedata`: every Cf character is in it, and nothing in it is a letter, a digit or a
/// mark one can see, but the four Hangul fillers and the blank braille pattern.
pub const INVISIBLE: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),   // soft hyphen (Cf)
    (0x034F, 0x034F),   // combining grapheme joiner (default-ignorable)
    (0x0600, 0x0605),   // Arabic number signs (Cf, prepended to digits)
    (0x061C, 0x061C),   // Arabic letter mark (Cf, bidi)
    (0x06DD, 0x06DD),   // Arabic end of ayah (Cf)
    (0x070F, 0x070F),   // Syriac abbreviation mark (Cf)
    (0x0890, 0x0891),   // Arabic pound and piastre marks above (Cf)
    (0x08E2, 0x08E2),   // Arabic disputed end of ayah (Cf)
    (0x115F, 0x1160),   // Hangul choseong and jungseong fillers (default-ignorable)
    (0x17B4, 0x17B5),   // Khmer inherent vowels (default-ignorable)
    (0x180B, 0x180F),   // Mongolian variation selectors, vowel separator (Cf)
    (0x200B, 0x200F),   // zero-width space, non-joiner, joiner; LRM, RLM (Cf)
    (0x2028, 0x2029),   // line and paragraph separators (Zl, Zp)
    (0x202A, 0x202E),   // bidi embeddings and overrides (Cf)
    (0x2060, 0x206F),   // word joiner, invisible operators, bidi isolates, deprecated (Cf)
    (0x2800, 0x2800),   // braille pattern blank (So, shows as a space)
    (0x3164, 0x3164),   // Hangul filler (default-ignorable)
    (0xFE00, 0xFE0F),   // variation selectors (default-ignorable)
    (0xFEFF, 0xFEFF),   // zero-width no-break space, the byte-order mark (Cf)
    (0xFFA0, 0xFFA0),   // halfwidth Hangul filler (default-ignorable)
    (0xFFF0, 0xFFFB),   // unassigned (default-ignorable); interlinear annotations (Cf)
    (0x110BD, 0x110BD), // Kaithi number sign (Cf)
    (0x110CD, 0x110CD), // Kaithi number sign above (Cf)
    (0x13430, 0x1343F), // Egyptian hieroglyph format controls (Cf)
    (0x1BCA0, 0x1BCA3), // shorthand format controls (Cf)
    (0x1D173, 0x1D17A), // musical symbol format controls (Cf)
    (0xE0000, 0xE0FFF), // tags (Cf), variation selectors supplement, reserved (default-ignorable)
];

/// Whether `c` is in [`INVISIBLE`].
pub fn is_invisible(c: char) -> bool {
    let c = c as u32;
    INVISIBLE.iter().any(|&(from, to)| (from..=to).contains(&c))
}

/// Text already escaped by Rust (`{:?}`, `escape_debug`: control characters, U+202E and the
/// others Rust counts as not printable), with every character of [`INVISIBLE`] still raw
/// escaped too: Rust prints the Hangul fillers (U+115F, U+3164…) and the blank braille
/// pattern as they are, and an attack's chat name `bob` followed by U+115F showed as a
/// second `bob`. (Look-alikes from other scripts, a Cyrillic `о` in `bоb`, are letters:
/// shown as they are.)
///
/// ```
/// use socket_lessons::guard::quiet::escape_invisible;
/// assert_eq!(escape_invisible(format!("{:?}", "bob\u{115f}")), r#""bob\u{115f}""#);
/// ```
pub fn escape_invisible(escaped: String) -> String {
    if !escaped.chars().any(is_invisible) {
        return escaped;
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for c in escaped.chars() {
        if is_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// The most characters of a peer's text (an error, a reason, a header field) shown in a
/// program's line: a sentence, not a page.
pub const PEER_TEXT_CHARS: usize = 200;

/// Whether `c` must not reach a terminal as it is: a control character (C0, DEL, C1: ESC
/// starts the escape sequences that move the cursor, recolour, set the window title or,
/// with OSC 52, the clipboard; `\r` overwrites a line), or anything in [`INVISIBLE`], the
/// table `guard::names` refuses in file names: every bidirectional control (U+202E turns
/// the rest of a line around; U+061C, the Arabic letter mark, too), U+2028 and U+2029
/// (line breaks to some terminals and most log viewers), zero-width and other format
/// characters. The cost: an emoji joined with U+200D or followed by a variation selector
/// shows those as escapes.
fn unsafe_on_a_terminal(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// A peer's text as a terminal may show it: every control character but `\n`, `\t` and
/// the `\r` of a `\r\n`,
/// and every bidirectional control, written as its escape (`\u{1b}`, `\r`). For what a
/// remote command printed (lessons 07, 08): its lines stay lines, but a server cannot move
/// the client's cursor, rewrite its screen, or reach its clipboard. (`ls --color`'s colours
/// show as `\u{1b}[0m` and so on.)
///
/// ```
/// use socket_lessons::guard::quiet::terminal_safe;
/// assert_eq!(terminal_safe("a\tb\r\nc"), "a\tb\r\nc");
/// assert_eq!(terminal_safe("\x1b]52;c;aGk=\x07ok\rno"), "\\u{1b}]52;c;aGk=\\u{7}ok\\rno");
/// ```
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    // `\r\n` is a line end (Windows' cmd ends its lines so): kept; a lone `\r` is not.
    let kept = |c: char, next: Option<char>| {
        c == '\n' || c == '\t' || (c == '\r' && next == Some('\n')) || !unsafe_on_a_terminal(c)
    };
    let mut chars = text.chars().peekable();
    let mut all_kept = true;
    while let Some(c) = chars.next() {
        if !kept(c, chars.peek().copied()) {
            all_kept = false;
            break;
        }
    }
    if all_kept {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if kept(c, chars.peek().copied()) {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A peer's text inside one of this program's lines: every control character (`\n`
/// included: a peer cannot start a line that looks like this program's) and bidirectional
/// control escaped, and at most [`PEER_TEXT_CHARS`] characters, then `…(N chars)`.
///
/// ```
/// use socket_lessons::guard::quiet::one_line;
/// assert_eq!(one_line("no such file"), "no such file");
/// assert_eq!(one_line("x\n[client] saved"), "x\\n[client] saved");
/// assert!(one_line(&"a".repeat(60_000)).ends_with("…(60000 chars)"));
/// ```
pub fn one_line(text: &str) -> String {
    let count = text.chars().count();
    let mut out = String::new();
    for c in text.chars().take(PEER_TEXT_CHARS) {
        if unsafe_on_a_terminal(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if count > PEER_TEXT_CHARS {
        out.push_str(&crate::tr!("…({count} chars)" | "…（{count} 个字符）"));
    }
    out
}

/// A short field from a peer (an md5, a size) as it is when it looks like one (at most 64
/// printable ASCII characters, no space), else as [`preview_text`] shows any text: quoted,
/// escaped and cut. An md5 of 60 KB with a newline in it is then one short line.
///
/// ```
/// use socket_lessons::guard::quiet::field;
/// assert_eq!(field("5d41402abc4b2a76b9719d911017c592"), "5d41402abc4b2a76b9719d911017c592");
/// assert_eq!(field("x\ny"), "\"x\\ny\"");
/// ```
pub fn field(text: &str) -> String {
    if text.len() <= 64 && text.bytes().all(|b| b.is_ascii_graphic()) {
        text.to_owned()
    } else {
        preview_text(text)
    }
}

/// How many lines one peer's messages get in a server's log before the rest are only
/// counted: enough to follow a conversation typed by hand, a few kilobytes at most.
pub const LINES_PER_PEER: u32 = 20;

/// A line budget for one peer: the first `lines` events get a line each, the rest are
/// counted, so that a peer that sends a million small messages costs the log a few
/// kilobytes, not a line per message.
///
/// ```
/// use socket_lessons::guard::quiet::LineBudget;
/// let mut budget = LineBudget::new(2);
/// assert!(budget.allow());
/// assert!(budget.allow());
/// assert!(!budget.allow());
/// assert_eq!(budget.held(), 1);
/// ```
#[derive(Debug, Clone)]
pub struct LineBudget {
    left: u32,
    held: u64,
}

impl LineBudget {
    /// `lines` lines, then counting.
    pub const fn new(lines: u32) -> Self {
        Self {
            left: lines,
            held: 0,
        }
    }

    /// One more event: `true` if it gets its line.
    pub fn allow(&mut self) -> bool {
        if self.left > 0 {
            self.left -= 1;
            true
        } else {
            self.held += 1;
            false
        }
    }

    /// Whether this event is the first to be held back (the moment to say that the rest
    /// will be counted).
    pub fn just_ran_out(&self) -> bool {
        self.left == 0 && self.held == 1
    }

    /// Events that got no line.
    pub fn held(&self) -> u64 {
        self.held
    }
}

impl Default for LineBudget {
    fn default() -> Self {
        Self::new(LINES_PER_PEER)
    }
}

/// Lets a few events of a kind through in any window of time (a sliding window: at most
/// `per_window` lines in *any* `window`, not in each fixed slice of time, where five at
/// the end of one slice and five at the start of the next would make ten within moments),
/// counts the rest, and says how many were held back with the next line it lets through.
#[derive(Debug)]
pub struct LogGate {
    per_window: u32,
    window: Duration,
    /// When the lines shown in the last `window` were shown: at most `per_window`.
    shown_at: std::collections::VecDeque<Instant>,
    held: u64,
}

/// What to do with an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Print its line.
    Show,
    /// Print its line, after this one about the events held back before it.
    ShowAfter(String),
    /// Print nothing: it was counted.
    Held,
}

impl LogGate {
    /// `per_window` lines in each `window`: 5 per 10 s is what the lessons use.
    pub const fn new(per_window: u32, window: Duration) -> Self {
        Self {
            per_window,
            window,
            shown_at: std::collections::VecDeque::new(),
            held: 0,
        }
    }

    /// The lessons' gate: 5 lines per kind of event in any 10 s.
    pub const fn lessons() -> Self {
        Self::new(5, Duration::from_secs(10))
    }

    /// One event, now.
    pub fn event(&mut self) -> Gate {
        self.event_at(Instant::now())
    }

    fn event_at(&mut self, now: Instant) -> Gate {
        while self
            .shown_at
            .front()
            .is_some_and(|&at| now.saturating_duration_since(at) >= self.window)
        {
            self.shown_at.pop_front();
        }
        if self.shown_at.len() >= self.per_window as usize {
            self.held += 1;
            return Gate::Held;
        }
        self.shown_at.push_back(now);
        match std::mem::take(&mut self.held) {
            0 => Gate::Show,
            held => Gate::ShowAfter(crate::tr!(
                "({held} more like the last were not logged)"
                    | "（另有 {held} 条同类的记录没有写进日志）"
            )),
        }
    }

    /// Events held back and not yet told (for a last line when the server stops).
    pub fn held(&self) -> u64 {
        self.held
    }

    /// Events held back and not yet told, which the caller now tells (in a line of its
    /// own, when a client leaves): the count starts again from zero.
    pub fn take_held(&mut self) -> u64 {
        std::mem::take(&mut self.held)
    }

    /// [`LogGate::event`] with the count of events held back instead of a sentence, for a
    /// caller that words that line itself (in its own language): `None`, print nothing;
    /// `Some(0)`, print the event's line; `Some(n)`, print first that `n` were not logged.
    pub fn admit(&mut self) -> Option<u64> {
        let held = self.held;
        match self.event() {
            Gate::Show => Some(0),
            Gate::ShowAfter(_) => Some(held),
            Gate::Held => None,
        }
    }
}

/// How long a server waits before the next `accept` after one failed for lack of a
/// descriptor or of memory.
pub const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Whether an accept failed because this process or the system is out of something
/// (descriptors: EMFILE, ENFILE; buffers or memory: ENOBUFS, ENOMEM). The connection stays
/// queued in the kernel, so trying again at once fails again: wait [`ACCEPT_BACKOFF`].
pub fn accept_starved(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(
            e.raw_os_error(),
            Some(libc::EMFILE) | Some(libc::ENFILE) | Some(libc::ENOBUFS) | Some(libc::ENOMEM)
        )
    }
    #[cfg(windows)]
    {
        // WSAEMFILE, WSAENOBUFS
        matches!(e.raw_os_error(), Some(10024) | Some(10055))
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = e;
        false
    }
}

/// One line when accepting starts failing for lack of resources, one when it works again,
/// and a pause between tries; other accept failures through a [`LogGate`].
#[derive(Debug)]
pub struct AcceptTrouble {
    starved: bool,
    gate: LogGate,
}

impl Default for AcceptTrouble {
    fn default() -> Self {
        Self {
            starved: false,
            gate: LogGate::lessons(),
        }
    }
}

/// What an accept failure calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterFailure {
    /// The line to print, if any.
    pub line: Option<String>,
    /// How long to wait before the next accept.
    pub pause: Duration,
}

impl AcceptTrouble {
    /// An accept failed.
    pub fn failed(&mut self, e: &io::Error) -> AfterFailure {
        if accept_starved(e) {
            let line = (!self.starved).then(|| {
                crate::tr!(
                    "accept failed: {}; trying again every {} ms until it works"
                        | "accept 失败：{}；每隔 {} ms 重试一次，直到成功",
                    crate::lang::error_text(e),
                    ACCEPT_BACKOFF.as_millis()
                )
            });
            self.starved = true;
            return AfterFailure {
                line,
                pause: ACCEPT_BACKOFF,
            };
        }
        let line = match self.gate.event() {
            Gate::Show => Some(crate::tr!(
                "accept failed: {}" | "accept 失败：{}",
                crate::lang::error_text(e)
            )),
            Gate::ShowAfter(held) => Some(crate::tr!(
                "{held}\naccept failed: {}" | "{held}\naccept 失败：{}",
                crate::lang::error_text(e)
            )),
            Gate::Held => None,
        };
        AfterFailure {
            line,
            pause: Duration::ZERO,
        }
    }

    /// An accept worked: the line that says so after a starved spell, if there was one.
    pub fn ok(&mut self) -> Option<String> {
        std::mem::take(&mut self.starved)
            .then(|| crate::tr!("accepting again" | "accept 又恢复正常了"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review 29, attack 2, U5: U+061C, U+2028 and U+2029 reached the terminal raw. Now
    /// both ends of every range the names table refuses are escaped, by both filters.
    #[test]
    fn the_terminal_filters_escape_everything_the_names_table_refuses() {
        let mut chars = vec!['\u{061c}', '\u{2028}', '\u{2029}'];
        for &(from, to) in INVISIBLE {
            chars.extend([from, to].iter().filter_map(|&c| char::from_u32(c)));
        }
        for c in chars {
            let text = format!("a{c}b");
            let escaped = format!("a{}b", c.escape_default());
            assert_eq!(terminal_safe(&text), escaped, "U+{:04X}", c as u32);
            assert_eq!(one_line(&text), escaped, "U+{:04X}", c as u32);
        }
        assert_eq!(terminal_safe("café 中文 é\n"), "café 中文 é\n");
    }

    #[test]
    fn a_preview_is_short_whatever_was_sent() {
        assert_eq!(preview(b"hi\n"), r#"b"hi\n""#);
        let long = preview(&[0xffu8; 100_000]);
        assert!(long.len() < 4 * PREVIEW_BYTES + 32, "{long}");
        assert!(long.ends_with("…(100000 bytes)"), "{long}");
        let name = "x".repeat(1000);
        assert!(preview_text(&name).ends_with("…(1000 chars)"));
    }

    #[test]
    fn a_gate_shows_five_then_counts_then_tells_the_count() {
        let mut gate = LogGate::new(5, Duration::from_secs(10));
        let t0 = Instant::now();
        let shown = (0..1000)
            .filter(|i| gate.event_at(t0 + Duration::from_millis(*i)) == Gate::Show)
            .count();
        assert_eq!(shown, 5);
        assert_eq!(gate.held(), 995);
        assert_eq!(
            gate.event_at(t0 + Duration::from_secs(11)),
            Gate::ShowAfter("(995 more like the last were not logged)".into())
        );
    }

    #[test]
    fn a_gate_lets_five_through_in_any_10_s_even_across_a_window_s_edge() {
        // One line at 0 s, four at 9.9 s, then a burst at 10.05 s: only the line of 0 s
        // has left the last 10 s, so one more goes through, not five (a fixed window
        // opened at 0 s would have let five more through at 10 s: nine in 0.15 s).
        let mut gate = LogGate::new(5, Duration::from_secs(10));
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(gate.event_at(at(0)), Gate::Show);
        for _ in 0..4 {
            assert_eq!(gate.event_at(at(9_900)), Gate::Show);
        }
        let burst = (0..10)
            .filter(|_| gate.event_at(at(10_050)) != Gate::Held)
            .count();
        assert_eq!(burst, 1);
        // 10 s after the four, room for four more, the first saying how many were held.
        assert_eq!(
            gate.event_at(at(19_900)),
            Gate::ShowAfter("(9 more like the last were not logged)".into())
        );
    }

    #[cfg(unix)]
    #[test]
    fn running_out_of_descriptors_is_said_once_and_paced() {
        let mut trouble = AcceptTrouble::default();
        let emfile = io::Error::from_raw_os_error(libc::EMFILE);
        let first = trouble.failed(&emfile);
        assert!(first.line.is_some());
        assert_eq!(first.pause, ACCEPT_BACKOFF);
        for _ in 0..1000 {
            assert_eq!(trouble.failed(&emfile).line, None);
        }
        assert_eq!(trouble.ok().as_deref(), Some("accepting again"));
        assert_eq!(trouble.ok(), None);
    }

    #[cfg(unix)]
    #[test]
    fn other_accept_failures_go_through_the_gate() {
        let mut trouble = AcceptTrouble::default();
        let reset = io::Error::from_raw_os_error(libc::ECONNABORTED);
        let lines = (0..100)
            .filter(|_| trouble.failed(&reset).line.is_some())
            .count();
        assert_eq!(lines, 5);
    }
}
