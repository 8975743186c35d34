//! The error a lesson's `main` returns, printed as one readable line with its causes, and
//! the way `main` ends on it in the language of the run.

use crate::lang::Lang;
use std::error::Error;
use std::fmt;
use std::process::ExitCode;

/// The error a lesson's `main` returns: any error, printed as one readable line.
///
/// `fn main() -> Result<(), Box<dyn Error>>` would print errors with `Debug`, which for an
/// `io::Error` reads `Custom { kind: AddrInUse, error: "…" }`. A `Report` prints
/// `Error: bind 127.0.0.1:9696: Address already in use (os error 98)` instead. Any error
/// converts into it with `?`.
pub struct Report(Box<dyn Error + Send + Sync + 'static>);

/// How a lesson's `main` ends: `fn main() -> ExitCode { report::end(run()) }`, with the
/// body in `fn run() -> Result<(), Report>`.
///
/// A `main` that returns the `Result` itself leaves the last line to std (its
/// `Termination`), which writes `Error: ` before the error in every language. This writes
/// the same line to stderr, `Error: …` in English and `错误：…` when the programs speak
/// Chinese (`--lang zh`), and ends the same way: status 0 on success, 1 on an error.
pub fn end(result: Result<(), Report>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            crate::guard::ending::to_stderr(&last_line(&report, crate::lang::lang()));
            ExitCode::FAILURE
        }
    }
}

/// The line [`end`] writes for an error in `lang`: `Error: …`, or `错误：…` in Chinese.
pub fn last_line(report: &Report, lang: Lang) -> String {
    match lang {
        Lang::En => format!("Error: {report}"),
        Lang::Zh => format!("错误：{report}"),
    }
}

impl Report {
    /// A report from a plain message.
    pub fn msg(message: impl Into<String>) -> Self {
        Report(message.into().into())
    }

    /// The underlying error, for example to look at an `io::Error`'s kind.
    pub fn inner(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.0
    }
}

impl<E> From<E> for Report
where
    E: Into<Box<dyn Error + Send + Sync + 'static>>,
{
    fn from(err: E) -> Self {
        Report(err.into())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn a_report_prints_as_one_readable_line() {
        let err = io::Error::new(io::ErrorKind::AddrInUse, "bind 127.0.0.1:1: in use");
        let report = Report::from(err);
        assert_eq!(format!("{report:?}"), "bind 127.0.0.1:1: in use");
    }

    #[test]
    fn the_last_line_says_error_in_the_language_of_the_run() {
        let report = Report::msg("bind 127.0.0.1:1: in use");
        assert_eq!(
            last_line(&report, Lang::En),
            "Error: bind 127.0.0.1:1: in use"
        );
        assert_eq!(
            last_line(&report, Lang::Zh),
            "错误：bind 127.0.0.1:1: in use"
        );
    }
}
