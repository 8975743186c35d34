//! The check of exercise 08: scripted streams (as in ex06), each a list of chunks that one
//! `read` returns at a time, carrying notes D's answer: header length, JSON header, body.
//! The limits are the task's (64 KiB of header, 16 MiB of body), never the learner's
//! constants; the memory of each call is watched.

use super::alloc;
use super::harness::{ends, finish, reads, within_watched, Failure, Script, Steps, Subject};
use socket_lessons::tr;
use socket_lessons::wire::checksum::md5_hex;
use std::io::Read;
use std::process::ExitCode;

type Receive = fn(&mut dyn Read) -> Result<Vec<u8>, String>;

/// The task's limits.
const MAX_HEADER: usize = 64 * 1024;
const MAX_BODY: usize = 16 * 1024 * 1024;
/// The most a refused answer may make `receive` allocate.
const SMALL: usize = 1024 * 1024;

const MEANS: &[(&str, &str)] = &[
    (
        "receive returns the body of an honest answer however the bytes arrive (one read, one byte per read), and reads nothing past it: two answers back to back are two calls",
        "receive 不管字节怎样到达（一次读到、每次 1 字节）都返回诚实回答的真实数据，而且不多读：紧挨着的两个回答是两次调用",
    ),
    (
        "a body cut short is an error that names the size; a changed body, one that names the md5 (each names its own check first)",
        "被截断的真实数据是一个指明 size 的错误；被改动的真实数据是一个指明 md5 的错误（各自先提到自己那项检查）",
    ),
    (
        "a header length over 64 KiB (65537, 2 GiB) or negative is refused before the header is read or allocated; a header of exactly 64 KiB is accepted",
        "超过 64 KiB（65537、2 GiB）或为负的报头长度，在读取报头或为它分配内存之前就被拒绝；恰好 64 KiB 的报头可以接受",
    ),
    (
        "a total_size over 16 MiB is refused (an error that names the size) before the body is read or allocated, and a body of exactly 16 MiB accepted; a header that is not JSON, or has no total_size or no md5, is an error",
        "超过 16 MiB 的 total_size 在读取或分配真实数据之前就被拒绝（一个指明 size 的错误），恰好 16 MiB 的真实数据被接受；不是 JSON 的报头、没有 total_size 或没有 md5 的报头都是错误",
    ),
];

pub fn check(receive: Receive, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(receive, &mut steps);
    finish(steps, result, MEANS, &[])
}

/// notes D's header for a body of `size` bytes, with `md5` as given.
fn header(size: usize, md5: &str) -> Vec<u8> {
    format!(r#"{{"total_size":{size},"md5":"{md5}","filename":"stdout"}}"#).into_bytes()
}

/// A whole answer: header length, header, body.
fn message(header: &[u8], body: &[u8]) -> Vec<u8> {
    let mut wire = (header.len() as i32).to_le_bytes().to_vec();
    wire.extend_from_slice(header);
    wire.extend_from_slice(body);
    wire
}

fn describe(result: &Result<Vec<u8>, String>) -> String {
    match result {
        Ok(body) => format!("Ok({})", ends(body, 20)),
        Err(e) => format!("Err({e:?})"),
    }
}

/// What a step expects of one call.
#[derive(Clone, Copy)]
enum Expect<'a> {
    Body(&'a [u8]),
    /// An error whose message names `this` check (and names it before the other one).
    Names(&'a str),
    /// Any error.
    Error,
}

fn names_first(message: &str, this: &str) -> bool {
    let lower = message.to_lowercase();
    let other = if this == "size" { "md5" } else { "size" };
    match (lower.find(this), lower.find(other)) {
        (Some(a), Some(b)) => a < b,
        (Some(_), None) => true,
        _ => false,
    }
}

impl Expect<'_> {
    fn text(&self) -> String {
        match self {
            Expect::Body(body) => format!("Ok({})", ends(body, 20)),
            Expect::Names(this) => tr!(
                "Err(a message that names the {this} check, before any other)"
                    | "Err（一条指明 {this} 检查的消息，而且先提到它）"
            ),
            Expect::Error => tr!("an Err" | "一个 Err"),
        }
    }

    fn matches(&self, got: &Result<Vec<u8>, String>) -> bool {
        match (self, got) {
            (Expect::Body(body), Ok(b)) => b == body,
            (Expect::Names(this), Err(e)) => names_first(e, this),
            (Expect::Error, Err(_)) => true,
            _ => false,
        }
    }
}

/// Calls `receive` once per expected result on one scripted stream; each call's result,
/// what the calls allocated at most at once, and whether a call read past `watch`.
fn expect(
    receive: Receive,
    step: &str,
    script: Script,
    wire_shown: String,
    want: &[Expect],
    hint: &str,
) -> Result<(), Failure> {
    let calls = want.len();
    let read_past = script.read_past.clone();
    let watching = script.watch != usize::MAX;
    let (got, usage) = within_watched(move || {
        let mut script = script;
        (0..calls).map(|_| receive(&mut script)).collect::<Vec<_>>()
    });
    let got = got.map_err(|t| {
        Failure::new(step)
            .detail(wire_shown.clone())
            .trouble(&t, "receive")
            .hint(hint)
    })?;
    for (i, want) in want.iter().enumerate() {
        let result = &got[i];
        if !want.matches(result) {
            let n = i + 1;
            let mut failure = Failure::new(step).detail(wire_shown.clone());
            if calls > 1 {
                failure = failure
                    .detail(tr!(
                        "call {n}: expected {}" | "第 {n} 次调用：期望 {}",
                        want.text()
                    ))
                    .detail(tr!(
                        "call {n}: got {}" | "第 {n} 次调用：实际 {}",
                        describe(result)
                    ));
                if n > 1 {
                    failure = failure.detail(tr!(
                        "the call before took bytes of this answer: it read past the end of its own body"
                            | "上一次调用拿走了这个回答的字节：它读过了自己真实数据的结尾"
                    ));
                }
            } else {
                failure = failure
                    .detail(tr!("expected: {}" | "期望：{}", want.text()))
                    .detail(tr!("got: {}" | "实际：{}", describe(result)));
            }
            return Err(failure.hint(hint));
        }
    }
    let past = *read_past.lock().unwrap_or_else(|e| e.into_inner());
    let largest = usage.map_or(0, |u| u.largest);
    if watching && (past || largest >= SMALL) {
        let mut failure = Failure::new(step)
            .detail(wire_shown)
            .detail(tr!(
                "expected: the error before any read or allocation past what was refused"
                    | "期望：在读取或分配被拒绝的部分之前就返回错误"
            ))
            .detail(tr!("got: {}" | "实际：{}", describe(&got[0])));
        if past {
            failure = failure.detail(tr!(
                "and receive went on reading after the value it should have refused"
                    | "而且 receive 在本该拒绝的值之后还继续读"
            ));
        }
        if largest >= SMALL {
            failure = failure.detail(tr!(
                "and receive allocated {} at once: the buffer was made before the value was checked"
                    | "而且 receive 一次分配了 {}：缓冲区是在检查这个值之前分配的",
                alloc::size(largest)
            ));
        }
        return Err(failure.hint(hint));
    }
    Ok(())
}

fn shown_wire(wire: &[u8], chunks: &[Vec<u8>]) -> String {
    tr!(
        "the stream: {} {}" | "流：{}，{}",
        ends(wire, 40),
        reads(chunks)
    )
}

/// A stream of `chunks`, watched past `watch` bytes when given.
fn script(chunks: &[Vec<u8>], watch: Option<usize>) -> (Script, String) {
    let wire = chunks.concat();
    let shown = shown_wire(&wire, chunks);
    let script = Script::new(chunks.to_vec());
    let script = match watch {
        Some(at) => script.watching(at),
        None => script,
    };
    (script, shown)
}

fn run(receive: Receive, steps: &mut Steps) -> Result<(), Failure> {
    let body = b"hello\n";
    let md5 = md5_hex(body);
    let honest = message(&header(body.len(), &md5), body);

    let (s, w) = script(std::slice::from_ref(&honest), None);
    expect(
        receive,
        &tr!("an honest answer to `echo hello`, in one read" | "对 `echo hello` 的诚实回答，一次读到"),
        s,
        w,
        &[Expect::Body(body)],
        &tr!(
            "4 bytes of header length, that many bytes of JSON, then total_size bytes of body."
                | "4 字节的报头长度，然后是这么多字节的 JSON 报头，再然后是 total_size 字节的真实数据。"
        ),
    )?;
    steps.ok(tr!(
        "an honest answer in one read: the body" | "一次读到的诚实回答：返回真实数据"
    ))?;

    let bytes: Vec<Vec<u8>> = honest.iter().map(|b| vec![*b]).collect();
    let (s, w) = script(&bytes, None);
    expect(
        receive,
        &tr!("the same answer, one byte per read" | "同一个回答，每次只读到 1 字节"),
        s,
        w,
        &[Expect::Body(body)],
        &tr!(
            "one read is not the whole header or the whole body: a read returns whatever has arrived, from 1 byte up (the notes' recv(total_size) has the same flaw). Read until total_size bytes are in: Read::take(total_size).read_to_end, or read_exact."
                | "一次读取不一定是完整的报头或完整的真实数据：一次读取返回已经到达的任意多字节，最少 1 个（笔记里的 recv(total_size) 也有这个毛病）。要一直读到 total_size 字节都到齐：Read::take(total_size).read_to_end，或者 read_exact。"
        ),
    )?;
    steps.ok(tr!("the same answer one byte per read: the whole body"
        | "每次只读到 1 字节的同一个回答：完整的真实数据"))?;

    let second_body = b"world\n";
    let second = message(
        &header(second_body.len(), &md5_hex(second_body)),
        second_body,
    );
    let (s, w) = script(&[[honest.clone(), second].concat()], None);
    expect(
        receive,
        &tr!(
            "two answers back to back in one read, `echo hello` then `echo world`: two calls"
                | "两个紧挨着的回答一次读到，先是 `echo hello`，然后是 `echo world`：两次调用"
        ),
        s,
        w,
        &[Expect::Body(body), Expect::Body(second_body)],
        &tr!(
            "read exactly total_size bytes of body and no more: what follows is the next answer (粘包). read_to_end on the whole stream, or a read into a big buffer, takes it."
                | "真实数据只读 total_size 字节，不能多读：后面跟着的是下一个回答（粘包）。对整个流 read_to_end，或者读进一个大缓冲区，都会把它拿走。"
        ),
    )?;
    steps.ok(tr!("two answers back to back are two bodies, one per call"
        | "紧挨着的两个回答是两份真实数据，每次调用一份"))?;

    let (s, w) = script(&[message(&header(body.len(), &md5), b"hello")], None);
    expect(
        receive,
        &tr!(
            "a body one byte short, then the end of the stream" | "真实数据少了 1 字节，然后流结束"
        ),
        s,
        w,
        &[Expect::Names("size")],
        &tr!(
            "the header promised total_size bytes; fewer came before the stream ended. That is the size check failing: say so (the word size, first), and do not return the bytes as the answer (docs/08, scene 2)."
                | "报头承诺了 total_size 字节；流结束前来的比这少。这是 size 检查失败：要这样说（先出现 size 这个词），不能把这些字节当作回答返回（docs/zh-CN/08，场景 2）。"
        ),
    )?;
    steps.ok(tr!("a body cut short is an error that names the size"
        | "被截断的真实数据是一个指明 size 的错误"))?;

    let (s, w) = script(&[message(&header(body.len(), &md5), b"hellp\n")], None);
    expect(
        receive,
        &tr!("a body with one byte changed (o -> p)" | "真实数据改了一个字节（o -> p）"),
        s,
        w,
        &[Expect::Names("md5")],
        &tr!(
            "every byte came, but they are not the bytes the header describes: hash the body (md5_hex) and compare it with the header's md5 before returning it; the error names the md5 first."
                | "字节都来了，但不是报头描述的那些字节：返回之前先对真实数据求哈希（md5_hex），和报头里的 md5 比较；错误要先提到 md5。"
        ),
    )?;
    steps
        .ok(tr!("a changed body is an error that names the md5"
            | "被改动的真实数据是一个指明 md5 的错误"))?;

    // The header length: over the limit, far over, negative; then exactly at it.
    let limit_hint = tr!(
        "the header length comes from the peer: compare it with MAX_HEADER (64 KiB) and refuse a negative one before allocating or reading the header."
            | "报头长度来自对端：在分配或读取报头之前，先拿它和 MAX_HEADER（64 KiB）比较，负的也要拒绝。"
    );
    for (length, text) in [
        ((MAX_HEADER + 1) as i32, "65537 (01 00 01 00)"),
        (i32::MAX, "2147483647 (ff ff ff 7f)"),
        (-1, "-1 (ff ff ff ff)"),
    ] {
        let (s, w) = script(&[length.to_le_bytes().to_vec()], Some(4));
        expect(
            receive,
            &tr!("a header length of {text}, and nothing after it"
                | "报头长度 {text}，后面什么也没有"),
            s,
            w,
            &[Expect::Error],
            &limit_hint,
        )?;
    }
    steps.ok(tr!(
        "header lengths 65537, 2 GiB and -1 are refused before the header is read or allocated"
            | "报头长度 65537、2 GiB 和 -1 在读取或分配报头之前就被拒绝"
    ))?;
    let mut padded = header(body.len(), &md5);
    padded.resize(MAX_HEADER, b' ');
    let (s, w) = script(&[message(&padded, body)], None);
    expect(
        receive,
        &tr!(
            "a header of exactly 64 KiB (65536 bytes: the JSON, then spaces)"
                | "恰好 64 KiB 的报头（65536 字节：JSON，后面是空格）"
        ),
        s,
        w,
        &[Expect::Body(body)],
        &tr!(
            "MAX_HEADER is the longest header accepted: a header of exactly MAX_HEADER bytes is a good one. Refuse only what is over it."
                | "MAX_HEADER 是能接受的最长报头：恰好 MAX_HEADER 字节的报头是正常的。只拒绝超过它的。"
        ),
    )?;
    steps.ok(tr!(
        "a header of exactly 64 KiB is accepted" | "恰好 64 KiB 的报头被接受"
    ))?;

    // total_size over 16 MiB.
    let huge = header(MAX_BODY + 1, &md5);
    let head = [(huge.len() as i32).to_le_bytes().to_vec(), huge.clone()].concat();
    let (s, w) = script(&[head.clone(), vec![b'x'; 64]], Some(head.len()));
    expect(
        receive,
        &tr!(
            "a header with total_size 16777217, one byte over 16 MiB" | "total_size 为 16777217 的报头，比 16 MiB 多 1 字节"
        ),
        s,
        w,
        &[Expect::Names("size")],
        &tr!(
            "total_size comes from the peer too: this client keeps the body in memory, so refuse one over MAX_BODY (16 MiB) with an error that says size, before allocating or reading the body."
                | "total_size 也来自对端：这个客户端把真实数据放在内存里，所以超过 MAX_BODY（16 MiB）的要拒绝，错误要说 size，而且要在分配或读取真实数据之前。"
        ),
    )?;
    steps.ok(tr!(
        "a total_size over 16 MiB is refused, naming the size, before the body is read or allocated"
            | "超过 16 MiB 的 total_size 被拒绝，指明 size，而且是在读取或分配真实数据之前"
    ))?;

    // total_size over 4 GiB, whose low 32 bits say 6: the body that follows is 6 bytes
    // with their md5, so only the size check can refuse it.
    let wrapped = (1u64 << 32) + body.len() as u64;
    let head = header(wrapped as usize, &md5);
    let head = [(head.len() as i32).to_le_bytes().to_vec(), head].concat();
    let (s, w) = script(&[head.clone(), body.to_vec()], Some(head.len()));
    expect(
        receive,
        &tr!(
            "a header with total_size 4294967302 (2^32 + 6), then 6 bytes that match its md5"
                | "total_size 为 4294967302（2^32 + 6）的报头，后面是与它的 md5 相符的 6 个字节"
        ),
        s,
        w,
        &[Expect::Names("size")],
        &tr!(
            "total_size is a JSON number as big as the peer likes: compare it with MAX_BODY as the u64 it is. Cut to 32 bits (as u32, as i32) first, 4294967302 becomes 6, and a peer's lie passes the size check."
                | "total_size 是一个 JSON 数字，对端想写多大就写多大：要按它本来的 u64 和 MAX_BODY 比较。先截成 32 位（as u32、as i32），4294967302 就变成了 6，对端的谎话就过了 size 检查。"
        ),
    )?;
    steps.ok(tr!(
        "a total_size of 2^32 + 6 is refused, naming the size, not read as 6"
            | "2^32 + 6 的 total_size 被拒绝，指明 size，而不是被当成 6"
    ))?;

    // A negative total_size, then the next answer: refused, and nothing read past the
    // header.
    let head = br#"{"total_size":-1,"md5":"d41d8cd98f00b204e9800998ecf8427e","filename":"stdout"}"#;
    let head = [(head.len() as i32).to_le_bytes().to_vec(), head.to_vec()].concat();
    let (s, w) = script(&[head.clone(), honest.clone()], Some(head.len()));
    expect(
        receive,
        &tr!(
            "a header with total_size -1, then the next answer" | "total_size 为 -1 的报头，后面是下一个回答"
        ),
        s,
        w,
        &[Expect::Error],
        &tr!(
            "a size is not negative: total_size -1 is a header that promises nothing, an error before any byte of the body is read. Read as a signed number and cast to u64, -1 becomes 18446744073709551615, and the body is read to the end of the stream, the next answer with it."
                | "大小不会是负数：total_size 为 -1 的报头什么也没承诺，在读真实数据的任何一个字节之前就是错误。按有符号数读出来再转成 u64，-1 就变成 18446744073709551615，真实数据会一直读到流的结束，连下一个回答也一起读走。"
        ),
    )?;
    steps.ok(tr!(
        "a total_size of -1 is an error, and nothing after the header is read"
            | "total_size 为 -1 是错误，报头后面的东西一个字节也不读"
    ))?;

    // total_size of exactly 16 MiB: the limit is inclusive.
    let big: Vec<u8> = (0..MAX_BODY as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let wire = message(&header(big.len(), &md5_hex(&big)), &big);
    let chunks: Vec<Vec<u8>> = wire.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    let (s, w) = script(&chunks, None);
    expect(
        receive,
        &tr!(
            "an honest answer whose body is exactly 16 MiB (the limit), in reads of 64 KiB"
                | "真实数据恰好 16 MiB（即上限）的诚实回答，每次读到 64 KiB"
        ),
        s,
        w,
        &[Expect::Body(&big)],
        &tr!(
            "MAX_BODY is the longest body accepted: a body of exactly MAX_BODY bytes is a good one. Refuse only what is over it (and only over MAX_BODY: the header's limit is another)."
                | "MAX_BODY 是能接受的最长真实数据：恰好 MAX_BODY 字节的真实数据是正常的。只拒绝超过它的（而且只拒绝超过 MAX_BODY 的：报头的上限是另一回事）。"
        ),
    )?;
    steps.ok(tr!(
        "a body of exactly 16 MiB is accepted" | "恰好 16 MiB 的真实数据被接受"
    ))?;

    // Headers that promise nothing usable.
    let broken: [(&[u8], String); 3] = [
        (
            b"{\"total_size\": 6, \"md5\": ",
            tr!("a header that is not JSON (cut)" | "不是 JSON 的报头（被截断）"),
        ),
        (
            br#"{"md5":"b1946ac92492d2347c6235b4d2611184","filename":"stdout"}"#,
            tr!("a header without total_size" | "没有 total_size 的报头"),
        ),
        (
            br#"{"total_size":6,"filename":"stdout"}"#,
            tr!("a header without md5" | "没有 md5 的报头"),
        ),
    ];
    for (json, what) in broken {
        let (s, w) = script(&[message(json, body)], None);
        expect(
            receive,
            &what,
            s,
            w,
            &[Expect::Error],
            &tr!(
                "a header that is not JSON, or lacks total_size or md5, promises nothing you can check: return an error, never the body."
                    | "不是 JSON、或者缺 total_size 或 md5 的报头，没有承诺任何你能检查的东西：返回错误，绝不返回真实数据。"
            ),
        )?;
    }
    steps.ok(tr!(
        "a header that is not JSON, or has no total_size, or no md5, is an error"
            | "不是 JSON、没有 total_size 或没有 md5 的报头都是错误"
    ))?;
    Ok(())
}
