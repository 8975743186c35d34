//! The check of exercise 10: answers lesson 10's clients send (the right one, notes E's
//! fake salt, the lesson's client 3 with 8 of 16 bytes), and a teacher's (empty, 17 bytes,
//! the last byte wrong, the first byte wrong), under two challenges and two secrets
//! (one longer than MD5's 64-byte block); then the source, for the one thing no answer
//! shows: whether the comparison is constant time.

use super::harness::{finish, shown, within, Failure, Steps, Subject};
use super::source;
use socket_lessons::tr;
use socket_lessons::wire::auth::Digest;
use std::process::ExitCode;

type Verify = fn(&[u8], &[u8], &[u8]) -> bool;

/// The notes' secret (notes E §6 验证客户端合法性).
const SECRET: &[u8] = b"hi, I'm salt.";
/// Notes E's fake client's secret.
const FAKE: &[u8] = "大家好,我是假盐".as_bytes();

const MEANS: &[(&str, &str)] = &[
    (
        "verify lets in exactly HMAC-MD5(secret, challenge), 16 bytes, for two challenges and two secrets (one longer than MD5's 64-byte block)",
        "verify 只放行恰好是 HMAC-MD5(密钥, 挑战) 的 16 字节，两个挑战、两个密钥都是（其中一个比 MD5 的 64 字节分组还长）",
    ),
    (
        "it refuses the wrong secret's answer, a piece of the right answer (8 bytes, 1 byte), an empty answer, 17 bytes that start right, and 16 bytes with only the first or only the last byte wrong; it never panics",
        "它拒绝用错误密钥算出的应答、正确应答的一段（8 字节、1 字节）、空应答、开头正确的 17 字节，以及只有第一个或只有最后一个字节错了的 16 字节；它从不 panic",
    ),
    (
        "its source compares the answer in constant time: Mac::verify_slice, or a loop that XORs every byte and ORs the differences",
        "它的源代码用常数时间比较应答：Mac::verify_slice，或者一个把每个字节异或、再把差异或起来的循环",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "the time verify takes: a stopwatch would need thousands of calls on a quiet machine and would still lie on a busy one, so the check reads the source instead",
    "verify 花的时间：秒表要在安静的机器上调用几千次，在繁忙的机器上照样会骗人，所以检查程序改为读源代码",
)];

pub fn check(verify: Verify, file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let result = run(verify, file, &mut steps);
    finish(steps, result, MEANS, CANNOT_SEE)
}

/// One answer, and whether `verify` must accept it.
fn expect(
    verify: Verify,
    step: &str,
    secret: &[u8],
    challenge: &[u8],
    answer: &[u8],
    accept: bool,
    hint: &str,
) -> Result<(), Failure> {
    let (s, c, a) = (secret.to_vec(), challenge.to_vec(), answer.to_vec());
    let verdict = |v: bool| match v {
        true => tr!("true (let in)" | "true（放行）"),
        false => tr!("false (refused)" | "false（拒绝）"),
    };
    let failure = || {
        Failure::new(step)
            .detail(tr!("secret: {}" | "密钥：{}", shown(secret)))
            .detail(tr!("challenge: {}" | "挑战：{}", shown(challenge)))
            .detail(tr!("answer: {}" | "应答：{}", shown(answer)))
            .detail(tr!("expected: {}" | "期望：{}", verdict(accept)))
    };
    match within(move || verify(&s, &c, &a)) {
        Ok(got) if got == accept => Ok(()),
        Ok(got) => Err(failure()
            .detail(tr!("got: {}" | "实际：{}", verdict(got)))
            .hint(hint)),
        Err(trouble) => Err(failure().trouble(&trouble, "verify").hint(tr!(
            "verify must answer true or false for every answer, whatever its length: an answer comes from the network, and a panic there ends the server's thread."
                | "不管应答多长，verify 都必须答 true 或 false：应答来自网络，在这里 panic 会结束服务端的线程。"
        ))),
    }
}

fn run(verify: Verify, file: &Subject, steps: &mut Steps) -> Result<(), Failure> {
    // A fixed challenge, so that a failure shows the same bytes every run, and a second.
    let challenge: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let other: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(91) ^ 0x5a).collect();
    let long_secret: Vec<u8> = (0u8..100).map(|i| b'a' + i % 26).collect();
    let right = Digest::Md5.answer(SECRET, &challenge);

    let right_hint = tr!(
        "compute HMAC-MD5 with the secret as the key over the challenge (Hmac::<Md5>::new_from_slice(secret), update(challenge)), and accept when the answer is those 16 bytes."
            | "以密钥为 key、对挑战计算 HMAC-MD5（Hmac::<Md5>::new_from_slice(secret)，update(challenge)），应答正好是这 16 字节时才放行。"
    );
    expect(
        verify,
        &tr!("the right answer, HMAC-MD5(secret, challenge), 16 bytes"
            | "正确的应答，HMAC-MD5(密钥, 挑战)，16 字节"),
        SECRET,
        &challenge,
        &right,
        true,
        &right_hint,
    )?;
    expect(
        verify,
        &tr!("the right answer to another challenge" | "对另一个挑战的正确应答"),
        SECRET,
        &other,
        &Digest::Md5.answer(SECRET, &other),
        true,
        &right_hint,
    )?;
    expect(
        verify,
        &tr!(
            "the right answer under a secret of 100 bytes, longer than MD5's 64-byte block"
                | "100 字节密钥（比 MD5 的 64 字节分组还长）下的正确应答"
        ),
        &long_secret,
        &challenge,
        &Digest::Md5.answer(&long_secret, &challenge),
        true,
        &right_hint,
    )?;
    steps.ok(tr!(
        "the right 16-byte answer is let in, for two challenges and two secrets"
            | "正确的 16 字节应答被放行，两个挑战、两个密钥都是"
    ))?;

    let fake = Digest::Md5.answer(FAKE, &challenge);
    expect(
        verify,
        &tr!(
            "notes E's fake client: HMAC-MD5 with the wrong secret, 16 bytes"
                | "笔记 E 的假客户端：用错误的密钥算出的 HMAC-MD5，16 字节"
        ),
        SECRET,
        &challenge,
        &fake,
        false,
        &tr!(
            "an answer with the right length and the wrong bytes is refused."
                | "长度对但字节不对的应答要拒绝。"
        ),
    )?;
    let mut last = right.clone();
    last[15] ^= 1;
    let mut first = right.clone();
    first[0] ^= 0x80;
    for (answer, what) in [
        (
            last,
            tr!("the right answer with its last byte changed" | "最后一个字节被改动的正确应答"),
        ),
        (
            first,
            tr!("the right answer with its first byte changed" | "第一个字节被改动的正确应答"),
        ),
    ] {
        expect(
            verify,
            &what,
            SECRET,
            &challenge,
            &answer,
            false,
            &tr!(
                "compare all 16 bytes: one byte wrong anywhere is a wrong answer."
                    | "16 个字节都要比较：任何一个字节不对都是错误的应答。"
            ),
        )?;
    }
    steps.ok(tr!(
        "an answer made with the wrong secret, and the right one with its first or last byte changed, are refused"
            | "用错误密钥算出的应答，以及第一个或最后一个字节被改动的正确应答，都被拒绝"
    ))?;

    let piece_hint = tr!(
        "a piece of the right answer is not the answer. Comparing only as many bytes as arrived lets 8 right bytes (or 1, or none) in: the length is part of the answer. Read all 16 first (the server does, with a time limit), then compare everything; Mac::verify_slice checks the length and the bytes, in constant time (docs/10, \"What goes wrong, and why\")."
            | "正确应答的一段不是应答。只比较到达的那么多字节，会让 8 个正确字节（或者 1 个，甚至 0 个）通过：长度也是应答的一部分。先读满 16 字节（服务端会这样做，并设有时限），再全部比较；Mac::verify_slice 会检查长度和字节，而且是常数时间（docs/zh-CN/10，“哪里会出错，为什么”）。"
    );
    expect(
        verify,
        &tr!(
            "the first 8 bytes of the right answer (the lesson's client 3)"
                | "正确应答的前 8 个字节（本课的客户端 3）"
        ),
        SECRET,
        &challenge,
        &right[..8],
        false,
        &piece_hint,
    )?;
    expect(
        verify,
        &tr!("the first byte of the right answer" | "正确应答的第一个字节"),
        SECRET,
        &challenge,
        &right[..1],
        false,
        &piece_hint,
    )?;
    expect(
        verify,
        &tr!("an empty answer (a client that closed without answering)"
            | "空应答（一个没应答就关闭的客户端）"),
        SECRET,
        &challenge,
        b"",
        false,
        &piece_hint,
    )?;
    let mut long = right.clone();
    long.push(b'!');
    expect(
        verify,
        &tr!("the right answer and one byte more, 17 bytes" | "正确应答再加一个字节，17 字节"),
        SECRET,
        &challenge,
        &long,
        false,
        &tr!(
            "the answer is exactly 16 bytes: one with more is not it, even when it starts right."
                | "应答正好是 16 字节：多了就不是，即使开头是对的。"
        ),
    )?;
    steps.ok(tr!(
        "pieces of the right answer (8 bytes, 1 byte, none) and 17 bytes that start with it are refused"
            | "正确应答的片段（8 字节、1 字节、0 字节）以及以它开头的 17 字节都被拒绝"
    ))?;

    // The source: is the comparison constant time?
    let step = tr!("the source: the comparison is constant time" | "源代码：比较是常数时间的");
    let text = file
        .source()
        .map_err(|e| Failure::new(&step).detail(tr!("could not read it: {e}" | "读不了它：{e}")))?;
    let finding = source::comparisons(&text);
    if finding.constant_time.is_empty() {
        let mut failure = Failure::new(&step)
            .detail(tr!("the file: {}" | "文件：{}", file.shown))
            .detail(tr!(
            "expected: Mac::verify_slice (or subtle's ct_eq), or a loop that XORs every byte and ORs the differences"
                | "期望：Mac::verify_slice（或 subtle 的 ct_eq），或者一个把每个字节异或、再把差异或起来的循环"
        ));
        if finding.early_exit.is_empty() {
            failure = failure.detail(tr!(
                "found: no comparison the check knows" | "找到的：没有检查程序认识的比较"
            ));
        }
        for (line, code) in finding.early_exit.iter().take(4) {
            failure = failure.detail(tr!(
                "found, line {line}: {code}   (stops at the first difference)"
                    | "找到的，第 {line} 行：{code}   （在第一个不同之处就停下）"
            ));
        }
        return Err(failure.hint(tr!(
            "==, !=, starts_with and the notes' != return at the first byte that differs, so the time a refusal takes tells an attacker how many leading bytes of a guess were right, and the answer can be found byte by byte. Mac::verify_slice(answer) checks the length and then looks at every byte whatever the first difference (docs/10)."
                | "==、!=、starts_with 以及笔记里的 != 在第一个不同的字节处就返回，所以一次拒绝花的时间会告诉攻击者猜测的开头有几个字节是对的，应答就能一个字节一个字节地试出来。Mac::verify_slice(answer) 先检查长度，然后不管第一个不同在哪里都会看完每一个字节（docs/zh-CN/10）。"
        )));
    }
    if !finding.early_exit.is_empty() {
        let (line, code) = &finding.constant_time[0];
        let mut failure = Failure::new(&step)
            .detail(tr!("the file: {}" | "文件：{}", file.shown))
            .detail(tr!(
                "expected: every comparison of the answer in constant time"
                    | "期望：对应答的每一次比较都是常数时间的"
            ))
            .detail(tr!("found, line {line}: {code}   (constant time)"
                | "找到的，第 {line} 行：{code}   （常数时间）"));
        for (line, code) in finding.early_exit.iter().take(4) {
            failure = failure.detail(tr!(
                "and, line {line}: {code}   (stops at the first difference)"
                    | "还有，第 {line} 行：{code}   （在第一个不同之处就停下）"
            ));
        }
        return Err(failure.hint(tr!(
            "a comparison that stops at the first difference leaks its time wherever it is: if it can refuse the answer (a fast path before verify_slice, a check of some bytes first), the time of that refusal tells an attacker how many leading bytes were right. Compare the answer only in constant time; lengths and a difference accumulated to compare with 0 may use == (docs/10)."
                | "在第一个不同之处就停下的比较，不管放在哪里都会泄露时间：只要它能拒绝应答（verify_slice 之前的快速路径、先检查其中几个字节），这次拒绝花的时间就会告诉攻击者开头有几个字节是对的。对应答只用常数时间的比较；长度、以及累积起来与 0 比较的差异，可以用 ==（docs/zh-CN/10）。"
        )));
    }
    let (line, code) = &finding.constant_time[0];
    steps.ok(tr!(
        "the source compares in constant time: line {line}, {code}"
            | "源代码用常数时间比较：第 {line} 行，{code}"
    ))?;
    Ok(())
}
