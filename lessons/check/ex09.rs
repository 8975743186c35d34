//! The check of exercise 09: files handed to the learner's `save` in a fresh directory
//! under the system's temporary directory (removed afterwards): a good one, names that
//! are paths, a body cut short, a body that fails its md5, and a name already taken.
//! After each, the directory is listed: only the files that should be there may be.

use crate::harness::{shown, within, Failure, Outcome, Steps, STUCK};
use socket_lessons::wire::checksum::md5_hex;
use std::fs;
use std::io::{self, Cursor, Read};
use std::path::{Path, PathBuf};

type Save = fn(&Path, &str, &mut dyn Read, u64, &str) -> io::Result<PathBuf>;

pub fn check(solution: bool) -> Outcome {
    let save: Save = if solution {
        crate::solution_09::save
    } else {
        crate::learner_09::save
    };
    let mut steps = Steps::default();
    let base = std::env::temp_dir().join(format!("socket-lessons-ex09-{}", std::process::id()));
    let result = run(save, &base, &mut steps);
    let _ = fs::remove_dir_all(&base);
    steps.outcome(result)
}

/// One call of `save`, under the time limit.
fn call(
    save: Save,
    dir: &Path,
    name: &str,
    body: &[u8],
    size: u64,
    md5: &str,
) -> Option<io::Result<PathBuf>> {
    let (dir, name, body, md5) = (
        dir.to_path_buf(),
        name.to_owned(),
        body.to_vec(),
        md5.to_owned(),
    );
    within(STUCK, move || {
        save(&dir, &name, &mut Cursor::new(body), size, &md5)
    })
}

/// Every name in `dir`, hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn describe(result: &io::Result<PathBuf>) -> String {
    match result {
        Ok(path) => format!("Ok({})", path.display()),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// A call that must fail and leave `dir` exactly as it was (and `outside`, if given,
/// absent).
fn refused(
    save: Save,
    step: &str,
    dir: &Path,
    call_args: (&str, &[u8], u64, &str),
    outside: Option<&Path>,
    hint: &str,
) -> Result<(), Failure> {
    let (name, body, size, md5) = call_args;
    let before = listing(dir);
    let Some(got) = call(save, dir, name, body, size, md5) else {
        return Err(Failure::new(step)
            .detail(format!("got: no return within {} s", STUCK.as_secs()))
            .hint(hint));
    };
    let after = listing(dir);
    let escaped = outside.filter(|p| p.exists());
    if got.is_ok() || after != before || escaped.is_some() {
        let mut failure = Failure::new(step)
            .detail(format!(
                "save(dir, {name:?}, body {}, size {size}, md5 {md5})",
                shown(body)
            ))
            .detail("expected: Err, and the directory as it was")
            .detail(format!("got: {}", describe(&got)));
        if after != before {
            failure = failure
                .detail(format!("the directory before: {before:?}"))
                .detail(format!("the directory after:  {after:?}"));
        }
        if let Some(path) = escaped {
            failure = failure.detail(format!(
                "and it wrote {}, outside the directory",
                path.display()
            ));
        }
        return Err(failure.hint(hint));
    }
    Ok(())
}

fn run(save: Save, base: &Path, steps: &mut Steps) -> Result<(), Failure> {
    let setup = |e: io::Error| Failure::new(format!("set up a temporary directory: {e}"));
    let _ = fs::remove_dir_all(base);
    let dir = base.join("inbox");
    fs::create_dir_all(&dir).map_err(setup)?;
    let body = b"hello\n";
    let md5 = md5_hex(body);
    let size = body.len() as u64;

    // 1. A good file.
    let step = "a good file, \"good.txt\", 6 bytes with their md5";
    let got = call(save, &dir, "good.txt", body, size, &md5).ok_or_else(|| {
        Failure::new(step).detail(format!("got: no return within {} s", STUCK.as_secs()))
    })?;
    let saved = fs::read(dir.join("good.txt")).ok();
    let names = listing(&dir);
    if !matches!(&got, Ok(p) if *p == dir.join("good.txt"))
        || saved.as_deref() != Some(&body[..])
        || names != ["good.txt"]
    {
        return Err(Failure::new(step)
            .detail(format!(
                "expected: Ok({}), holding {}, and nothing else in the directory",
                dir.join("good.txt").display(),
                shown(body)
            ))
            .detail(format!("got: {}", describe(&got)))
            .detail(format!(
                "the file holds: {}",
                saved.map_or("(no file)".into(), |b| shown(&b))
            ))
            .detail(format!("the directory holds: {names:?}"))
            .hint(
                "write to a temporary name, check size and md5, then give it its name \
                 (fs::hard_link) and remove the temporary name.",
            ));
    }
    steps.ok("a good file is saved under its name, and nothing else is left");

    // 2. Names that are paths.
    refused(
        save,
        "the name \"../escape.txt\"",
        &dir,
        ("../escape.txt", body, size, &md5),
        Some(&base.join("escape.txt")),
        "the name comes from the peer (notes C's server opens head['filename'] as given): \
         `../` climbs out of the directory. Refuse anything that is not a plain file name \
         (names::check_file_name) before writing a byte.",
    )?;
    fs::create_dir_all(dir.join("a")).map_err(setup)?;
    refused(
        save,
        "the name \"a/b\" (and a directory \"a\" exists)",
        &dir,
        ("a/b", body, size, &md5),
        Some(&dir.join("a").join("b")),
        "a name with a `/` is a path, not a file name: refuse it (names::check_file_name).",
    )?;
    steps.ok("\"../escape.txt\" and \"a/b\" are refused, and nothing is written");

    // 3. A body shorter than its size.
    refused(
        save,
        "a body one byte short (5 of 6 bytes), \"short.txt\"",
        &dir,
        ("short.txt", b"hello", size, &md5),
        None,
        "a body that ended early must leave no file at all, neither under its name nor under \
         a temporary one: read at most `size` bytes, count them, and remove the temporary \
         file when fewer came (docs/09, \"A temporary name, then a rename\").",
    )?;
    steps.ok("a body cut short leaves no file");

    // 4. A body that fails its md5.
    refused(
        save,
        "a body with one byte changed (o -> p), \"flipped.txt\"",
        &dir,
        ("flipped.txt", b"hellp\n", size, &md5),
        None,
        "hash the bytes as they are written and compare with the header's md5 before the \
         file gets its name; on a mismatch, remove the temporary file.",
    )?;
    steps.ok("a body that fails its md5 leaves no file");

    // 5. A name already taken.
    let keep = dir.join("keep.txt");
    fs::write(&keep, b"original\n").map_err(setup)?;
    let step = "\"keep.txt\" already exists";
    refused(
        save,
        step,
        &dir,
        ("keep.txt", body, size, &md5),
        None,
        "never replace a file: fs::hard_link(temp, target) fails with AlreadyExists when \
         target exists (a rename would replace it silently).",
    )?;
    let kept = fs::read(&keep).unwrap_or_default();
    if kept != b"original\n" {
        return Err(Failure::new(step)
            .detail(format!(
                "expected: keep.txt still holds {}",
                shown(b"original\n")
            ))
            .detail(format!("got: it holds {}", shown(&kept)))
            .hint("never replace a file: fs::hard_link fails when the name exists."));
    }
    steps.ok("an existing file is not replaced");
    Ok(())
}
