//! Exercise 09: save a received file, or nothing.
//!
//! A receiver has read a header (lesson 08) naming a file, its size and its md5; `body`
//! is the stream positioned at the file's first byte. `save` below does what notes C's
//! upload server does: it opens the name it was given for writing and copies whatever
//! comes. A name like `../escape.txt` writes outside `dir`; a body cut short leaves a
//! short file that looks like the real one; a body that fails its md5 is kept anyway; and a
//! file already there is overwritten.
//!
//! Make it save the file only when it is whole and its md5 matches:
//!
//! - `name` must be a plain file name (`socket_lessons::guard::names::check_file_name`), or it is
//!   refused (`InvalidInput`) and nothing is written;
//! - write the body to a temporary name in `dir`, read at most `size` bytes, and hash them
//!   on the way (`socket_lessons::wire::checksum::md5_hex`, or the md-5 crate's `Md5`);
//! - a body shorter than `size`, or an md5 that does not match: remove the temporary file
//!   and return an error: no file is left at all;
//! - a file already named `name` is never replaced (`AlreadyExists`): give the temporary
//!   file its name with `fs::hard_link`, which fails if the name exists, then remove the
//!   temporary name;
//! - return the path of the saved file.
//!
//! Check it: `cargo run --example check -- 09`. The page: docs/09_file_header.md.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Saves `size` bytes from `body` as `dir/name` if their md5 is `md5`.
pub fn save(
    dir: &Path,
    name: &str,
    body: &mut dyn Read,
    size: u64,
    md5: &str,
) -> io::Result<PathBuf> {
    let _ = (size, md5); // not used yet: the file is trusted as it comes
    let path = dir.join(name);
    let mut file = File::create(&path)?;
    io::copy(body, &mut file)?;
    Ok(path)
}
