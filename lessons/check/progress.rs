//! Which exercises have passed: after each check of a learner's file, a line in
//! `target/exercise-checks/progress/` records whether it passed and the md5 of the file as
//! it was then. An exercise counts as passed while its file is still the one that passed.

use crate::checks::exercises::ALL;
use crate::compile::{key, workshop};
use socket_lessons::lang::pick;
use socket_lessons::tr;
use socket_lessons::wire::checksum::md5_hex;
use std::fs;
use std::path::{Path, PathBuf};

fn record_of(file: &Path) -> PathBuf {
    let file = fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    workshop()
        .join("progress")
        .join(key(&file.to_string_lossy()))
}

/// Records how the check of `file` (as it is now) ended.
pub fn record(file: &Path, passed: bool) {
    let Ok(text) = fs::read(file) else { return };
    let path = record_of(file);
    if let Some(dir) = path.parent() {
        let _ = fs::create_dir_all(dir);
    }
    let line = format!(
        "{} {} {}\n",
        if passed { "passed" } else { "failed" },
        md5_hex(&text),
        file.display()
    );
    let _ = fs::write(path, line);
}

/// Whether `file`, as it is now, is the version that passed its check.
pub fn passed(file: &Path) -> bool {
    let (Ok(text), Ok(line)) = (fs::read(file), fs::read_to_string(record_of(file))) else {
        return false;
    };
    let mut fields = line.split_whitespace();
    fields.next() == Some("passed") && fields.next() == Some(md5_hex(&text).as_str())
}

/// Every exercise with passed / not yet, and how to go on.
pub fn list(dir: &Path, shown_dir: &str) {
    println!(
        "{}",
        tr!(
            "The exercises, in {shown_dir}/ (`cargo run --example check -- NN` checks one):"
                | "练习在 {shown_dir}/ 里（`cargo run --example check -- NN` 检查其中一个）："
        )
    );
    let mut done = 0;
    let mut next = None;
    for exercise in ALL {
        let file = dir.join(exercise.file);
        let state = if !file.exists() {
            pick("missing", "文件不见了")
        } else if passed(&file) {
            done += 1;
            pick("passed ", "已通过 ")
        } else {
            next.get_or_insert(exercise.lesson);
            pick("not yet", "未通过 ")
        };
        println!(
            "  {}  {state}  {:<26}  {}",
            exercise.lesson,
            exercise.file,
            exercise.task()
        );
    }
    let total = ALL.len();
    println!(
        "{}",
        tr!("{done} of {total} passed." | "{total} 个练习中已通过 {done} 个。")
    );
    if let Some(next) = next {
        println!(
            "{}",
            tr!(
                "Next: cargo run --example check -- {next} --watch (it checks again each time you save)"
                    | "下一个：cargo run --example check -- {next} --watch（每次保存都会重新检查）"
            )
        );
    }
}
