//! # `check`: is your exercise right?
//!
//! Every lesson has a coding exercise in `lessons/exercises/`: a file that compiles, runs,
//! and is wrong in the way the lesson is about. Edit it, then:
//!
//! ```text
//! cargo run --example check                     # every exercise: passed, or not yet
//! cargo run --example check -- 06               # checks lessons/exercises/06_read_frame.rs
//! cargo run --example check -- 06 --watch       # again each time you save the file
//! cargo run --example check -- 06 --solution    # the same check on the course's answer
//! cargo run --example check -- 06 --file my.rs  # the same check on another file
//! ```
//!
//! Each exercise is built on its own (`compile.rs`): a file that does not compile stops
//! only its own check. The check drives your code with peers that speak the lesson's
//! protocol, the misbehaving ones included, and says what went wrong in the lesson's
//! terms: what was sent, what was expected, what came back, and the step it happened in;
//! a panic with its file and line, a hang after a few seconds. After PASSED it lists what
//! passing means. It exits 0 when every step passes, 1 otherwise. `--lang zh` (or a
//! Chinese locale) prints it all in Chinese.

mod checks;
mod compile;
mod progress;

// The course's answers, compiled in: `--solution` runs them in this process.
#[path = "../exercises/solutions/00_close_your_side.rs"]
mod solution_00;
#[path = "../exercises/solutions/01_whole_reply.rs"]
mod solution_01;
#[path = "../exercises/solutions/02_echo_server.rs"]
mod solution_02;
#[path = "../exercises/solutions/03_rebind.rs"]
mod solution_03;
#[path = "../exercises/solutions/04_until_blank_line.rs"]
mod solution_04;
#[path = "../exercises/solutions/05_whole_datagram.rs"]
mod solution_05;
#[path = "../exercises/solutions/06_read_frame.rs"]
mod solution_06;
#[path = "../exercises/solutions/07_run_with_limit.rs"]
mod solution_07;
#[path = "../exercises/solutions/08_checked_answer.rs"]
mod solution_08;
#[path = "../exercises/solutions/09_save_safely.rs"]
mod solution_09;
#[path = "../exercises/solutions/10_verify_answer.rs"]
mod solution_10;
#[path = "../exercises/solutions/11_nonblocking_echo.rs"]
mod solution_11;
#[path = "../exercises/solutions/12_time_client.rs"]
mod solution_12;
#[path = "../exercises/solutions/13_one_write.rs"]
mod solution_13;

use checks::exercises::{self, Exercise};
use checks::harness::{self, Subject};
use clap::Parser;
use compile::{root, Built};
use socket_lessons::lang::pick;
use socket_lessons::stage::cli::ZhHelp;
use socket_lessons::tr;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// Checks a lesson's coding exercise (your file in lessons/exercises/, or with --solution
/// the course's answer) against peers that speak the lesson's protocol. With no lesson:
/// every exercise, passed or not yet.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// The lesson number, 00 to 13 (none: list every exercise with passed / not yet)
    lesson: Option<String>,
    /// Check the course's solution instead of your file
    #[arg(long, conflicts_with_all = ["watch", "file"])]
    solution: bool,
    /// Check again each time the file is saved (Ctrl-C to stop)
    #[arg(long)]
    watch: bool,
    /// Check this file instead of lessons/exercises/NN_….rs
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// The folder that holds your exercise files
    #[arg(long, value_name = "DIR", default_value = "lessons/exercises")]
    dir: PathBuf,
    /// List every exercise with passed / not yet (what no lesson number does)
    #[arg(long)]
    list: bool,
}

const ZH_HELP: ZhHelp = ZhHelp {
    about: "检查一课的编程练习（你在 lessons/exercises/ 里的文件，或者用 --solution 检查课程的参考解答），用按这一课的传输格式说话的对端来驱动它。不给课号：列出每个练习，已通过还是未通过。",
    long_about: "检查一课的编程练习（你在 lessons/exercises/ 里的文件，或者用 --solution 检查课程的参考解答），用按这一课的传输格式说话的对端来驱动它。不给课号：列出每个练习，已通过还是未通过。\n\n每个练习单独编译：一个编译不过的文件只挡住它自己的检查。",
    subcommands: &[],
    options: &[
        ("lesson", "课号，00 到 13（不给：列出每个练习，已通过还是未通过）"),
        ("solution", "检查课程的参考解答，而不是你的文件"),
        ("watch", "每次保存文件都重新检查（Ctrl-C 停止）"),
        ("file", "检查这个文件，而不是 lessons/exercises/NN_….rs"),
        ("dir", "放你的练习文件的文件夹"),
        ("list", "列出每个练习，已通过还是未通过（不给课号时也是这样）"),
    ],
};

fn main() -> ExitCode {
    let cli = socket_lessons::stage::cli::parse_in::<Cli>(&ZH_HELP);
    let dir = if cli.dir.is_absolute() {
        cli.dir.clone()
    } else {
        root().join(&cli.dir)
    };
    harness::set_root(root());
    let Some(wanted) = cli.lesson.as_deref().filter(|_| !cli.list) else {
        progress::list(&dir, &harness::shown_path(&dir));
        return ExitCode::SUCCESS;
    };
    let Some(exercise) = exercises::find(wanted) else {
        eprintln!(
            "{}",
            tr!(
                "check: no exercise for lesson {wanted:?} (`cargo run --example check` lists them)"
                    | "check：第 {wanted:?} 课没有练习（`cargo run --example check` 会列出所有练习）"
            )
        );
        return ExitCode::from(2);
    };
    if cli.solution {
        let file = root()
            .join("lessons/exercises/solutions")
            .join(exercise.file);
        header(exercise, &file, Whose::Solution);
        checks::start(root());
        return run_solution(exercise, &Subject::new(&file));
    }
    let (file, whose) = match &cli.file {
        Some(file) => (
            std::env::current_dir().unwrap_or_default().join(file),
            Whose::Other,
        ),
        None => (dir.join(exercise.file), Whose::Yours),
    };
    if !cli.watch {
        return check_file(exercise, &file, whose);
    }
    watch(exercise, &file, whose)
}

/// Whose file is checked, for the header line.
#[derive(Clone, Copy)]
enum Whose {
    Yours,
    Solution,
    Other,
}

fn header(exercise: &Exercise, file: &Path, whose: Whose) {
    let shown = harness::shown_path(file);
    println!(
        "{}",
        tr!(
            "check {}: {}" | "检查 {}：{}",
            exercise.lesson,
            exercise.task()
        )
    );
    let page = exercise.page;
    let line = match whose {
        Whose::Yours => tr!("checking your file, {shown} (the page: docs/{page}.md)"
            | "检查你的文件 {shown}（讲解：docs/zh-CN/{page}.md）"),
        Whose::Solution => tr!(
            "checking the course's solution, {shown} (the page: docs/{page}.md)"
                | "检查课程的参考解答 {shown}（讲解：docs/zh-CN/{page}.md）"
        ),
        Whose::Other => tr!("checking {shown} (the page: docs/{page}.md)"
            | "检查 {shown}（讲解：docs/zh-CN/{page}.md）"),
    };
    println!("{line}");
    let _ = std::io::stdout().flush();
}

/// The verdict line of a check that ended before its own, and the FAILED line.
fn fail_here(step: &str, details: &[String], hint: &str) {
    println!("{}{step}", pick("  FAIL  ", "  失败  "));
    for line in details {
        println!("        {line}");
    }
    println!("{}{hint}", pick("  hint: ", "  提示："));
    println!("{}", harness::verdict(false));
}

/// Builds the check for `file` and runs it; records the outcome for the progress list.
fn check_file(exercise: &Exercise, file: &Path, whose: Whose) -> ExitCode {
    header(exercise, file, whose);
    if !file.is_file() {
        fail_here(
            &tr!("find the file" | "找到文件"),
            &[tr!(
                "{} does not exist" | "{} 不存在",
                harness::shown_path(file)
            )],
            pick(
                "the starter is in the course's repository: git checkout lessons/exercises/ brings it back",
                "初始代码在课程的仓库里：git checkout lessons/exercises/ 可以把它恢复",
            ),
        );
        return ExitCode::FAILURE;
    }
    let passed = match compile::build(exercise, file) {
        Err(e) => {
            fail_here(
                &tr!("build the check" | "构建检查程序"),
                &[tr!("error: {e}" | "错误：{e}")],
                pick(
                    "run `cargo build --example check` once; this needs cargo and the course's dependencies, built",
                    "先运行一次 `cargo build --example check`；这需要 cargo 和已经编译好的课程依赖",
                ),
            );
            false
        }
        Ok(Built::DoesNotCompile) => {
            let function = exercise.function;
            fail_here(
                &tr!(
                    "compile {}" | "编译 {}",
                    harness::shown_path(file)
                ),
                &[pick(
                    "got: the compiler's errors, above. Only this file is built for this check; the other exercises are not affected.",
                    "实际：编译器的错误信息在上面。这个检查只编译这一个文件；其他练习不受影响。",
                )
                .to_owned()],
                &tr!(
                    "keep `pub fn {function}` with the signature the starter has: the check calls it. The errors that name main.rs mean it is missing or its signature changed."
                        | "保留 `pub fn {function}`，签名和初始代码一样：检查程序要调用它。提到 main.rs 的错误，说明它不见了或者签名变了。"
                ),
            );
            false
        }
        Ok(Built::Program(program)) => {
            let passed = run_program(&program);
            // A file checked with --file (another answer, a test's) is seldom checked again:
            // its program, some 30 MB with its debug information, is not kept.
            if matches!(whose, Whose::Other) {
                compile::discard(&program);
            }
            passed
        }
    };
    if matches!(whose, Whose::Yours | Whose::Other) {
        progress::record(file, passed);
    }
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// How long a whole check may take; every step has its own limit of a few seconds, so
/// this only catches a check that cannot end (the learner's code blocking its exit).
const WHOLE_CHECK: Duration = Duration::from_secs(120);

/// Runs a built check, passing its lines through; true when it passed. A process that
/// ends without its verdict (an abort, an exit, a stack overflow in the learner's code) is
/// a failure that says so, with the step it was in.
fn run_program(program: &Path) -> bool {
    let lang = pick("en", "zh");
    let child = Command::new(program)
        .args(["--lang", lang])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => {
            fail_here(
                &tr!("start the check" | "启动检查程序"),
                &[tr!("error: {e}" | "错误：{e}")],
                "",
            );
            return false;
        }
    };
    let stdout = child.stdout.take();
    let lines = std::thread::spawn(move || {
        let mut verdict = None;
        let mut last_ok = None;
        if let Some(stdout) = stdout {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                let _ = std::io::stdout().flush();
                if line == harness::verdict(true) || line == harness::verdict(false) {
                    verdict = Some(line == harness::verdict(true));
                } else if let Some(step) = line
                    .strip_prefix("  ok    ")
                    .or_else(|| line.strip_prefix("  通过  "))
                {
                    last_ok = Some(step.to_owned());
                }
            }
        }
        (verdict, last_ok)
    });
    let deadline = Instant::now() + WHOLE_CHECK;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break None,
        }
    };
    let (verdict, last_ok) = lines.join().unwrap_or((None, None));
    match (verdict, status) {
        (Some(passed), Some(status)) if status.code() == Some(if passed { 0 } else { 1 }) => passed,
        (Some(false), _) => false,
        _ => {
            let during = match &last_ok {
                Some(step) => tr!("in the step after \"{step}\"" | "在“{step}”之后的那一步"),
                None => pick("in its first step", "在第一步").to_owned(),
            };
            let how = match status {
                None => tr!(
                    "it did not end within {} s and was stopped" | "它在 {} 秒内没有结束，被停止了",
                    WHOLE_CHECK.as_secs()
                ),
                Some(status) => describe_status(status),
            };
            fail_here(
                &tr!(
                    "the check's program ended before its verdict, {during}"
                        | "检查程序在给出结论之前就结束了，{during}"
                ),
                &[tr!("got: {how}" | "实际：{how}")],
                pick(
                    "your code ended the whole program: std::process::exit, an abort, a stack overflow (a big array on a thread's stack), or an allocation the system refused. Its own messages, if any, are above.",
                    "你的代码结束了整个程序：std::process::exit、abort、栈溢出（线程栈上的大数组），或者系统拒绝了一次内存分配。如果它自己打印了信息，就在上面。",
                ),
            );
            false
        }
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                libc::SIGABRT => "SIGABRT",
                libc::SIGSEGV => "SIGSEGV",
                libc::SIGKILL => "SIGKILL",
                libc::SIGBUS => "SIGBUS",
                _ => "",
            };
            return tr!("killed by signal {signal} {name}" | "被信号 {signal} {name} 杀死");
        }
    }
    match status.code() {
        Some(code) => tr!("exit status {code}, without the check's verdict"
            | "退出状态 {code}，没有检查程序的结论"),
        None => format!("{status}"),
    }
}

/// Checks the file, then again each time it changes.
fn watch(exercise: &Exercise, file: &Path, whose: Whose) -> ExitCode {
    let mut last = std::fs::read(file).ok();
    loop {
        let _ = check_file(exercise, file, whose);
        println!(
            "{}",
            tr!(
                "watching {}: save it to check again (Ctrl-C to stop)"
                    | "正在监视 {}：保存文件就会重新检查（Ctrl-C 停止）",
                harness::shown_path(file)
            )
        );
        let _ = std::io::stdout().flush();
        // Polls the file's bytes: a save that changes nothing does not check again, and an
        // editor that saves by writing a new file and renaming it is seen like any other.
        loop {
            std::thread::sleep(Duration::from_millis(250));
            let now = std::fs::read(file).ok();
            if now.is_some() && now != last {
                last = now;
                break;
            }
        }
        println!();
    }
}

/// The course's solution, checked in this process.
fn run_solution(exercise: &Exercise, file: &Subject) -> ExitCode {
    use checks::*;
    match exercise.lesson {
        "00" => ex00::check(solution_00::serve, file),
        "01" => ex01::check(solution_01::ask, file),
        "02" => ex02::check(solution_02::serve, file),
        "03" => ex03::check(solution_03::listen, file),
        "04" => ex04::check(solution_04::next_answer, file),
        "05" => ex05::check(solution_05::receive, file),
        "06" => ex06::check(solution_06::read_frame, file),
        "07" => ex07::check(solution_07::run, file),
        "08" => ex08::check(solution_08::receive, file),
        "09" => ex09::check(solution_09::save, file),
        "10" => ex10::check(solution_10::verify, file),
        "11" => ex11::check(solution_11::serve, file),
        "12" => ex12::check(solution_12::ask_time, file),
        _ => ex13::check(solution_13::send_request, file),
    }
}
