//! Lesson 09's progress bar (indicatif): drawn on a terminal, silent in logs and tests.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, IsTerminal};

/// A progress bar on stderr when stderr is a terminal; a hidden one (no output at all)
/// when it is piped or redirected, so logs and tests see nothing of it.
pub fn progress_bar(len: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} {eta}",
    )
    // The template is a constant that parses; a failure would be a bug caught on first run.
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr()).with_style(style)
}
