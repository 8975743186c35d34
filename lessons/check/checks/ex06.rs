//! The check of exercise 06: scripted streams, each a list of chunks that one `read`
//! returns at a time, fed to the learner's `read_frame`; the memory of the call watched.
//! The limit is the task's (16 MiB), never the learner's constant.

use super::alloc::{self, Usage};
use super::harness::{
    ends, finish, reads, within_watched, Failure, Script, Steps, Subject, Trouble,
};
use socket_lessons::tr;
use std::io::{self, ErrorKind, Read};
use std::process::ExitCode;

type ReadFrame = fn(&mut dyn Read) -> io::Result<Option<Vec<u8>>>;

/// The task's limit: 16 MiB, as the course's `framing::MAX_FRAME_LEN`.
const MAX_LEN: usize = 16 * 1024 * 1024;
/// The most a refused frame may make `read_frame` allocate.
const SMALL: usize = 1024 * 1024;

const MEANS: &[(&str, &str)] = &[
    (
        "read_frame returns each frame whole however its bytes arrive: in one read, two frames in one read, one byte per read, a 16 MiB frame in reads of 64 KiB",
        "read_frame 不管字节怎样到达都返回完整的帧：一次读到、两个帧一次读到、每次只读到 1 字节、16 MiB 的帧每次读到 64 KiB",
    ),
    (
        "a frame whose length is 0 is a frame (Ok(Some(empty))), not the end of the stream",
        "长度为 0 的帧也是一个帧（Ok(Some(空))），不是流的结束",
    ),
    (
        "Ok(None) only when the stream ends before the first byte of a frame; an UnexpectedEof error when it ends inside the 4-byte header or inside the body",
        "只有流在一个帧的第一个字节之前结束时才返回 Ok(None)；在 4 字节的固定报头中间或真实数据中间结束时返回 UnexpectedEof 错误",
    ),
    (
        "an InvalidData error for a negative length or one over 16 MiB (16 MiB itself is accepted), given before any read or allocation of the body (under 1 MiB allocated)",
        "长度为负或超过 16 MiB 时返回 InvalidData 错误（恰好 16 MiB 可以接受），而且是在读取真实数据或为它分配内存之前（分配不到 1 MiB）",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "how the function behaves on a read error other than the end of the stream, or on a reader that returns Interrupted (std's read_exact retries it)",
    "读取出现流结束以外的错误时，或者读取返回 Interrupted 时（std 的 read_exact 会重试）函数怎样表现",
)];

pub fn check(read_frame: ReadFrame, _file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(read_frame, &mut steps);
    finish(steps, result, MEANS, CANNOT_SEE)
}

/// What the calls returned, and whether one read past the watched point.
type Calls = (Vec<io::Result<Option<Vec<u8>>>>, bool);

fn frame(body: &[u8]) -> Vec<u8> {
    let mut wire = (body.len() as i32).to_le_bytes().to_vec();
    wire.extend_from_slice(body);
    wire
}

fn describe(result: &io::Result<Option<Vec<u8>>>) -> String {
    match result {
        Ok(Some(body)) => format!("Ok(Some({}))", ends(body, 20)),
        Ok(None) => "Ok(None)".into(),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// What each call should return.
enum Expect {
    Frame(Vec<u8>),
    End,
    Error(ErrorKind),
}

impl Expect {
    fn text(&self) -> String {
        match self {
            Expect::Frame(body) => format!("Ok(Some({}))", ends(body, 20)),
            Expect::End => {
                tr!("Ok(None): the stream ended between frames" | "Ok(None)：流在两个帧之间结束")
            }
            Expect::Error(kind) => tr!("an Err of kind {kind:?}" | "一个 {kind:?} 类型的 Err"),
        }
    }

    fn matches(&self, got: &io::Result<Option<Vec<u8>>>) -> bool {
        match (self, got) {
            (Expect::Frame(body), Ok(Some(b))) => b == body,
            (Expect::End, Ok(None)) => true,
            (Expect::Error(kind), Err(e)) => e.kind() == *kind,
            _ => false,
        }
    }
}

/// Calls `read_frame` until it returns something other than a frame (at most once per
/// expected result), under the time limit, on one scripted stream.
fn calls(
    read_frame: ReadFrame,
    script: Script,
    calls: usize,
) -> (Result<Calls, Trouble>, Option<Usage>) {
    let read_past = script.read_past.clone();
    let (results, usage) = within_watched(move || {
        let mut script = script;
        let mut results = Vec::new();
        for _ in 0..calls {
            let result = read_frame(&mut script);
            let done = !matches!(result, Ok(Some(_)));
            results.push(result);
            if done {
                break;
            }
        }
        results
    });
    let past = *read_past.lock().unwrap_or_else(|e| e.into_inner());
    (results.map(|r| (r, past)), usage)
}

/// One scripted stream and what each call should return.
fn expect(
    read_frame: ReadFrame,
    step: &str,
    chunks: Vec<Vec<u8>>,
    want: &[Expect],
    hint: &str,
) -> Result<(), Failure> {
    let wire: Vec<u8> = chunks.concat();
    let stream = tr!(
        "the stream: {} {}" | "流：{}，{}",
        ends(&wire, 24),
        reads(&chunks)
    );
    let (got, _) = calls(read_frame, Script::new(chunks), want.len());
    let (got, _) = got.map_err(|trouble| {
        Failure::new(step)
            .detail(stream.clone())
            .trouble(&trouble, "read_frame")
            .hint(hint)
    })?;
    for (i, want) in want.iter().enumerate() {
        let result = got.get(i);
        if !result.is_some_and(|r| want.matches(r)) {
            let n = i + 1;
            return Err(Failure::new(step)
                .detail(stream)
                .detail(tr!(
                    "call {n}: expected {}" | "第 {n} 次调用：期望 {}",
                    want.text()
                ))
                .detail(tr!(
                    "call {n}: got {}" | "第 {n} 次调用：实际 {}",
                    result.map_or_else(
                        || tr!("no call (the one before ended the stream)"
                            | "没有这次调用（上一次调用已经结束了流）"),
                        describe
                    )
                ))
                .hint(hint));
        }
    }
    Ok(())
}

/// A length that must be refused with InvalidData, before any read past the header and
/// without a big allocation.
fn refused(read_frame: ReadFrame, step: &str, header: [u8; 4], hint: &str) -> Result<(), Failure> {
    let (got, usage) = calls(
        read_frame,
        Script::new(vec![header.to_vec()]).watching(4),
        1,
    );
    let head = || {
        Failure::new(step)
            .detail(tr!(
                "the stream: a 4-byte header, {}, then the end"
                    | "流：4 字节的固定报头 {}，然后结束",
                super::harness::hex(&header)
            ))
            .detail(tr!(
                "expected: an Err of kind InvalidData, before any read or allocation of the body"
                    | "期望：一个 InvalidData 类型的 Err，而且在读取真实数据或为它分配内存之前"
            ))
    };
    let (results, read_past) = got.map_err(|t| head().trouble(&t, "read_frame").hint(hint))?;
    let first = results.first();
    let right = matches!(first, Some(Err(e)) if e.kind() == ErrorKind::InvalidData);
    let largest = usage.map_or(0, |u| u.largest);
    if right && !read_past && largest < SMALL {
        return Ok(());
    }
    let mut failure = head().detail(tr!(
        "got: {}" | "实际：{}",
        first.map_or_else(|| "-".to_owned(), describe)
    ));
    if read_past {
        failure = failure.detail(tr!("and read_frame asked for body bytes after the header"
            | "而且 read_frame 在固定报头之后还去读真实数据"));
    }
    if largest >= SMALL {
        failure = failure.detail(tr!(
            "and read_frame allocated {} at once for it: the buffer was made before the length was checked"
                | "而且 read_frame 为它一次分配了 {}：缓冲区是在检查长度之前分配的",
            alloc::size(largest)
        ));
    }
    Err(failure.hint(hint))
}

fn run(read_frame: ReadFrame, steps: &mut Steps) -> Result<(), Failure> {
    use Expect::{End, Error, Frame};
    let hello = frame(b"hello");
    let world = frame(b"world!");

    expect(
        read_frame,
        &tr!("one frame in one read, then the end" | "一次读到一个帧，然后流结束"),
        vec![hello.clone()],
        &[Frame(b"hello".to_vec()), End],
        &tr!(
            "a 4-byte header (the body's length, little-endian i32), then exactly that many body bytes; Ok(None) when nothing more comes."
                | "先是 4 字节的固定报头（真实数据的长度，小端 i32），然后恰好那么多字节的真实数据；再也没有数据时返回 Ok(None)。"
        ),
    )?;
    steps
        .ok(tr!("one frame in one read, then Ok(None) at the end"
            | "一次读到一个帧，结束时返回 Ok(None)"))?;

    expect(
        read_frame,
        &tr!("two frames in one read (lesson 04's scene 1)" | "两个帧一次读到（第 04 课第 1 幕）"),
        vec![[hello.clone(), world.clone()].concat()],
        &[Frame(b"hello".to_vec()), Frame(b"world!".to_vec()), End],
        &tr!(
            "read exactly the body's length and no more: the bytes after it are the next frame's (粘包). A read into a big buffer takes them and they are lost when the call returns."
                | "只读真实数据的长度那么多，不能多读：后面的字节属于下一个帧（粘包）。读进一个大缓冲区会把它们也拿走，函数一返回它们就丢了。"
        ),
    )?;
    steps.ok(tr!(
        "two frames in one read stay two frames" | "一次读到的两个帧仍然是两个帧"
    ))?;

    let bytes: Vec<Vec<u8>> = [hello.clone(), world.clone()]
        .concat()
        .into_iter()
        .map(|b| vec![b])
        .collect();
    expect(
        read_frame,
        &tr!("two frames arriving one byte per read" | "两个帧每次只到 1 个字节"),
        bytes,
        &[Frame(b"hello".to_vec()), Frame(b"world!".to_vec()), End],
        &tr!(
            "a read returns whatever has arrived, from 1 byte up: recv(4) may give 1 byte, recv(n) part of the body. Loop until the header, then the body, is complete (read_exact does it)."
                | "一次读取返回已经到达的任意多字节，最少 1 个：recv(4) 可能只给 1 个字节，recv(n) 可能只给真实数据的一部分。要循环读到固定报头、再到真实数据完整为止（read_exact 就是这样做的）。"
        ),
    )?;
    steps
        .ok(tr!("frames arriving one byte per read are put together"
            | "每次只到 1 个字节的帧也能拼完整"))?;

    expect(
        read_frame,
        &tr!(
            "an empty frame (length 0) before a frame of 5 bytes, in one read"
                | "一个空帧（长度 0）后面跟一个 5 字节的帧，一次读到"
        ),
        vec![[frame(b""), hello.clone()].concat()],
        &[Frame(Vec::new()), Frame(b"hello".to_vec()), End],
        &tr!(
            "00 00 00 00 is a whole frame whose body is empty: Ok(Some(vec![])). It is not the end of the stream (that is a read of 0 bytes before any header byte), and reading its body reads nothing: a read into an empty buffer returns 0, which here is not the end either."
                | "00 00 00 00 是一个完整的帧，它的真实数据为空：Ok(Some(vec![]))。它不是流的结束（流结束是在任何报头字节之前读到 0 字节），读它的真实数据什么也不用读：往空缓冲区里读会返回 0，这里也不表示结束。"
        ),
    )?;
    steps.ok(tr!(
        "an empty frame is Ok(Some(empty)), and the frame after it comes next"
            | "空帧返回 Ok(Some(空))，后面的帧接着返回"
    ))?;

    // 16 MiB exactly: the limit is inclusive.
    let big: Vec<u8> = (0..MAX_LEN).map(|i| (i % 251) as u8).collect();
    let wire = frame(&big);
    let chunks: Vec<Vec<u8>> = wire.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    expect(
        read_frame,
        &tr!(
            "a frame of exactly 16 MiB (16777216 bytes, the limit), in reads of 64 KiB"
                | "一个恰好 16 MiB（16777216 字节，即上限）的帧，每次读到 64 KiB"
        ),
        chunks,
        &[Frame(big), End],
        &tr!(
            "MAX_LEN is the longest body accepted: a frame of exactly MAX_LEN bytes is a good frame. Refuse only what is over it (len > MAX_LEN)."
                | "MAX_LEN 是能接受的最长真实数据：恰好 MAX_LEN 字节的帧是一个正常的帧。只拒绝超过它的（len > MAX_LEN）。"
        ),
    )?;
    steps.ok(tr!(
        "a frame of exactly 16 MiB is read whole" | "恰好 16 MiB 的帧被完整读出"
    ))?;

    expect(
        read_frame,
        &tr!(
            "a stream that ends inside the header (2 of 4 bytes)"
                | "流在固定报头中间结束（4 个字节只到了 2 个）"
        ),
        vec![b"\x05\x00".to_vec()],
        &[Error(ErrorKind::UnexpectedEof)],
        &tr!(
            "only a stream that ends before the first header byte ended cleanly; two header bytes and then the end is a cut frame, an UnexpectedEof error."
                | "只有在第一个报头字节之前结束的流才是干净地结束；到了两个报头字节然后结束，是一个被截断的帧，是 UnexpectedEof 错误。"
        ),
    )?;
    steps.ok(tr!(
        "a stream cut inside the header is an UnexpectedEof error"
            | "在固定报头中间被截断的流是 UnexpectedEof 错误"
    ))?;

    expect(
        read_frame,
        &tr!(
            "a stream that ends inside the body (3 of 5 bytes)"
                | "流在真实数据中间结束（5 个字节只到了 3 个）"
        ),
        vec![hello[..7].to_vec()],
        &[Error(ErrorKind::UnexpectedEof)],
        &tr!(
            "the header promised 5 bytes; 3 came, then the end. A short body is an UnexpectedEof error, never a frame."
                | "报头承诺了 5 个字节；只来了 3 个，然后结束。不完整的真实数据是 UnexpectedEof 错误，绝不是一个帧。"
        ),
    )?;
    steps.ok(tr!(
        "a stream cut inside the body is an UnexpectedEof error"
            | "在真实数据中间被截断的流是 UnexpectedEof 错误"
    ))?;

    let negative_hint = tr!(
        "struct.pack('i') is signed: ff ff ff ff is -1 and 00 00 00 80 is -2147483648, not 4 GiB or 2 GiB. Read the header as i32 and refuse a negative length with InvalidData, before `as usize` turns it into a huge one."
            | "struct.pack('i') 是有符号的：ff ff ff ff 是 -1，00 00 00 80 是 -2147483648，不是 4 GiB 或 2 GiB。把报头当 i32 读，负的长度用 InvalidData 拒绝，要在 `as usize` 把它变成一个巨大的数之前。"
    );
    refused(
        read_frame,
        &tr!("a negative length, ff ff ff ff (-1)" | "负的长度 ff ff ff ff（-1）"),
        *b"\xff\xff\xff\xff",
        &negative_hint,
    )?;
    refused(
        read_frame,
        &tr!("the most negative length, 00 00 00 80 (-2147483648)"
            | "最小的负长度 00 00 00 80（-2147483648）"),
        *b"\x00\x00\x00\x80",
        &negative_hint,
    )?;
    steps.ok(tr!(
        "negative lengths (-1, -2147483648) are refused with InvalidData"
            | "负的长度（-1、-2147483648）被用 InvalidData 拒绝"
    ))?;

    let over_hint = tr!(
        "the length comes from the peer: a liar can announce 2 GiB and make you allocate it. Compare it with MAX_LEN (16 MiB) first and refuse it with InvalidData; only then make the buffer."
            | "长度来自对端：说谎的对端可以声称有 2 GiB，让你去分配这么多内存。先拿它和 MAX_LEN（16 MiB）比较，超过就用 InvalidData 拒绝；然后才分配缓冲区。"
    );
    let over = (MAX_LEN as i32 + 1).to_le_bytes();
    refused(
        read_frame,
        &tr!(
            "a length of 16777217 (01 00 00 01), one byte over the 16 MiB limit"
                | "长度 16777217（01 00 00 01），比 16 MiB 的上限多 1 字节"
        ),
        over,
        &over_hint,
    )?;
    refused(
        read_frame,
        &tr!(
            "a length of 2147483647 (ff ff ff 7f), 2 GiB with no body behind it"
                | "长度 2147483647（ff ff ff 7f），2 GiB，后面没有真实数据"
        ),
        *b"\xff\xff\xff\x7f",
        &over_hint,
    )?;
    steps.ok(tr!(
        "lengths over 16 MiB (16777217, 2 GiB) are refused with InvalidData before the body is read or allocated"
            | "超过 16 MiB 的长度（16777217、2 GiB）在读取或分配真实数据之前就被用 InvalidData 拒绝"
    ))?;
    Ok(())
}
