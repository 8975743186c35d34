//! Each exercise built on its own.
//!
//! `check -- 06` does not compile your file into itself. It writes a small program for it
//! in the target folder, `target/exercise-checks/subjects/ex06-…/`: a `main.rs` that
//! includes your file and calls the check of exercise 06, and a `Cargo.toml` of its own.
//! The checks themselves (`checks/`) are a library beside it, built once. So cargo
//! compiles your file and nothing else of the course's exercises: a file that does not
//! compile stops only its own check, and the compiler's messages are about it alone.
//!
//! The generated packages use the course's own `Cargo.lock` and dependencies (copied from
//! `Cargo.toml` each time), build offline into the same target folder, and reuse what is
//! built there: the first check builds the library of checks; after that a check compiles
//! one file and links it, a second or so.

use crate::checks::exercises::Exercise;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The course's folder.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Where this program was built: `target/debug/examples/check` → (`target`, `debug`).
fn target_and_profile() -> (PathBuf, String) {
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe.parent().and_then(Path::parent);
    match profile_dir.and_then(|p| Some((p.parent()?, p.file_name()?))) {
        Some((target, profile)) => (target.to_path_buf(), profile.to_string_lossy().into()),
        None => (root().join("target"), "debug".into()),
    }
}

/// The folder that holds the generated packages and the progress records.
pub fn workshop() -> PathBuf {
    target_and_profile().0.join("exercise-checks")
}

/// A short name for a path: the first 12 hex digits of its md5.
pub fn key(text: &str) -> String {
    socket_lessons::wire::checksum::md5_hex(text.as_bytes())[..12].to_owned()
}

/// The course's dependencies, as Cargo.toml states them: the `[dependencies]` and
/// `[target.….dependencies]` tables, copied whole.
fn dependency_tables() -> io::Result<String> {
    let manifest = fs::read_to_string(root().join("Cargo.toml"))?;
    let mut out = String::new();
    let mut copying = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            let header = line.trim();
            copying = header == "[dependencies]"
                || (header.starts_with("[target.") && header.ends_with(".dependencies]"));
            if copying {
                out.push('\n');
            }
        }
        if copying && !line.trim_start().starts_with('#') {
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

/// Writes `text` to `path` unless it already holds exactly that (an unchanged file keeps
/// its time, so cargo sees nothing to rebuild). Written beside and renamed: two checks
/// writing at once never leave half a file.
fn write_if_changed(path: &Path, text: &str) -> io::Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension(format!("new{}", std::process::id()));
    fs::write(&temp, text)?;
    fs::rename(&temp, path)
}

/// A path as a Rust or TOML string literal (backslashes and quotes escaped).
fn literal(path: &Path) -> String {
    format!("{:?}", path.to_string_lossy())
}

/// The library of checks: `checks/mod.rs` as the root of a crate of its own.
fn write_checks_package(workshop: &Path, deps: &str) -> io::Result<PathBuf> {
    let dir = workshop.join("checks");
    let lib = root().join("lessons/check/checks/mod.rs");
    let deps = deps.replacen(
        "[dependencies]\n",
        &format!(
            "[dependencies]\nsocket-lessons = {{ path = {} }}\n",
            literal(root())
        ),
        1,
    );
    let manifest = format!(
        "# Written by `cargo run --example check`: the exercises' checks as a library.\n\
         [package]\nname = \"exercise-checks\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[lib]\npath = {}\n{deps}",
        literal(&lib)
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    Ok(dir)
}

/// What a build gave.
pub enum Built {
    /// The program that checks the file.
    Program(PathBuf),
    /// The file did not compile; cargo has printed why.
    DoesNotCompile,
}

/// Builds the program that runs exercise `exercise`'s check on `file`.
pub fn build(exercise: &Exercise, file: &Path) -> io::Result<Built> {
    let (target, profile) = target_and_profile();
    let workshop = workshop();
    let deps = dependency_tables()?;
    let checks = write_checks_package(&workshop, &deps)?;
    let file = fs::canonicalize(file)?;
    let name = format!("ex{}-{}", exercise.lesson, key(&file.to_string_lossy()));
    let dir = workshop.join("subjects").join(&name);
    // The course's dependencies, with the checks and the course itself added to
    // [dependencies], which the copied tables open with.
    let deps = deps.replacen(
        "[dependencies]\n",
        &format!(
            "[dependencies]\nexercise-checks = {{ path = {} }}\nsocket-lessons = {{ path = {} }}\n",
            literal(&checks),
            literal(root())
        ),
        1,
    );
    let manifest = format!(
        "# Written by `cargo run --example check`: exercise {lesson}'s check on one file.\n\
         [package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [[bin]]\nname = \"{name}\"\npath = \"main.rs\"\n\n[workspace]\n{deps}",
        lesson = exercise.lesson,
    );
    let main = format!(
        "// Written by `cargo run --example check`: exercise {lesson}'s check, run on one file.\n\
         // Edit the file, not this.\n\n\
         #[allow(dead_code)]\n#[path = {file}]\nmod yours;\n\n\
         fn main() -> std::process::ExitCode {{\n    \
         exercise_checks::main({root}, \"{lesson}\", {file}, |file| {{\n        \
         exercise_checks::ex{lesson}::check(yours::{function}, file)\n    }})\n}}\n",
        lesson = exercise.lesson,
        file = literal(&file),
        root = literal(root()),
        function = exercise.function,
    );
    write_if_changed(&dir.join("Cargo.toml"), &manifest)?;
    write_if_changed(&dir.join("main.rs"), &main)?;
    // The course's lock: the same versions, nothing fetched.
    let lock = fs::read_to_string(root().join("Cargo.lock"))?;
    fs::write(dir.join("Cargo.lock"), lock)?;

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .args(["build", "--quiet", "--offline", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .current_dir(root());
    if profile == "release" {
        command.arg("--release");
    }
    let status = command.status()?;
    if !status.success() {
        return Ok(Built::DoesNotCompile);
    }
    let program = target
        .join(&profile)
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    Ok(Built::Program(program))
}

/// Removes a built check program and cargo's copy of it in `deps/` (a hard link to the same
/// file): a check of many files (the tests check every answer in tests/answers/) would
/// otherwise leave a program of some 30 MB for each. The next check of that file links it
/// again, a second or so.
pub fn discard(program: &Path) {
    let _ = fs::remove_file(program);
    let (Some(dir), Some(name)) = (program.parent(), program.file_stem()) else {
        return;
    };
    // deps/ex06_0123456789ab-<cargo's hash>[.exe]
    let twin = format!("{}-", name.to_string_lossy().replace('-', "_"));
    if let Ok(entries) = fs::read_dir(dir.join("deps")) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(&twin) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}
