//! The check of exercise 07: command lines run by the learner's `run`: ones that end at
//! once (under a limit far longer than the check waits, so a `run` that sleeps out its
//! limit is seen), one that writes more to stderr than a pipe holds before it writes its
//! stdout, one that takes half a second, two that end and leave a job in the background,
//! two that outlive their limit, one of them ignoring SIGTERM, and one under a limit of
//! 0.4 s; then the process table, this process's children and threads.

use super::harness::{ends, finish, shown, spawn, Failure, Steps, Subject, STUCK};
use super::kernel;
use socket_lessons::tr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

type Run = fn(&str, Duration) -> Vec<u8>;

/// The limit for commands that end at once: far longer than the check waits.
const ROOMY: Duration = Duration::from_secs(30);

const MEANS: &[(&str, &str)] = &[
    (
        "run answers a command's stdout (echo hi), or its stderr when stdout is empty (a command that does not exist, echo err >&2), never both mixed",
        "run 回答命令的 stdout（echo hi），stdout 为空时回答 stderr（不存在的命令、echo err >&2），从不把两者混在一起",
    ),
    (
        "it returns as soon as the command ends, not when the limit runs out, even when the command writes more to stderr than a pipe holds (both pipes read at once); a command that takes 0.5 s is not killed under a 30 s limit",
        "命令一结束它就返回，而不是等到时限用完，即使命令往 stderr 写的数据比一个管道能装的还多（两个管道同时读）；耗时 0.5 秒的命令在 30 秒的时限下不会被杀",
    ),
    (
        "a command still running at its limit (1 s) is killed with everything it started, even when it ignores SIGINT, SIGTERM and SIGHUP; the answer is what it printed until then, then a line with the word killed, a line of its own even when the output did not end in a newline (printf started)",
        "到了时限（1 秒）还在运行的命令，连同它启动的一切都被杀掉，即使它忽略 SIGINT、SIGTERM 和 SIGHUP；回答是它到那时为止打印的内容，再加一行带 killed 这个词的说明；即使输出末尾没有换行（printf started），这句说明也自成一行",
    ),
    (
        "a limit that is not a whole number of seconds (0.4 s) is kept: killed at it, not before",
        "不是整数秒的时限（0.4 秒）也照样遵守：到时才杀，不会更早",
    ),
    (
        "after run returns, nothing it started is running, a job a command that ended left in the background (sleep 30 & echo ok) included, no child is left unwaited (a zombie), and no thread of its is left",
        "run 返回之后，它启动的东西没有一个还在运行，包括已经结束的命令留在后台的任务（sleep 30 & echo ok），没有没被 wait 的子进程（僵尸进程），也没有留下它的线程",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "a command that leaves its process group (setsid) and keeps the pipes open: the check does not try one",
    "离开自己进程组（setsid）并一直占着管道的命令：检查程序没有试这种命令",
)];

pub fn check(run_fn: Run, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(run_fn, &mut steps);
    finish(steps, result, MEANS, CANNOT_SEE)
}

/// Runs `command` through the code under test; `Err` with the failure when it did not
/// return within the check's limit (what it left running is killed).
fn answer(
    run_fn: Run,
    step: &str,
    command: &str,
    limit: Duration,
    hint: &str,
) -> Result<Vec<u8>, Failure> {
    timed_answer(run_fn, step, command, limit, hint).map(|(answer, _)| answer)
}

/// [`answer`], with how long `run` took.
fn timed_answer(
    run_fn: Run,
    step: &str,
    command: &str,
    limit: Duration,
    hint: &str,
) -> Result<(Vec<u8>, Duration), Failure> {
    let owned = command.to_owned();
    spawn(move || {
        let start = Instant::now();
        let answer = run_fn(&owned, limit);
        (answer, start.elapsed())
    })
    .wait(STUCK)
    .map_err(|trouble| {
        let left = cleanup(command);
        let mut failure = Failure::new(step)
            .detail(tr!(
                "run({command:?}, {} s)" | "run({command:?}, {} 秒)",
                limit.as_secs_f64()
            ))
            .trouble(&trouble, "run");
        if !left.is_empty() {
            failure = failure.detail(tr!(
                "(the check killed what it left running: pid {})"
                    | "（检查程序杀掉了它留下还在运行的进程：pid {}）",
                left.join(", ")
            ));
        }
        failure.hint(hint)
    })
}

fn expect_exactly(
    step: &str,
    command: &str,
    got: &[u8],
    want: &[u8],
    hint: &str,
) -> Result<(), Failure> {
    if got == want {
        return Ok(());
    }
    Err(Failure::new(step)
        .detail(tr!("the command: {command}" | "命令：{command}"))
        .detail(tr!("expected: {}" | "期望：{}", shown(want)))
        .detail(tr!("got: {}" | "实际：{}", ends(got, 40)))
        .hint(hint))
}

fn run(run_fn: Run, steps: &mut Steps) -> Result<(), Failure> {
    let threads_start = kernel::threads();
    let sleeps_out = tr!(
        "return as soon as the command ends: poll try_wait() (or wait on a thread) until it ends or the limit passes. Sleeping the whole limit and then looking keeps every client waiting the whole limit."
            | "命令一结束就返回：循环调用 try_wait()（或者在另一个线程里 wait），直到它结束或者时间到。先睡满整个时限再去看，会让每个客户端都白等整个时限。"
    );

    // 1. A command that prints and ends.
    let step = tr!("`echo hi`: its stdout, at once" | "`echo hi`：它的 stdout，立即返回");
    let got = answer(run_fn, &step, "echo hi", ROOMY, &sleeps_out)?;
    expect_exactly(
        &step,
        "echo hi",
        &got,
        b"hi\n",
        &tr!(
            "run the line with `sh -c` and answer the command's stdout, as it printed it."
                | "用 `sh -c` 运行这一行，回答命令打印出来的 stdout，原样不动。"
        ),
    )?;
    steps.ok(tr!(
        "`echo hi` under a 30 s limit answers b\"hi\\n\" at once"
            | "`echo hi` 在 30 秒的时限下立即回答 b\"hi\\n\""
    ))?;

    // 2. stdout empty: stderr.
    let stderr_rule = tr!(
        "notes A §9.1 answers stdout, or stderr when stdout is empty (`true_result if true_result else false_result`): one of the two, never both mixed (no 2>&1, no reading both into one buffer)."
            | "笔记 A §9.1 回答 stdout，stdout 为空时回答 stderr（`true_result if true_result else false_result`）：二者之一，绝不混在一起（不要 2>&1，也不要把两个读进同一个缓冲区）。"
    );
    let step = tr!(
        "stdout, or stderr when stdout is empty: `no-such-command-07`, `echo err >&2`, `echo out; echo err >&2`"
            | "stdout，stdout 为空时是 stderr：`no-such-command-07`、`echo err >&2`、`echo out; echo err >&2`"
    );
    let got = answer(run_fn, &step, "no-such-command-07", ROOMY, &sleeps_out)?;
    let text = String::from_utf8_lossy(&got);
    if !(text.contains("no-such-command-07") && text.contains("not found")) {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: the shell's line, like b\"sh: 1: no-such-command-07: not found\\n\""
                    | "期望：shell 打印的那一行，比如 b\"sh: 1: no-such-command-07: not found\\n\""
            ))
            .detail(tr!("got: {}" | "实际：{}", ends(&got, 40)))
            .hint(stderr_rule));
    }
    let command = "echo err >&2";
    let got = answer(run_fn, &step, command, ROOMY, &sleeps_out)?;
    expect_exactly(&step, command, &got, b"err\n", &stderr_rule)?;
    let command = "echo out; echo err >&2";
    let got = answer(run_fn, &step, command, ROOMY, &sleeps_out)?;
    expect_exactly(&step, command, &got, b"out\n", &stderr_rule)?;
    steps.ok(tr!(
        "stderr when stdout is empty (`no-such-command-07`, `echo err >&2`), and only stdout when there is one (`echo out; echo err >&2` answers b\"out\\n\")"
            | "stdout 为空时回答 stderr（`no-such-command-07`、`echo err >&2`），有 stdout 时只回答它（`echo out; echo err >&2` 回答 b\"out\\n\"）"
    ))?;

    // 3. More on stderr than a pipe holds, then stdout.
    let command = "i=0; while [ $i -lt 2000 ]; do echo 'forty bytes of stderr, again and again..' >&2; i=$((i+1)); done; echo done";
    let step = tr!(
        "a command that writes 82 KB to stderr, more than a pipe holds, then b\"done\\n\" to stdout"
            | "一个命令先往 stderr 写 82 KB（比一个管道能装的多），再往 stdout 写 b\"done\\n\""
    );
    let pipes = tr!(
        "a pipe holds 64 KiB on Linux; a command that fills the stderr pipe waits until someone reads it. Read stdout to its end before stderr, and the command waits for you while you wait for it: read both pipes at once, each on its own thread (what output() does inside)."
            | "在 Linux 上一个管道能装 64 KiB；填满了 stderr 管道的命令会一直等到有人去读。先把 stdout 读到底再读 stderr，就会你等它、它等你：要同时读两个管道，每个在自己的线程里（output() 内部就是这样做的）。"
    );
    let got = answer(run_fn, &step, command, ROOMY, &pipes)?;
    expect_exactly(&step, command, &got, b"done\n", &pipes)?;
    steps.ok(tr!(
        "82 KB on stderr before b\"done\\n\" on stdout: the answer is b\"done\\n\", at once"
            | "stdout 的 b\"done\\n\" 之前 stderr 有 82 KB：回答是 b\"done\\n\"，立即返回"
    ))?;

    // 4. A command that takes a while, well within its limit.
    let command = "sleep 0.5; echo late";
    let step =
        tr!("`sleep 0.5; echo late` under a 30 s limit" | "30 秒时限下的 `sleep 0.5; echo late`");
    let got = answer(run_fn, &step, command, ROOMY, &sleeps_out)?;
    expect_exactly(
        &step,
        command,
        &got,
        b"late\n",
        &tr!(
            "a command that ends within its limit is not killed: wait until it ends or the limit passes, whichever comes first."
                | "在时限内结束的命令不能被杀：一直等到它结束或者时间到，哪个先到算哪个。"
        ),
    )?;
    steps.ok(tr!(
        "`sleep 0.5; echo late` is not killed and answers b\"late\\n\""
            | "`sleep 0.5; echo late` 没有被杀，回答 b\"late\\n\""
    ))?;

    // 5. Commands that outlive their limit. The sleep's length is unique to this run, so
    // that the process table can be searched for it afterwards.
    let pid = std::process::id() % 1_000_000;
    for (n, ignores_term) in [(1, false), (2, true)] {
        let marker = format!("sleep 30.{pid:06}{n}");
        let command = if ignores_term {
            format!("trap '' INT TERM HUP; echo started; {marker}")
        } else {
            format!("echo started; {marker}")
        };
        let limit = Duration::from_secs(1);
        // The step's name without the run's unique sleep length, the same every run.
        let short = command.replace(&marker, "sleep 30…");
        let step = tr!("`{short}` with a limit of 1 s" | "`{short}`，时限 1 秒");
        let kill_hint = if ignores_term {
            tr!(
                "SIGTERM, SIGINT and SIGHUP ask; a program may ignore them (trap '' INT TERM HUP, and the sleep it starts inherits that). SIGKILL cannot be ignored: kill the process group with SIGKILL, kill(-pid, SIGKILL)."
                    | "SIGTERM、SIGINT 和 SIGHUP 只是请求；程序可以忽略它们（trap '' INT TERM HUP，它启动的 sleep 也继承了这一点）。SIGKILL 不能被忽略：用 SIGKILL 杀掉整个进程组，kill(-pid, SIGKILL)。"
            )
        } else {
            tr!(
                "wait for the command at most `limit`: spawn it instead of output(), read its pipes on threads, and poll try_wait() until the limit; then kill it, the shell and the sleep it started: put it in a process group of its own (CommandExt::process_group(0)) and kill the group, kill(-pid, SIGKILL) (docs/07, \"A time limit\")."
                    | "最多等命令 `limit` 这么久：用 spawn 而不是 output()，在线程里读它的管道，循环调用 try_wait() 直到时间到；然后杀掉它，包括 shell 和 shell 启动的 sleep：让它自成一个进程组（CommandExt::process_group(0)），然后杀掉整个进程组，kill(-pid, SIGKILL)（docs/zh-CN/07，“时限”）。"
            )
        };
        let got = answer(run_fn, &step, &command, limit, &kill_hint)?;
        let text = String::from_utf8_lossy(&got).to_lowercase();
        if !got.starts_with(b"started\n")
            || !text["started\n".len().min(text.len())..].contains("killed")
        {
            cleanup(&marker);
            return Err(Failure::new(&step)
                .detail(tr!(
                    "expected: b\"started\\n\" (what it printed before the limit), then a line with the word killed"
                        | "期望：b\"started\\n\"（到时限之前它打印的内容），然后一行带 killed 这个词的说明"
                ))
                .detail(tr!("got: {}" | "实际：{}", ends(&got, 40)))
                .hint(tr!(
                    "`started` was already in the stdout pipe when the command was killed: keep reading the pipe after the kill and answer what it held, then add a line that says the command was killed at its limit, so the client knows the answer is cut."
                        | "命令被杀的时候 `started` 已经在 stdout 管道里了：杀掉之后继续读管道，把里面的内容作为回答，然后再加一行，说明命令因为超时被杀了，让客户端知道回答不完整。"
                )));
        }
        let left = cleanup(&marker);
        if !left.is_empty() {
            return Err(Failure::new(tr!(
                "after `{short}`: nothing left running" | "`{short}` 之后：不能留下还在运行的进程"
            ))
            .detail(tr!(
                "got: `{marker}` still running (pid {}); the check killed it"
                    | "实际：`{marker}` 还在运行（pid {}）；检查程序把它杀了",
                left.join(", ")
            ))
            .hint(kill_hint));
        }
        if let Some(children) = kernel::children() {
            if !children.is_empty() {
                let list: Vec<String> = children
                    .iter()
                    .map(|(pid, state)| format!("{pid} ({state})"))
                    .collect();
                return Err(Failure::new(tr!(
                    "after `{short}`: no child of this process left" | "`{short}` 之后：这个进程不能留下子进程"
                ))
                .detail(tr!(
                    "got: children still there: {}; Z is a zombie, a child that ended and was never waited for"
                        | "实际：还有子进程：{}；Z 是僵尸进程，也就是结束了却从没被 wait 的子进程",
                    list.join(", ")
                ))
                .hint(tr!(
                    "after the kill, wait for the child (child.wait()): until then the kernel keeps its entry, and a server that runs many commands fills the process table."
                        | "杀掉之后要 wait 这个子进程（child.wait()）：在那之前内核一直保留它的表项，一个运行很多命令的服务端会把进程表占满。"
                )));
            }
        }
        if ignores_term {
            steps.ok(tr!(
                "a command that ignores SIGINT, SIGTERM and SIGHUP is killed at its limit too, and nothing of it is left"
                    | "忽略 SIGINT、SIGTERM 和 SIGHUP 的命令到了时限也被杀掉，什么也没留下"
            ))?;
        } else {
            steps.ok(tr!(
                "`echo started; sleep 30…` with a 1 s limit returns in time with b\"started\\n\" and a line saying it was killed; nothing of it is left running, no zombie"
                    | "`echo started; sleep 30…` 在 1 秒时限下按时返回，带着 b\"started\\n\" 和一行说明它被杀了；它的进程一个也没留下，也没有僵尸进程"
            ))?;
        }
    }

    // 6. A limit that is not a whole number of seconds: killed at it, not before.
    let marker = format!("sleep 30.{pid:06}5");
    let command = format!("echo started; {marker}");
    let limit = Duration::from_millis(400);
    let short = command.replace(&marker, "sleep 30…");
    let step = tr!("`{short}` with a limit of 0.4 s" | "`{short}`，时限 0.4 秒");
    let whole = tr!(
        "the limit is a Duration, 0.4 s here: wait until that much has passed, not a whole number of seconds (as_secs() of 0.4 s is 0, of 1.9 s is 1)."
            | "时限是一个 Duration，这里是 0.4 秒：要等到过去这么久，而不是整数秒（0.4 秒的 as_secs() 是 0，1.9 秒的是 1）。"
    );
    let (got, took) = timed_answer(run_fn, &step, &command, limit, &whole)?;
    let left = cleanup(&marker);
    let text = String::from_utf8_lossy(&got).to_lowercase();
    if took < limit || !text.contains("killed") || !left.is_empty() {
        let mut failure = Failure::new(&step)
            .detail(tr!(
                "expected: killed at 0.4 s, not before, and a line with the word killed"
                    | "期望：到 0.4 秒时被杀，不能更早，并且有一行带 killed 这个词的说明"
            ))
            .detail(tr!(
                "got: {} after {} ms" | "实际：{}，用了 {} ms",
                ends(&got, 40),
                took.as_millis()
            ));
        if !left.is_empty() {
            failure = failure.detail(tr!(
                "and `{marker}` still running (pid {}); the check killed it"
                    | "而且 `{marker}` 还在运行（pid {}）；检查程序把它杀了",
                left.join(", ")
            ));
        }
        return Err(failure.hint(if took < limit { whole } else { kill_any() }));
    }
    steps.ok(tr!(
        "`echo started; sleep 30…` with a limit of 0.4 s is killed at 0.4 s, not before"
            | "`echo started; sleep 30…` 在 0.4 秒的时限下到 0.4 秒时被杀，不会更早"
    ))?;

    // 7. Commands that end and leave a job running in the background: the job is something
    // the command started, killed when the command ends.
    let job_hint = tr!(
        "the command ended, but what it started in the background did not: `sleep 100 &` is in the command's process group, and only a kill of the group ends it. Kill the group when the shell ends too, not only at the limit (before collecting the shell: waitid with WNOWAIT, so that its pid, the group's id, is still its own); a job that keeps the pipes open also keeps your reading threads waiting."
            | "命令结束了，但它在后台启动的东西没有结束：`sleep 100 &` 在命令的进程组里，只有杀掉整个进程组才能结束它。shell 结束时也要杀掉进程组，而不只是在时限到了的时候（在回收 shell 之前：用带 WNOWAIT 的 waitid，这样它的 pid，也就是进程组的 id，仍然属于它）；一直占着管道的后台任务还会让你读管道的线程一直等下去。"
    );
    for (n, redirected) in [(3, true), (4, false)] {
        let marker = format!("sleep 30.{pid:06}{n}");
        // The redirected one ignores SIGTERM, SIGINT and SIGHUP, as 5's second command does:
        // only SIGKILL ends it.
        let command = if redirected {
            format!("trap '' INT TERM HUP; {marker} >/dev/null 2>&1 & echo ok")
        } else {
            format!("{marker} & echo ok")
        };
        let short = command.replace(&marker, "sleep 30…");
        let step = if redirected {
            tr!("`{short}` under a 30 s limit" | "30 秒时限下的 `{short}`")
        } else {
            tr!("`{short}` under a 30 s limit: the job holds the pipes"
                | "30 秒时限下的 `{short}`：后台任务占着管道")
        };
        let got = answer(run_fn, &step, &command, ROOMY, &job_hint)?;
        if got != b"ok\n" {
            cleanup(&marker);
        }
        expect_exactly(&step, &short, &got, b"ok\n", &job_hint)?;
        // A job killed with SIGKILL is gone a moment after the kill: the redirected one
        // holds no pipe that `run` waited for.
        kernel::wait_until(Duration::from_secs(2), || running(&marker).is_empty());
        let left = cleanup(&marker);
        if !left.is_empty() {
            return Err(Failure::new(tr!(
                "after `{short}`: nothing left running" | "`{short}` 之后：不能留下还在运行的进程"
            ))
            .detail(tr!(
                "got: `{marker}`, which the command left in the background, still running (pid {}); the check killed it"
                    | "实际：命令留在后台的 `{marker}` 还在运行（pid {}）；检查程序把它杀了",
                left.join(", ")
            ))
            .hint(job_hint));
        }
    }
    steps.ok(tr!(
        "`sleep 30… & echo ok`, with its output redirected (and SIGTERM ignored) and without: the answer b\"ok\\n\" at once, and the job the command left in the background is killed when it ends"
            | "`sleep 30… & echo ok`，不管输出重定向（并且忽略 SIGTERM）没有：立即回答 b\"ok\\n\"，命令留在后台的任务在命令结束时被杀掉"
    ))?;

    // 8. Output that does not end in a newline: the killed line is a line of its own.
    let marker = format!("sleep 30.{pid:06}6");
    let command = format!("printf started; {marker}");
    let short = command.replace(&marker, "sleep 30…");
    let limit = Duration::from_millis(400);
    let step = tr!(
        "`{short}` (no newline at the end of its output) with a limit of 0.4 s"
            | "`{short}`（输出末尾没有换行）在 0.4 秒的时限下"
    );
    let got = answer(run_fn, &step, &command, limit, &kill_any())?;
    cleanup(&marker);
    let text = String::from_utf8_lossy(&got).to_lowercase();
    if !got.starts_with(b"started\n")
        || !text["started\n".len().min(text.len())..].contains("killed")
    {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: b\"started\\n\" (what it printed, its last line ended), then a line with the word killed"
                    | "期望：b\"started\\n\"（它打印的内容，最后一行补上换行），然后一行带 killed 这个词的说明"
            ))
            .detail(tr!("got: {}" | "实际：{}", ends(&got, 40)))
            .hint(tr!(
                "the note that the command was killed is a line of its own: when what the command printed does not end in b'\\n', add one before the note, or the note is glued to the command's last line and a client cannot tell them apart."
                    | "说明命令被杀的那句话要单独成一行：命令打印的内容不是以 b'\\n' 结尾时，先补一个换行再加说明，否则说明会粘在命令的最后一行上，客户端分不清哪是哪。"
            )));
    }
    steps.ok(tr!(
        "`printf started; sleep 30…`, killed at 0.4 s, answers b\"started\\n\" and then the killed line: the note starts a line of its own"
            | "`printf started; sleep 30…` 在 0.4 秒被杀，回答 b\"started\\n\"，然后是说明被杀的那一行：说明自成一行"
    ))?;

    if let Some(threads) = threads_start {
        let now = kernel::settle_at_most(threads, Duration::from_secs(2), kernel::threads)
            .unwrap_or(threads);
        if now > threads {
            return Err(Failure::new(tr!(
                "after every call: the threads of this process" | "所有调用之后：这个进程的线程"
            ))
            .detail(tr!(
                "expected: {threads}, as before the first call" | "期望：{threads} 个，和第一次调用之前一样"
            ))
            .detail(tr!(
                "got: {now}: threads your run started are still running"
                    | "实际：{now} 个：你的 run 启动的线程还在运行"
            ))
            .hint(tr!(
                "join the threads that read the pipes before run returns: they end when the pipes end, once every process holding them is gone."
                    | "run 返回之前要 join 读管道的线程：等所有持有管道的进程都没了，管道结束，线程也就结束了。"
            )));
        }
        steps.ok(tr!(
            "no thread of run is left behind" | "run 没有留下任何线程"
        ))?;
    }
    Ok(())
}

/// The hint for a command not killed at its limit.
fn kill_any() -> String {
    tr!(
        "at the limit, kill the command's process group with SIGKILL, kill(-pid, SIGKILL), wait for the shell, and answer what it printed, then a line saying it was killed."
            | "到了时限，就用 SIGKILL 杀掉命令的进程组，kill(-pid, SIGKILL)，wait 这个 shell，然后回答它打印的内容，再加一行说明它被杀了。"
    )
}

/// The pids of processes whose command line holds the run's unique `sleep 30.N` of
/// `command`, each killed; empty when none is left (or where the check cannot look).
#[cfg(unix)]
fn cleanup(command: &str) -> Vec<String> {
    let pids = running(command);
    for pid in &pids {
        if let Ok(pid) = pid.parse::<libc::pid_t>() {
            // SAFETY: kill(2) takes plain integers. These are this check's own descendants,
            // found by a command line no other process has.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
    pids
}

/// The pids of processes whose command line holds the run's unique `sleep 30.N` of
/// `command`.
#[cfg(unix)]
fn running(command: &str) -> Vec<String> {
    // The unique sleep in the command, `sleep 30.` and its digits.
    let Some(at) = command.find("sleep 30.") else {
        return Vec::new();
    };
    let digits = command[at + "sleep 30.".len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .count();
    if digits == 0 {
        return Vec::new();
    }
    let marker = &command[at..at + "sleep 30.".len() + digits];
    let Ok(out) = std::process::Command::new("pgrep")
        .arg("-f")
        .arg(marker)
        .output()
    else {
        return Vec::new();
    };
    let pids: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    pids
}

#[cfg(not(unix))]
fn cleanup(_command: &str) -> Vec<String> {
    Vec::new()
}

#[cfg(not(unix))]
fn running(_command: &str) -> Vec<String> {
    Vec::new()
}
