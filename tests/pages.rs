//! The lesson pages' shape, in both languages: each includes its lesson's notes programs
//! whole from the files (so page and code cannot drift), and walks from them to the
//! course's server in a table of named changes.

use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The lesson folders `lessons/NN_name/`.
fn lessons() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(Path::new(ROOT).join("lessons"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() > 3 && n.as_bytes()[..2].iter().all(u8::is_ascii_digit))
        .collect();
    names.sort();
    names
}

/// The `notes*.rs` files of a lesson, by file name.
fn notes_files(lesson: &str) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(Path::new(ROOT).join("lessons").join(lesson))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n == "notes.rs" || (n.starts_with("notes_") && n.ends_with(".rs")))
        .collect();
    files.sort();
    files
}

/// A page in one language: where it is, how it reaches the repository root, and its two
/// headings.
struct Edition {
    dir: &'static str,
    up: &'static str,
    program_heading: &'static str,
    table_heading: &'static str,
}

const EDITIONS: [Edition; 2] = [
    Edition {
        dir: "docs",
        up: "../",
        program_heading: "## The notes'",
        table_heading: "## From the notes'",
    },
    Edition {
        dir: "docs/zh-CN",
        up: "../../",
        program_heading: "## 笔记的",
        table_heading: "## 从笔记的",
    },
];

/// What a page lacks of the notes' programs and the walk to the course's server.
fn page_problems(page: &str, text: &str, edition: &Edition, lesson: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for file in notes_files(lesson) {
        let include = format!("{{{{#include {}lessons/{lesson}/{file}}}}}", edition.up);
        if !text.contains(&include) {
            problems.push(format!("{page}: no `{include}`"));
        }
    }
    if !lines.iter().any(|l| l.starts_with(edition.program_heading)) {
        problems.push(format!(
            "{page}: no section `{} …` showing the notes' program",
            edition.program_heading
        ));
    }
    match lines
        .iter()
        .position(|l| l.starts_with(edition.table_heading))
    {
        None => problems.push(format!(
            "{page}: no section `{} …` walking to the course's server",
            edition.table_heading
        )),
        Some(at) => {
            // The section holds a table: a header row and at least one row per change.
            let section = lines[at + 1..]
                .iter()
                .take_while(|l| !l.starts_with("## "))
                .filter(|l| l.starts_with('|'))
                .count();
            if section < 4 {
                problems.push(format!(
                    "{page}: the section `{}` has {section} table lines, not a table of changes",
                    edition.table_heading
                ));
            }
        }
    }
    problems
}

#[test]
fn every_lesson_page_includes_its_notes_programs_and_walks_to_the_course_server() {
    let mut problems = Vec::new();
    for lesson in lessons() {
        for edition in &EDITIONS {
            let page: PathBuf = Path::new(ROOT)
                .join(edition.dir)
                .join(format!("{lesson}.md"));
            let text =
                fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            problems.extend(page_problems(
                &format!("{}/{lesson}.md", edition.dir),
                &text,
                edition,
                &lesson,
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_page_check_can_fail() {
    let bare = "# Lesson\n\n## What you will see\n";
    assert_eq!(
        page_problems("x.md", bare, &EDITIONS[0], "01_tcp_once").len(),
        3
    );
    let two_lines = "## The notes' program\n{{#include ../lessons/01_tcp_once/notes.rs}}\n\
                     ## From the notes' program\n| a | b |\n|---|---|\n## Next\n";
    assert_eq!(
        page_problems("x.md", two_lines, &EDITIONS[0], "01_tcp_once").len(),
        1
    );
}
