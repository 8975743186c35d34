//! Every lesson's coding exercise and its check.
//!
//! - The course's solution passes its check, and the starter, untouched, fails it for the
//!   lesson's reason (the check's message names it). A learner who has edited a starter
//!   would see that half fail for the wrong reason: an edited starter (its md5 no longer
//!   the one recorded here) is skipped with a line saying so, except under `CI=true`.
//! - Every wrong answer in `tests/answers/NN/wrong_*.rs` is rejected, at the step its
//!   header names; every right answer in another style (`right_*.rs`) passes; every
//!   exercise has at least five wrong answers.
//! - Each exercise is built on its own: a file that does not compile stops its own check
//!   and no other, and the compiler's messages name that file alone.
//! - The learner's loop: `check` with no lesson lists passed / not yet, `--watch` checks
//!   again when the file is saved, and the check speaks Chinese under a Chinese locale.
//!
//! Each check is a program of its own (`check` builds it); the tests run several at once,
//! a few at a time, and pin the language with `--lang en` (or the locale) on every run.

mod common;

use socket_lessons::wire::checksum::md5_hex;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// lesson, starter file, md5 of the starter as shipped, what the failing check must say.
const EXERCISES: &[(&str, &str, &str, &str)] = &[
    (
        "00",
        "00_close_your_side.rs",
        "50c687fd2c31054171eef27984aa96d9",
        "CLOSE_WAIT lasts until the application closes",
    ),
    (
        "01",
        "01_whole_reply.rs",
        "1f07b1fc1143f9b43405c47261fb1110",
        "recv(1024) is an upper bound",
    ),
    (
        "02",
        "02_echo_server.rs",
        "21642cb30f1f76ed984a49b085c78d0a",
        "recv returning 0 bytes means the client closed",
    ),
    (
        "03",
        "03_rebind.rs",
        "39a6f4852c0946ec0e7b8a2472ae4da8",
        "set_reuse_address(true) before bind",
    ),
    (
        "04",
        "04_until_blank_line.rs",
        "7273cb2b1cff6d7f63819906b7f10b7f",
        "the rest of answer 1 leaked into answer 2",
    ),
    (
        "05",
        "05_whole_datagram.rs",
        "8e2ea27f2b98d9dedcf76542b792f6a5",
        "UDP keeps nothing for the next call",
    ),
    (
        "06",
        "06_read_frame.rs",
        "0c7e97f4a5ad7d346fbb2fcee3d5d3e8",
        "two frames arriving one byte per read",
    ),
    (
        "07",
        "07_run_with_limit.rs",
        "4a966e5224e71701321f2dd351ce7837",
        "with a limit of 1 s",
    ),
    (
        "08",
        "08_checked_answer.rs",
        "81547282cfa3f2fad26311a63c0b40c3",
        "the same answer, one byte per read",
    ),
    (
        "09",
        "09_save_safely.rs",
        "94fb641d7df15b44fca9f727dc9c48e6",
        "outside the directory",
    ),
    (
        "10",
        "10_verify_answer.rs",
        "8aea40ab8000e469dedea59b891b0292",
        "the first 8 bytes of the right answer",
    ),
    (
        "11",
        "11_nonblocking_echo.rs",
        "912b4df0cb29434e3a42bc58084c7e96",
        "while client A is connected and silent",
    ),
    (
        "12",
        "12_time_client.rs",
        "82026c38d63e999db4b9685d3badf8aa",
        "request 2, lost: the server never answers",
    ),
    (
        "13",
        "13_one_write.rs",
        "47decf6230bfda2cd5061c933d52120b",
        "data segments left your socket for this one request",
    ),
];

/// What one run of `check` printed, and whether it passed.
struct Run {
    ok: bool,
    out: String,
}

/// Runs `check` with `args`, in English unless `env` says otherwise.
fn check_in(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(common::example("check"));
    command
        .args(args)
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    if env.is_empty() {
        command.args(["--lang", "en"]);
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run the check");
    Run {
        ok: output.status.success(),
        out: String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    }
}

fn check(args: &[&str]) -> Run {
    check_in(args, &[])
}

/// Runs `check` with each set of arguments, a few at a time (each builds and runs a
/// program; a stuck wrong answer costs the check's own limit of a few seconds).
fn checks(all: Vec<Vec<String>>) -> Vec<Run> {
    let queue = std::sync::Mutex::new(all.into_iter().enumerate().collect::<Vec<_>>());
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (queue, tx) = (&queue, tx.clone());
            scope.spawn(move || loop {
                let Some((i, args)) = queue.lock().unwrap().pop() else {
                    return;
                };
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let _ = tx.send((i, check(&args)));
            });
        }
    });
    drop(tx);
    let mut runs: Vec<(usize, Run)> = rx.into_iter().collect();
    runs.sort_by_key(|(i, _)| *i);
    runs.into_iter().map(|(_, run)| run).collect()
}

#[test]
fn every_lesson_has_an_exercise() {
    let lessons: Vec<&str> = EXERCISES.iter().map(|(lesson, ..)| *lesson).collect();
    let want: Vec<String> = (0..=13).map(|n| format!("{n:02}")).collect();
    assert_eq!(lessons, want);
}

#[test]
fn every_solution_passes_its_check() {
    let all = EXERCISES
        .iter()
        .map(|(lesson, ..)| vec![lesson.to_string(), "--solution".to_owned()])
        .collect();
    for ((lesson, ..), run) in EXERCISES.iter().zip(checks(all)) {
        assert!(
            run.ok && run.out.contains("\nPASSED\n"),
            "lesson {lesson}'s solution:\n{}",
            run.out
        );
        assert!(
            run.out.contains("What passing means:"),
            "after PASSED, what was checked:\n{}",
            run.out
        );
    }
}

#[test]
fn every_untouched_starter_fails_for_the_lessons_reason() {
    let mut shipped_ones = Vec::new();
    for exercise @ (lesson, file, shipped, _) in EXERCISES {
        let path = common::root().join("lessons/exercises").join(file);
        let text = std::fs::read(&path).unwrap();
        if md5_hex(&text) == *shipped {
            shipped_ones.push(exercise);
            continue;
        }
        common::skip(
            &format!("starter {lesson}"),
            &format!(
                "lessons/exercises/{file} is not the starter as shipped (md5 {}); `cargo run \
                 --example check -- {lesson}` checks your version",
                md5_hex(&text)
            ),
        );
    }
    let all = shipped_ones
        .iter()
        .map(|(lesson, file, ..)| {
            // The starter's own text, checked from a copy: the learner's progress record
            // is not touched.
            let copy = scratch(&format!("starter-{lesson}")).join(file);
            std::fs::copy(common::root().join("lessons/exercises").join(file), &copy).unwrap();
            vec![
                lesson.to_string(),
                "--file".to_owned(),
                copy.display().to_string(),
            ]
        })
        .collect();
    for ((lesson, _, _, says), run) in shipped_ones.iter().zip(checks(all)) {
        assert!(
            !run.ok,
            "lesson {lesson}'s untouched starter passed its check:\n{}",
            run.out
        );
        assert!(run.out.contains("\nFAILED\n"), "{}", run.out);
        assert!(
            run.out.contains(says),
            "lesson {lesson}: the check should say {says:?}:\n{}",
            run.out
        );
    }
}

/// An answer in `tests/answers/NN/`: its lesson, path, and what its header says. A wrong
/// answer names the step that rejects it (`//! Rejected at: …`); one whose flaw two steps
/// can show, which of them first depending on the kernel's timing, names both (one line
/// each) and may be rejected at either, never passed.
struct Answer {
    lesson: String,
    path: PathBuf,
    rejected_at: Vec<String>,
    says: Vec<String>,
}

fn answers(prefix: &str) -> Vec<Answer> {
    let mut found = Vec::new();
    for (lesson, ..) in EXERCISES {
        let dir = common::root().join("tests/answers").join(lesson);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "rs")
                    && p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let field = |name: &str| {
                text.lines()
                    .filter_map(|l| l.strip_prefix(&format!("//! {name}: ")))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            };
            found.push(Answer {
                lesson: lesson.to_string(),
                rejected_at: field("Rejected at"),
                says: field("Says"),
                path,
            });
        }
    }
    found
}

fn shown(path: &Path) -> String {
    path.strip_prefix(common::root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_exercise_has_five_wrong_answers_each_rejected_at_its_step() {
    let wrong = answers("wrong_");
    for (lesson, ..) in EXERCISES {
        let n = wrong.iter().filter(|a| a.lesson == *lesson).count();
        assert!(
            n >= 5,
            "exercise {lesson} has {n} wrong answers in tests/answers/{lesson}/, fewer than 5"
        );
    }
    let all = wrong
        .iter()
        .map(|a| {
            vec![
                a.lesson.clone(),
                "--file".to_owned(),
                a.path.display().to_string(),
            ]
        })
        .collect();
    let mut problems = Vec::new();
    for (answer, run) in wrong.iter().zip(checks(all)) {
        let name = shown(&answer.path);
        if answer.rejected_at.is_empty() {
            problems.push(format!("{name}: no `//! Rejected at:` line"));
            continue;
        }
        if run.ok || !run.out.contains("\nFAILED\n") {
            problems.push(format!("{name} was not rejected:\n{}", run.out));
            continue;
        }
        if !answer
            .rejected_at
            .iter()
            .any(|step| run.out.contains(&format!("\n  FAIL  {step}\n")))
        {
            problems.push(format!(
                "{name} was rejected, but not at {:?}:\n{}",
                answer.rejected_at, run.out
            ));
            continue;
        }
        for says in &answer.says {
            if !run.out.contains(says.as_str()) {
                problems.push(format!(
                    "{name}: the failure should say {says:?}:\n{}",
                    run.out
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Exercise 13 counts a request's data segments; a request longer than one segment cannot
/// be one. A "fragmentation needed" message (forged, in one run on this machine) lowered
/// loopback's segment size to 500 bytes for ten minutes, and the check failed the course's
/// own solution on its 1004-byte request. It now leaves such a request uncounted, says so,
/// and still fails two writes on the short requests. Loopback's MTU at 600 in a private
/// network namespace (root; skipped otherwise, a failure under CI=true).
#[cfg(target_os = "linux")]
#[test]
fn exercise_13_judges_only_requests_that_fit_one_segment() {
    common::in_a_private_network_with_mtu(
        "exercise_13_judges_only_requests_that_fit_one_segment",
        Some(600),
        || {
            let right = check(&["13", "--solution"]);
            assert!(right.ok, "{}", right.out);
            assert!(
                right
                    .out
                    .contains("the 1004-byte request's segments were not counted"),
                "{}",
                right.out
            );
            let wrong = check(&[
                "13",
                "--file",
                "tests/answers/13/wrong_two_writes_with_nodelay.rs",
            ]);
            assert!(!wrong.ok, "{}", wrong.out);
            assert!(
                wrong.out.contains("request 1 of 20") && wrong.out.contains("2 data segments"),
                "{}",
                wrong.out
            );
        },
    );
}

#[test]
fn right_answers_in_other_styles_pass() {
    let right = answers("right_");
    assert!(
        right.len() >= 14,
        "a right answer in another style per exercise"
    );
    for (lesson, ..) in EXERCISES {
        assert!(
            right.iter().any(|a| a.lesson == *lesson),
            "exercise {lesson} has no right answer in tests/answers/{lesson}/"
        );
    }
    let all = right
        .iter()
        .map(|a| {
            vec![
                a.lesson.clone(),
                "--file".to_owned(),
                a.path.display().to_string(),
            ]
        })
        .collect();
    for (answer, run) in right.iter().zip(checks(all)) {
        assert!(
            run.ok && run.out.contains("\nPASSED\n"),
            "{} should pass:\n{}",
            shown(&answer.path),
            run.out
        );
    }
}

/// A fresh folder under the target folder's tmp (removed first if a run left it).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("exercises")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of every starter in a fresh folder, as a learner's `lessons/exercises/`.
fn starters(name: &str) -> PathBuf {
    let dir = scratch(name);
    for (_, file, ..) in EXERCISES {
        std::fs::copy(
            common::root().join("lessons/exercises").join(file),
            dir.join(file),
        )
        .unwrap();
    }
    dir
}

fn solution(file: &str) -> String {
    std::fs::read_to_string(
        common::root()
            .join("lessons/exercises/solutions")
            .join(file),
    )
    .unwrap()
}

#[test]
fn a_file_that_does_not_compile_stops_only_its_own_check() {
    let dir = starters("broken-06");
    let broken = dir.join("06_read_frame.rs");
    let mut text = std::fs::read_to_string(&broken).unwrap();
    text.push_str("\nfn this_does_not_compile( {\n");
    std::fs::write(&broken, text).unwrap();
    let dir_arg = dir.display().to_string();

    // 06 itself: the compiler's errors, naming 06's file and no other exercise's.
    let run = check(&["06", "--dir", &dir_arg]);
    assert!(!run.ok, "{}", run.out);
    assert!(
        run.out.contains("FAIL  compile ") && run.out.contains("06_read_frame.rs"),
        "{}",
        run.out
    );
    assert!(run.out.contains("error"), "cargo's error: {}", run.out);
    for (lesson, file, ..) in EXERCISES {
        if *lesson != "06" {
            assert!(
                !run.out.contains(file),
                "06's compile errors mention {file}:\n{}",
                run.out
            );
        }
    }

    // 04 and 13 beside it are checked as usual: their checks run and name their steps.
    let run = check(&["04", "--dir", &dir_arg]);
    assert!(
        run.out
            .contains("FAIL  two answers waiting in the receive buffer"),
        "04's check runs:\n{}",
        run.out
    );
    assert!(!run.out.contains("06_read_frame.rs"), "{}", run.out);
    std::fs::write(dir.join("13_one_write.rs"), solution("13_one_write.rs")).unwrap();
    let run = check(&["13", "--dir", &dir_arg]);
    assert!(run.ok && run.out.contains("\nPASSED\n"), "{}", run.out);
    // The solutions, and the list of every exercise.
    assert!(check(&["06", "--solution"]).ok);
    let run = check(&["--dir", &dir_arg]);
    assert!(run.ok, "{}", run.out);
    assert!(run.out.contains("  06  not yet"), "{}", run.out);
    assert!(run.out.contains("  13  passed "), "{}", run.out);
}

#[test]
fn the_list_says_passed_or_not_yet_for_the_file_as_it_is() {
    let dir = starters("progress");
    let dir_arg = dir.display().to_string();
    let run = check(&["--dir", &dir_arg]);
    assert!(run.ok, "{}", run.out);
    assert!(run.out.contains("0 of 14 passed"), "{}", run.out);
    assert_eq!(run.out.matches(" not yet ").count(), 14, "{}", run.out);

    let file = dir.join("05_whole_datagram.rs");
    std::fs::write(&file, solution("05_whole_datagram.rs")).unwrap();
    assert!(check(&["05", "--dir", &dir_arg]).ok);
    let run = check(&["--dir", &dir_arg]);
    assert!(run.out.contains("  05  passed "), "{}", run.out);
    assert!(run.out.contains("1 of 14 passed"), "{}", run.out);
    assert!(
        run.out
            .contains("Next: cargo run --example check -- 00 --watch"),
        "{}",
        run.out
    );

    // Edited since it passed: not yet, until it is checked again.
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\n// an edit\n");
    std::fs::write(&file, text).unwrap();
    let run = check(&["--dir", &dir_arg]);
    assert!(run.out.contains("  05  not yet "), "{}", run.out);
}

/// Lines of a running program's stdout, each wait bounded.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Waits for a line equal to `want`, collecting what came; panics after `common::WAIT`
/// (a build of the check is part of each wait).
fn wait_for(lines: &mpsc::Receiver<String>, want: &str, seen: &mut Vec<String>) {
    let deadline = Instant::now() + common::WAIT * 4;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left.max(Duration::from_millis(1))) {
            Ok(line) => {
                let done = line == want;
                seen.push(line);
                if done {
                    return;
                }
            }
            Err(_) => panic!("no line {want:?}; the output so far:\n{}", seen.join("\n")),
        }
    }
}

#[test]
fn watch_checks_again_when_the_file_is_saved() {
    let dir = starters("watch");
    let mut child = Command::new(common::example("check"))
        .args(["06", "--watch", "--lang", "en", "--dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut child);
    let mut seen = Vec::new();
    wait_for(&lines, "FAILED", &mut seen);
    let file = dir.join("06_read_frame.rs");
    let file = file.strip_prefix(common::root()).unwrap_or(&file);
    let watching = format!(
        "watching {}: save it to check again (Ctrl-C to stop)",
        file.display()
    );
    wait_for(&lines, &watching, &mut seen);
    std::fs::write(dir.join("06_read_frame.rs"), solution("06_read_frame.rs")).unwrap();
    wait_for(&lines, "PASSED", &mut seen);
    wait_for(&lines, &watching, &mut seen);
    let _ = child.kill();
    let _ = child.wait();
    let text = seen.join("\n");
    assert_eq!(text.matches("check 06: ").count(), 2, "{text}");
}

#[test]
fn the_check_speaks_chinese_under_a_chinese_locale() {
    let dir = starters("chinese");
    let dir_arg = dir.display().to_string();
    let run = check_in(&["06", "--dir", &dir_arg], &[("LANG", "zh_CN.UTF-8")]);
    assert!(!run.ok);
    for line in [
        "检查 06：read_frame",
        "  通过  一次读到一个帧，结束时返回 Ok(None)",
        "  失败  两个帧每次只到 1 个字节",
        "第 1 次调用：期望 Ok(Some(5 字节 b\"hello\"))",
        "  提示：一次读取返回已经到达的任意多字节",
        "未通过",
    ] {
        assert!(run.out.contains(line), "no {line:?} in:\n{}", run.out);
    }
    let run = check_in(&["06", "--solution"], &[("LANG", "zh_CN.UTF-8")]);
    assert!(run.ok, "{}", run.out);
    assert!(run.out.contains("\n通过\n通过意味着"), "{}", run.out);
    let run = check_in(&["--dir", &dir_arg], &[("LANG", "zh_CN.UTF-8")]);
    assert!(run.out.contains("  06  未通过 "), "{}", run.out);
    assert!(run.out.contains("14 个练习中已通过 0 个"), "{}", run.out);
    let run = check_in(&["--help"], &[("LANG", "zh_CN.UTF-8")]);
    assert!(run.out.contains("每次保存文件都重新检查"), "{}", run.out);
}

#[test]
fn every_exercise_file_is_checked_and_listed() {
    let run = check(&["--list"]);
    assert!(run.ok, "{}", run.out);
    let mut files: Vec<String> = std::fs::read_dir(common::root().join("lessons/exercises"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.ends_with(".rs").then_some(name)
        })
        .collect();
    files.sort();
    for file in &files {
        assert!(
            run.out.contains(file),
            "{file} is not in `check --list`:\n{}",
            run.out
        );
        assert!(
            common::root()
                .join("lessons/exercises/solutions")
                .join(file)
                .is_file(),
            "{file} has no solution"
        );
        assert!(
            EXERCISES.iter().any(|(_, f, ..)| f == file),
            "{file} is not in this test's table"
        );
    }
}

#[test]
fn a_lesson_without_an_exercise_is_refused_by_name() {
    let run = check(&["99"]);
    assert!(!run.ok);
    assert!(
        run.out.contains("no exercise for lesson \"99\""),
        "{}",
        run.out
    );
}

/// Each starter names its page in both languages.
#[test]
fn every_starter_names_both_pages() {
    let pages: Vec<String> = std::fs::read_dir(common::root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    for (lesson, file, ..) in EXERCISES {
        let text =
            std::fs::read_to_string(common::root().join("lessons/exercises").join(file)).unwrap();
        let page = pages
            .iter()
            .find(|p| p.starts_with(lesson))
            .unwrap_or_else(|| panic!("no page for lesson {lesson}"));
        for name in [format!("docs/{page}"), format!("docs/zh-CN/{page}")] {
            assert!(text.contains(&name), "{file} does not name {name}");
        }
    }
}

/// The words each language's pages use for the exercise, its folded solution, the
/// questions and their folded answers.
struct PageWords {
    dir: &'static str,
    /// The exercise's heading, in each spelling a page may use.
    exercise: &'static [&'static str],
    solution: &'static str,
    questions: [&'static str; 2],
    answer: &'static str,
}

const LANGUAGES: [PageWords; 2] = [
    PageWords {
        dir: "docs",
        exercise: &["\n## Exercise:"],
        solution: "<details><summary>The solution, explained</summary>",
        questions: ["\n## Try it\n", "\n## Exercises\n"],
        answer: "<details><summary>Answer</summary>",
    },
    PageWords {
        dir: "docs/zh-CN",
        // A full-width colon after Chinese (issue 25); the ASCII one until every page has
        // its heading changed.
        exercise: &["\n## 练习：", "\n## 练习: "],
        solution: "<details><summary>参考解答与讲解</summary>",
        questions: ["\n## 动手试试\n", "\n## 练习\n"],
        answer: "<details><summary>答案</summary>",
    },
];

/// Lessons whose pages have questions with folded answers but no checker exercise: lesson
/// 14 (issue 30 made its exercise optional, and the checker has no task for it).
const WITHOUT_EXERCISE: &[&str] = &["14"];

#[test]
fn every_page_has_its_exercise_and_a_folded_answer_to_every_question() {
    for words in &LANGUAGES {
        for entry in std::fs::read_dir(common::root().join(words.dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if !name.starts_with(|c: char| c.is_ascii_digit()) || !name.ends_with(".md") {
                continue;
            }
            let dir = words.dir;
            let page = std::fs::read_to_string(common::root().join(dir).join(&name)).unwrap();
            let lesson = &name[..2];
            if !WITHOUT_EXERCISE.contains(&lesson) {
                let exercise = words
                    .exercise
                    .iter()
                    .find_map(|heading| page.split(heading).nth(1))
                    .unwrap_or_else(|| panic!("{dir}/{name} has no {:?} section", words.exercise));
                let exercise = exercise.split("\n## ").next().unwrap();
                assert!(
                    exercise.contains(&format!("cargo run --example check -- {lesson}")),
                    "{dir}/{name}: the exercise names its check command"
                );
                assert!(
                    exercise.contains(words.solution),
                    "{dir}/{name}: the exercise's solution, folded"
                );
            }
            let questions = words
                .questions
                .iter()
                .find_map(|heading| page.split(heading).nth(1))
                .unwrap_or_else(|| panic!("{dir}/{name} has no questions"));
            let questions = questions.split("\n## ").next().unwrap();
            let asked = questions
                .lines()
                .filter(|l| {
                    l.split_once(". ")
                        .is_some_and(|(n, _)| n.parse::<u32>().is_ok())
                })
                .count();
            let answered = questions.matches(words.answer).count();
            assert!(asked > 0, "{dir}/{name}: no numbered questions");
            assert_eq!(
                asked, answered,
                "{dir}/{name}: every question gets a folded answer"
            );
        }
    }
    // Every English page has its Chinese edition.
    for entry in std::fs::read_dir(common::root().join("docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && name != "SUMMARY.md" {
            assert!(
                common::root().join("docs/zh-CN").join(&name).is_file(),
                "docs/{name} has no docs/zh-CN/{name}"
            );
        }
    }
}

/// A zh-CN page is Chinese prose, not English with Chinese headings: outside code blocks,
/// inline code and link targets, most of its letters are Chinese characters.
#[test]
fn every_zh_cn_page_is_written_in_chinese() {
    for entry in std::fs::read_dir(common::root().join("docs/zh-CN")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".md") || name == "SUMMARY.md" {
            continue;
        }
        let page = std::fs::read_to_string(common::root().join("docs/zh-CN").join(&name)).unwrap();
        let mut prose = String::new();
        for (i, part) in page.split("```").enumerate() {
            if i % 2 == 0 {
                // Outside fenced blocks: drop inline code and link targets.
                for (j, bit) in part.split('`').enumerate() {
                    if j % 2 == 0 {
                        for (k, piece) in bit.split("](").enumerate() {
                            // After `](`, the link target runs to the first `)`.
                            let text = if k == 0 {
                                piece
                            } else {
                                piece.split_once(')').map_or(piece, |(_, rest)| rest)
                            };
                            prose.push_str(text);
                        }
                    }
                }
            }
        }
        let chinese = prose
            .chars()
            .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
            .count();
        let latin = prose.chars().filter(|c| c.is_ascii_alphabetic()).count();
        assert!(
            chinese * 100 >= (chinese + latin) * 60,
            "docs/zh-CN/{name}: {chinese} Chinese characters against {latin} Latin letters"
        );
    }
}
