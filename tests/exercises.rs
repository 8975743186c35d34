//! Every lesson's coding exercise: the course's solution passes its check, and the starter,
//! untouched, fails it for the lesson's reason (the check's message names it).
//!
//! A learner who has edited a starter would see the second half fail for the wrong reason:
//! an edited starter (its md5 no longer the one recorded here) is skipped with a line saying
//! so, except under `CI=true`, where the starters must be as shipped.

mod common;

use socket_lessons::wire::checksum::md5_hex;

/// lesson, starter file, md5 of the starter as shipped, what the failing check must say.
const EXERCISES: &[(&str, &str, &str, &str)] = &[
    (
        "00",
        "00_close_your_side.rs",
        "bc7fac98e05d838fe696513f80417873",
        "CLOSE_WAIT lasts until the application closes",
    ),
    (
        "01",
        "01_whole_reply.rs",
        "d1d67f9242bd63d9ce7251263b5ad1f8",
        "recv(1024) is an upper bound",
    ),
    (
        "02",
        "02_echo_server.rs",
        "aaf2fb602955ebc829531535f84f4412",
        "recv returning 0 bytes means the client closed",
    ),
    (
        "03",
        "03_rebind.rs",
        "e6df4c698e75d69804360e5d7f45867a",
        "set_reuse_address(true) before bind",
    ),
    (
        "04",
        "04_until_blank_line.rs",
        "8dfe4f3f95c0be651f57b0fe1470c09e",
        "the rest of answer 1 leaked into answer 2",
    ),
    (
        "05",
        "05_whole_datagram.rs",
        "847db0a28d2aad9dbfe19b8a5024ba19",
        "UDP keeps nothing for the next call",
    ),
    (
        "06",
        "06_read_frame.rs",
        "51c35cdec27d669ea94e243074714c7b",
        "two frames arriving one byte per read",
    ),
    (
        "07",
        "07_run_with_limit.rs",
        "468127c6cb235cf677580d0f7d86df96",
        "with a limit of 1 s",
    ),
    (
        "08",
        "08_checked_answer.rs",
        "85a68c19b2d8be3cb798b2e6082e0716",
        "the same answer, one byte per read",
    ),
    (
        "09",
        "09_save_safely.rs",
        "fdf9e1666431643e521b754c8463f5a7",
        "outside the directory",
    ),
    (
        "10",
        "10_verify_answer.rs",
        "fd25104679c09934cd34bea5873161e9",
        "the first 8 bytes of the right answer",
    ),
    (
        "11",
        "11_nonblocking_echo.rs",
        "e2fe5cccd0a305ff25a0ecc607e42e1c",
        "while client A is connected and silent",
    ),
    (
        "12",
        "12_time_client.rs",
        "cddad14fce88ce95dec4e66ee055d76c",
        "request 2, lost: the server never answers",
    ),
    (
        "13",
        "13_one_write.rs",
        "9051478a941f74c39114864320b25654",
        "data segments left your socket for this one request",
    ),
];

fn check(args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(common::example("check"))
        .args(args)
        .output()
        .expect("run the check");
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// Runs `check` with each set of arguments at once (a stuck starter costs the check's own
/// 10 s limit; run one after another, five of them would cost 50 s).
fn checks(all: Vec<Vec<String>>) -> Vec<(bool, String)> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = all
            .iter()
            .map(|args| {
                scope.spawn(move || {
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    check(&args)
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    })
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
    for ((lesson, ..), (ok, out)) in EXERCISES.iter().zip(checks(all)) {
        assert!(
            ok && out.contains("PASSED"),
            "lesson {lesson}'s solution:\n{out}"
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
        .map(|(lesson, ..)| vec![lesson.to_string()])
        .collect();
    for ((lesson, _, _, says), (ok, out)) in shipped_ones.iter().zip(checks(all)) {
        assert!(
            !ok,
            "lesson {lesson}'s untouched starter passed its check:\n{out}"
        );
        assert!(out.contains("FAILED"), "{out}");
        assert!(
            out.contains(says),
            "lesson {lesson}: the check should say {says:?}:\n{out}"
        );
    }
}

#[test]
fn every_exercise_file_is_checked_and_listed() {
    let (ok, listed) = check(&["--list"]);
    assert!(ok, "{listed}");
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
            listed.contains(file),
            "{file} is not in `check --list`:\n{listed}"
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
    let (ok, out) = check(&["99"]);
    assert!(!ok);
    assert!(out.contains("no exercise for lesson \"99\""), "{out}");
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
