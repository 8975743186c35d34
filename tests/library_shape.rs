//! The shape of the code, checked: a lesson opens with the notes' program, a lesson's main
//! file stays short enough to read beside the notes, and the library's modules depend on
//! each other one way only, each with its one job in `lib.rs`'s table.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The longest a lesson's main file may be; a longer lesson moves its demo beside it. (Lines
/// printed in two languages take two format strings each.)
const MAIN_FILE_LINES: usize = 550;

/// The longest a `notes*.rs` may be: about the length of the notes' programs.
const NOTES_FILE_LINES: usize = 160;

/// What a `notes*.rs` may use: std, the crates the notes' imports map to (socket →
/// socket2, json → serde_json, hashlib → md-5 (`md5`), hmac → hmac, os.urandom →
/// getrandom, time.strftime → chrono), tokio and tokio-util (lesson 14: the notes' program
/// on the async runtime), and from the course's library only `wire`.
const NOTES_MAY_USE: [&str; 10] = [
    "std::",
    "socket2::",
    "serde_json::",
    "md5::",
    "hmac::",
    "getrandom::",
    "chrono::",
    "tokio::",
    "tokio_util::",
    "socket_lessons::wire::",
];

/// Each example's main file, from Cargo.toml's `[[example]]` tables.
fn lesson_files() -> Vec<(String, PathBuf)> {
    let manifest = fs::read_to_string(Path::new(ROOT).join("Cargo.toml")).unwrap();
    let mut lessons = Vec::new();
    let mut name = None;
    for line in manifest.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("name = ") {
            name = Some(v.trim_matches('"').to_owned());
        }
        if let Some(v) = line.strip_prefix("path = ") {
            let path = v.trim_matches('"');
            // `check` is the exercises' checker, not a lesson.
            if path.starts_with("lessons/") && !path.starts_with("lessons/check/") {
                lessons.push((name.take().unwrap(), Path::new(ROOT).join(path)));
            }
        }
    }
    assert!(lessons.len() >= 14, "lessons 00 to 13 in Cargo.toml");
    lessons
}

/// A lesson's `notes.rs` and the other `notes_*.rs` beside it.
fn notes_files(lesson_dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(lesson_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name == "notes.rs" || (name.starts_with("notes_") && name.ends_with(".rs"))
        })
        .collect();
    files.sort();
    files
}

/// Why a `notes*.rs` is not the notes' plain program, if it is not: too long, a crate the
/// notes' imports do not map to, the library beyond `wire`, or demo stagecraft.
fn notes_problems(name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines = text.lines().count();
    if lines > NOTES_FILE_LINES {
        problems.push(format!("{name}: {lines} lines, over {NOTES_FILE_LINES}"));
    }
    for line in text.lines() {
        let code = line.split("//").next().unwrap().trim();
        if let Some(path) = code.strip_prefix("use ") {
            if !NOTES_MAY_USE.iter().any(|ok| path.starts_with(ok)) {
                problems.push(format!("{name}: `{code}` (may use {NOTES_MAY_USE:?})"));
            }
        }
        for word in ["socket_lessons::"] {
            if code.contains(word) && !code.contains("socket_lessons::wire::") {
                problems.push(format!(
                    "{name}: `{code}` reaches past socket_lessons::wire"
                ));
            }
        }
        for stagecraft in ["say!", "Transcript", "Hooks", "hooks.", "tr!"] {
            if code.contains(stagecraft) {
                problems.push(format!(
                    "{name}: `{code}` is demo stagecraft ({stagecraft})"
                ));
            }
        }
    }
    problems
}

#[test]
fn every_lesson_has_its_notes_program_plain_and_short() {
    let mut problems = Vec::new();
    let mut table =
        String::from("| lesson | notes files (lines) | main file lines |\n|---|---|---|\n");
    for (name, path) in lesson_files() {
        let dir = path.parent().unwrap();
        let notes = notes_files(dir);
        if notes.is_empty() {
            problems.push(format!(
                "{name}: no notes.rs (the notes' program in plain Rust)"
            ));
        }
        let mut listed = Vec::new();
        for file in &notes {
            let text = fs::read_to_string(file).unwrap();
            let shown = format!("{name}/{}", file.file_name().unwrap().to_string_lossy());
            listed.push(format!("{} ({})", shown, text.lines().count()));
            problems.extend(notes_problems(&shown, &text));
        }
        let main = fs::read_to_string(&path).unwrap();
        let lines = main.lines().count();
        if lines > MAIN_FILE_LINES {
            problems.push(format!(
                "{name}: {} is {lines} lines, over {MAIN_FILE_LINES}",
                path.display()
            ));
        }
        table.push_str(&format!("| {name} | {} | {lines} |\n", listed.join(", ")));
    }
    // Printed for the record (`cargo test --test library_shape -- --nocapture`).
    println!("{table}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The layers, in the order dependencies may go: a module may import from its own layer
/// and from the layers before it, never from one after it.
const LAYERS: [&str; 3] = ["wire", "guard", "stage"];

/// What the crate root re-exports, and the `stage` module each comes from.
const ROOT_NAMES: [(&str, &str); 5] = [
    ("say", "transcript"),
    ("Transcript", "transcript"),
    ("Report", "report"),
    ("Input", "input"),
    ("Endpoint", "cli"),
];

/// Every library module as `layer::module`, with the modules it names outside its tests
/// (`crate::layer::module`, `super::module`, the root's re-exports, `say!`).
fn library_imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for entry in fs::read_dir(Path::new(ROOT).join("shared")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name == "lib.rs" || name == "lang.rs" || LAYERS.contains(&name.as_str()),
            "shared/{name}: every module lives in one of the folders {LAYERS:?} (lang.rs, read by all three, beside them)"
        );
    }
    for layer in LAYERS {
        for entry in fs::read_dir(Path::new(ROOT).join("shared").join(layer)).unwrap() {
            let path = entry.unwrap().path();
            let module = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.extension().is_none_or(|e| e != "rs") || module == "mod" {
                continue;
            }
            let text = fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap();
            let me = format!("{layer}::{module}");
            let mut deps = BTreeSet::new();
            for line in code.lines() {
                let line = line.split("//").next().unwrap();
                for l in LAYERS {
                    let mut rest = line;
                    let prefix = format!("crate::{l}::");
                    while let Some(at) = rest.find(&prefix) {
                        rest = &rest[at + prefix.len()..];
                        let item: String = rest
                            .chars()
                            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                            .collect();
                        deps.insert(format!("{l}::{item}"));
                    }
                }
                let mut rest = line;
                while let Some(at) = rest.find("super::") {
                    rest = &rest[at + "super::".len()..];
                    let item: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                        .collect();
                    deps.insert(format!("{layer}::{item}"));
                }
                for (name, module) in ROOT_NAMES {
                    let used = line.contains(&format!("crate::{name}"))
                        || (line.contains("use crate::{") && line.contains(name))
                        || (name == "say" && line.contains("say!("));
                    if used {
                        deps.insert(format!("stage::{module}"));
                    }
                }
            }
            deps.remove(&me);
            graph.insert(me, deps);
        }
    }
    graph
}

fn layer_rank(module: &str) -> usize {
    let layer = module.split("::").next().unwrap();
    LAYERS.iter().position(|l| *l == layer).unwrap()
}

#[test]
fn wire_imports_nothing_from_guard_or_stage_and_guard_nothing_from_stage() {
    let mut problems = Vec::new();
    for (module, deps) in library_imports() {
        for dep in deps {
            if layer_rank(&dep) > layer_rank(&module) {
                problems.push(format!("{module} imports {dep}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "dependencies must go wire → guard → stage:\n{}",
        problems.join("\n")
    );
}

#[test]
fn library_modules_depend_on_each_other_one_way() {
    let graph = library_imports();
    // Depth-first search for a path back to where it started.
    fn visit(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|m| m == at) {
            let mut circle = path[start..].to_vec();
            circle.push(at.to_owned());
            return Some(circle);
        }
        if !done.insert(at.to_owned()) {
            return None;
        }
        path.push(at.to_owned());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(circle) = visit(next, graph, path, done) {
                return Some(circle);
            }
        }
        path.pop();
        None
    }
    for module in graph.keys() {
        let circle = visit(module, &graph, &mut Vec::new(), &mut BTreeSet::new());
        assert!(
            circle.is_none(),
            "import circle: {}",
            circle.unwrap().join(" → ")
        );
    }
}

#[test]
fn every_library_module_has_its_one_job_in_the_table() {
    let lib = fs::read_to_string(Path::new(ROOT).join("shared/lib.rs")).unwrap();
    for layer in LAYERS {
        let declared =
            fs::read_to_string(Path::new(ROOT).join("shared").join(layer).join("mod.rs"))
                .unwrap()
                .lines()
                .filter_map(|l| Some(l.strip_prefix("pub mod ")?.strip_suffix(';')?.to_owned()))
                .count();
        let files = library_imports()
            .keys()
            .filter(|m| m.starts_with(&format!("{layer}::")))
            .count();
        assert_eq!(declared, files, "a file in shared/{layer}/ is not a module");
    }
    for module in library_imports().keys() {
        let layer = module.split("::").next().unwrap();
        let rows = lib
            .lines()
            .filter(|l| l.starts_with(&format!("//! | {layer} | [`{module}`] |")))
            .count();
        assert_eq!(
            rows, 1,
            "module {module} needs exactly one row in lib.rs's table"
        );
    }
}

#[test]
fn the_shape_checks_can_fail() {
    assert!(notes_problems("ok.rs", "use std::io;\nuse socket2::Socket;\n").is_empty());
    let stagey = notes_problems(
        "bad.rs",
        "use socket_lessons::guard::limits;\nuse clap::Parser;\nfn f() { say!(x, \"hi\"); }\n",
    );
    assert_eq!(stagey.len(), 4, "{stagey:?}");
    let long = "// x\n".repeat(NOTES_FILE_LINES + 1);
    assert_eq!(notes_problems("long.rs", &long).len(), 1);
}
