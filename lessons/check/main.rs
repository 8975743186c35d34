//! # `check`: is your exercise right?
//!
//! Every lesson has a coding exercise in `lessons/exercises/`: a file that compiles, runs,
//! and is wrong in the way the lesson is about. Edit it, then:
//!
//! ```text
//! cargo run --example check -- 06              # checks lessons/exercises/06_read_frame.rs
//! cargo run --example check -- 06 --solution   # the same check on the course's answer
//! cargo run --example check -- --list          # every exercise and its file
//! ```
//!
//! The check drives your code with peers that speak the lesson's protocol, the misbehaving
//! ones included, and says what went wrong in the lesson's terms: what was sent, what was
//! expected, what came back. It exits 0 when every step passes, 1 otherwise.

mod ex00;
mod ex01;
mod ex02;
mod ex03;
mod ex04;
mod ex05;
mod ex06;
mod ex07;
mod ex08;
mod ex09;
mod ex10;
mod ex11;
mod ex12;
mod ex13;
mod exercises;
mod harness;

// The learners' files and the course's answers, compiled side by side.
#[path = "../exercises/00_close_your_side.rs"]
mod learner_00;
#[path = "../exercises/01_whole_reply.rs"]
mod learner_01;
#[path = "../exercises/02_echo_server.rs"]
mod learner_02;
#[path = "../exercises/03_rebind.rs"]
mod learner_03;
#[path = "../exercises/04_until_blank_line.rs"]
mod learner_04;
#[path = "../exercises/05_whole_datagram.rs"]
mod learner_05;
#[path = "../exercises/06_read_frame.rs"]
mod learner_06;
#[path = "../exercises/07_run_with_limit.rs"]
mod learner_07;
#[path = "../exercises/08_checked_answer.rs"]
mod learner_08;
#[path = "../exercises/09_save_safely.rs"]
mod learner_09;
#[path = "../exercises/10_verify_answer.rs"]
mod learner_10;
#[path = "../exercises/11_nonblocking_echo.rs"]
mod learner_11;
#[path = "../exercises/12_time_client.rs"]
mod learner_12;
#[path = "../exercises/13_one_write.rs"]
mod learner_13;
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

use clap::Parser;
use harness::Outcome;

/// Checks a lesson's coding exercise (your file in lessons/exercises/, or with --solution
/// the course's answer) against peers that speak the lesson's protocol.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// The lesson number (00 to 13)
    #[arg(required_unless_present = "list")]
    lesson: Option<String>,
    /// Check the course's solution instead of your file
    #[arg(long)]
    solution: bool,
    /// List the exercises, their files and what they ask
    #[arg(long)]
    list: bool,
}

fn main() -> std::process::ExitCode {
    let cli = socket_lessons::stage::cli::parse::<Cli>();
    if cli.list {
        for exercise in exercises::ALL {
            println!(
                "{}  lessons/exercises/{}  {}",
                exercise.lesson, exercise.file, exercise.task
            );
        }
        return std::process::ExitCode::SUCCESS;
    }
    let wanted = cli.lesson.unwrap_or_default();
    let Some(exercise) = exercises::ALL.iter().find(|e| {
        e.lesson == wanted || e.lesson.trim_start_matches('0') == wanted.trim_start_matches('0')
    }) else {
        eprintln!("check: no exercise for lesson {wanted:?} (try --list)");
        return std::process::ExitCode::from(2);
    };
    let whose = if cli.solution {
        format!(
            "the course's solution, lessons/exercises/solutions/{}",
            exercise.file
        )
    } else {
        format!("your file, lessons/exercises/{}", exercise.file)
    };
    println!("check {}: {}", exercise.lesson, exercise.task);
    println!("checking {whose}");
    let outcome = (exercise.check)(cli.solution);
    match outcome {
        Outcome::Passed(steps) => {
            for step in steps {
                println!("  ok    {step}");
            }
            println!("PASSED");
            std::process::ExitCode::SUCCESS
        }
        Outcome::Failed { passed, failure } => {
            for step in passed {
                println!("  ok    {step}");
            }
            println!("  FAIL  {}", failure.step);
            for line in failure.details {
                println!("        {line}");
            }
            if let Some(hint) = failure.hint {
                println!("  hint: {hint}");
            }
            println!("FAILED");
            std::process::ExitCode::FAILURE
        }
    }
}
