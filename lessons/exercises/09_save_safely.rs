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
//! - `name` must be a plain file name by the course's rule, or it is refused
//!   (`InvalidInput`) and nothing is written. `check_file_name` returns `Result<(),
//!   String>`: `socket_lessons::guard::names::check_file_name(name).map_err(|why|
//!   io::Error::new(io::ErrorKind::InvalidInput, why))?`;
//! - write the body as it arrives to a temporary file in `dir` (not in the system's
//!   temporary folder), read at most `size` bytes (what follows is the next message), and
//!   hash them on the way: memory must not grow with the file. `md5_hex` takes the whole
//!   body at once, so use the md-5 crate (in code its name is `md5`): `use md5::{Digest,
//!   Md5};`, `Md5::new()`, `update` with each chunk, then
//!   `socket_lessons::wire::checksum::hex_digest(&hasher.finalize())`;
//! - a body shorter than `size`, an md5 that does not match, a read that fails: remove the
//!   temporary file and return an error: no file is left at all, whichever way `save`
//!   returns (an early `?` included);
//! - a file already named `name` is never replaced (`AlreadyExists`), even one that got
//!   the name while the body was arriving, and a symbolic link that got it is neither
//!   replaced nor followed: give the temporary file its name with `fs::hard_link`, which
//!   fails if the name exists, then remove the temporary name (`fs::rename` and `fs::copy`
//!   replace: the check reads the source for them);
//! - two saves may run at once, even of the same name, and read the clock in the same tick
//!   (the check makes them): each temporary name must be its own (`create_new`, so that it
//!   never opens another's; on AlreadyExists, another name); the temporary file itself
//!   gets the name, not a copy of it (the check compares inodes);
//! - return the path of the saved file.
//!
//! Check it: `cargo run --example check -- 09` (`--watch` checks again on every save).
//! The page: docs/09_file_header.md (中文: docs/zh-CN/09_file_header.md).

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
