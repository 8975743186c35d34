//! The shape of the code, checked: a lesson opens with the notes' program, a lesson's main
//! file stays short enough to read beside the notes, and the library's modules depend on
//! each other one way only, each with its one job in `lib.rs`'s table.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The notes' server must be the first thing a learner meets: its code starts within this
/// many lines of the top of the lesson's main file.
const SERVER_BY_LINE: usize = 150;

/// The longest a lesson's main file may be; a longer lesson moves its demo beside it.
const MAIN_FILE_LINES: usize = 450;

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
    assert_eq!(lessons.len(), 14, "lessons 00 to 13 in Cargo.toml");
    lessons
}

/// Where the notes' server starts: the first item (`fn`, `struct`, `impl`) after the section
/// heading `// The server…` (the lessons' heading for the notes' server, or server and
/// client).
fn server_line(text: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let heading = lines
        .iter()
        .position(|l| l.starts_with("// The server") || l.starts_with("// The notes' server"))?;
    lines[heading..]
        .iter()
        .position(|l| {
            ["fn ", "pub fn ", "struct ", "pub struct ", "impl"]
                .iter()
                .any(|item| l.starts_with(item))
        })
        .map(|i| heading + i + 1)
}

#[test]
fn every_lesson_opens_with_the_notes_server_and_stays_readable() {
    let mut problems = Vec::new();
    let mut table =
        String::from("| lesson | server starts at line | main file lines |\n|---|---|---|\n");
    for (name, path) in lesson_files() {
        let text = fs::read_to_string(&path).unwrap();
        let lines = text.lines().count();
        let server = server_line(&text);
        table.push_str(&format!(
            "| {name} | {} | {lines} |\n",
            server.map_or("none".into(), |l| l.to_string())
        ));
        match server {
            None => problems.push(format!("{name}: no `// The server` section heading")),
            Some(line) if line > SERVER_BY_LINE => problems.push(format!(
                "{name}: the notes' server starts at line {line}, after line {SERVER_BY_LINE}"
            )),
            Some(_) => {}
        }
        if lines > MAIN_FILE_LINES {
            problems.push(format!(
                "{name}: {} is {lines} lines, over {MAIN_FILE_LINES}",
                path.display()
            ));
        }
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
    assert_eq!(
        server_line("//! x\n// The server\n\nfn serve() {}\n"),
        Some(4)
    );
    assert_eq!(server_line("fn main() {}\n"), None);
}
