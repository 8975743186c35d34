//! Upload, notes C FTP上传下载文件: the client sends `struct.pack('i', len(header))`, the
//! header `{"filepath", "filename", "filesize"}` (here with an `md5` too) and the bytes; this
//! server answers with a verdict header (`{"saved": true, …}` or `{"error": …}`), which notes
//! C's server does not send. The server's side is reached from `serve_client` in `main.rs`
//! when a request does not start with a name.

use crate::headers::{FileHeader, UploadHeader, Verdict};
use crate::served::send_file;
use crate::{bar, Gated, Rules, BODY_PACE, HEADER_PACE};
use socket_lessons::guard::limits;
use socket_lessons::guard::names::{check_file_name, why_refused};
use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::quiet;
use socket_lessons::guard::saving::{receive_file, Existing, Failed};
use socket_lessons::lang::{error_text, pick};
use socket_lessons::reason;
use socket_lessons::stage::transcript::text_lossy;
use socket_lessons::wire::files::md5_file;
use socket_lessons::wire::header::{self, read_header, write_header, Reason};
use socket_lessons::wire::net;
use socket_lessons::{say, tr, Report, Transcript};
use std::fs::{self, File};
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

/// After refusing an upload whose header was readable, the server reads and discards its
/// body so that the connection stays usable (and closing does not reset it), up to this
/// many bytes; a bigger body ends the connection instead.
const DISCARD_MAX: u64 = 64 << 20;

// ---------------------------------------------------------------------------------------
// The server's side
// ---------------------------------------------------------------------------------------

/// An upload (notes C). Returns whether the connection can go on.
pub fn serve_upload(conn: &mut TcpStream, dir: &Path, rules: &Rules, log: &Gated) -> bool {
    // 1. header length and header, with the framing checks (negative, too long, cut off),
    // the whole header under one clock (HEADER_PACE): a client that sends it a byte every
    // few seconds is cut off, however short each gap.
    let label = pick("the upload's header", "上传的 JSON 报头");
    let header = match read_header::<FileHeader>(&mut Paced::new(conn, HEADER_PACE, label)) {
        Ok(Some(header)) => header,
        Ok(None) => return false,
        Err(e) => {
            // The stream is out of step: nothing tells where the next message starts.
            refused(conn, &Reason::of(&e), log);
            return false;
        }
    };
    // 2. what the header must say: a size, and a plain name.
    let size = match header.size() {
        Ok(size) => size,
        Err(why) => {
            refused(conn, &why, log);
            return false;
        }
    };
    let name = match header
        .full_name()
        .and_then(|n| why_refused(&n).map_or(Ok(n), Err))
        .and_then(|n| crate::the_quit_word(&n).map_or(Ok(n), Err))
    {
        Ok(name) => name,
        Err(why) => {
            refused(conn, &why, log);
            return discard(conn, size);
        }
    };
    // Something under that name that is not a regular file (a directory, a FIFO, a link
    // someone planted) is never replaced, with or without --overwrite.
    if let Some(why) = crate::not_a_regular_file(dir, &name) {
        refused(conn, &why, log);
        return discard(conn, size);
    }
    // The name in a log line (and a verdict) as every name a client sends is shown: whole up
    // to 32 characters, else its first 32 and its length (a name may be 255 bytes).
    let shown = quiet::preview_text(&name);
    if rules.existing == Existing::Keep && fs::symlink_metadata(dir.join(&name)).is_ok() {
        let why = reason!(
            "{shown} exists already and is not replaced (the server runs without --overwrite)"
                | "{shown} 已经存在，不会被替换（服务端运行时没有加 --overwrite）"
        );
        refused(conn, &why, log);
        return discard(conn, size);
    }
    let md5 = header.md5.as_deref();
    let md5_said = match md5 {
        // The peer's field, previewed and escaped (a review sent 60 KB with a newline).
        Some(md5) => quiet::field(md5),
        None => tr!(
            "none (notes C's client sends none: only the size can be checked)"
                | "没有（笔记 C 的客户端不发 md5：只能校验大小）"
        ),
    };
    say!(
        log,
        "upload of {shown}: {size} bytes, md5 {md5_said}"
            | "上传 {shown}：{size} 字节，md5 {md5_said}"
    );

    // 3. the body, into a temporary file, hashed on the way, renamed when it checks out;
    // under one clock (BODY_PACE): 10 s, then 1 MiB a second on average.
    let bar = bar(rules.bars, size, &name);
    let received = receive_file(
        &mut Paced::new(conn, BODY_PACE, pick("the upload's body", "上传的真实数据")),
        dir,
        &name,
        size,
        md5,
        rules.existing,
        &bar,
    );
    bar.finish_and_clear();
    match received {
        Ok(saved) => {
            say!(
                log,
                "saved {shown}: {} bytes, md5 {}" | "已保存 {shown}：{} 字节，md5 {}",
                saved.size,
                saved.md5
            );
            answer_verdict(
                conn,
                &Verdict {
                    saved: Some(true),
                    filename: Some(name),
                    filesize: Some(saved.size),
                    md5: Some(saved.md5),
                    error: None,
                },
                log,
            )
        }
        Err(Failed { reason, in_step }) => {
            say!(
                log,
                "upload of {shown} failed: {reason}" | "上传 {shown} 失败：{reason}"
            );
            let told = answer_verdict(conn, &refusal(&reason), log);
            if !in_step {
                // The client may still be sending (the disk filled up halfway): read and
                // drop the rest for a moment, so that the verdict reaches it instead of a
                // reset (see net::close_gently).
                let _ = conn.shutdown(Shutdown::Write);
                let mut rest = [0u8; 64 * 1024];
                let deadline = Instant::now() + Duration::from_secs(2);
                while let Some(left) = deadline.checked_duration_since(Instant::now()) {
                    if left.is_zero() || conn.set_read_timeout(Some(left)).is_err() {
                        break;
                    }
                    match conn.read(&mut rest) {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            }
            told && in_step
        }
    }
}

/// A refused upload: one log line, and the verdict that says why.
fn refused(conn: &mut TcpStream, why: &Reason, log: &Gated) -> bool {
    say!(log, "upload refused: {why}" | "拒绝上传：{why}");
    answer_verdict(conn, &refusal(why), log)
}

/// The verdict of a refusal: its error is wire bytes, English in both languages (as lesson
/// 06's refusal is), whatever language the log speaks.
fn refusal(why: &Reason) -> Verdict {
    Verdict {
        saved: Some(false),
        error: Some(why.wire.clone()),
        ..Verdict::default()
    }
}

/// Sends the verdict. A notes C client has already closed its socket; that is not an error.
fn answer_verdict(conn: &mut TcpStream, verdict: &Verdict, log: &Gated) -> bool {
    let label = pick("the verdict", "判定结果");
    let sent = header::encode(verdict)
        .and_then(|json| write_header(&mut Paced::new(conn, BODY_PACE, label), &json));
    match sent {
        Ok(()) => true,
        Err(e) => {
            let e = error_text(&e);
            say!(
                log,
                "no verdict sent (the client is gone: {e})"
                    | "没有发出判定结果（客户端已经走了：{e}）"
            );
            false
        }
    }
}

/// Reads and drops the body of a refused upload, so that the connection stays in step;
/// under the body's clock, so that a client cannot keep the server reading a byte at a time.
fn discard(conn: &mut TcpStream, size: u64) -> bool {
    if size > DISCARD_MAX {
        return false;
    }
    let label = pick("a refused upload's body", "被拒绝的上传的真实数据");
    let mut body = Paced::new(conn, BODY_PACE, label).take(size);
    matches!(io::copy(&mut body, &mut io::sink()), Ok(n) if n == size)
}

// ---------------------------------------------------------------------------------------
// The client's side
// ---------------------------------------------------------------------------------------

/// Sends one file and prints the server's verdict. `Ok(false)`: refused or failed, or
/// not confirmed (the server closed without a verdict) unless `no_verdict_ok`.
pub fn upload(
    stream: &mut TcpStream,
    path: &Path,
    bars: bool,
    no_verdict_ok: bool,
    client: &Transcript,
) -> Result<bool, Report> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let refused = check_file_name(&name)
        .err()
        .or_else(|| crate::the_quit_word(&name).map(|why| why.shown));
    if let Some(why) = refused {
        say!(client, "{}: {why}" | "{}：{why}", path.display());
        return Ok(false);
    }
    // What the path is, said as the server says it (an attack's /dev/zero and FIFO were
    // called "a directory, or missing").
    let not_a_file = match fs::metadata(path) {
        Ok(meta) if meta.is_file() => None,
        Ok(meta) => {
            let kind = crate::served::kind_of(&meta.file_type());
            Some(tr!("{kind}, not a file" | "{kind}，不是文件"))
        }
        Err(e) => Some(error_text(&e)),
    };
    if let Some(why) = not_a_file {
        say!(
            client,
            "{}: {why}: not sent" | "{}：{why}：不发送",
            path.display()
        );
        return Ok(false);
    }
    let mut file = File::open(path)
        .map_err(|e| net::context(e, tr!("open {}" | "打开 {}", path.display())))?;
    // 1. hash first: the md5 goes in the header, before the body.
    let (size, md5) = md5_file(&mut file)?;
    // notes C puts the sender's folder in `filepath`. No receiver uses it, and it tells the
    // other side about this machine's disk: this client sends ".".
    let json = header::encode(&UploadHeader {
        filepath: ".",
        filename: &name,
        filesize: size,
        md5: &md5,
    })?;
    say!(
        client,
        "upload {name:?}: header {}" | "上传 {name:?}：JSON 报头 {}",
        text_lossy(&json)
    );

    // 2. header, then the body streamed from the file.
    let bar = bar(bars, size, &name);
    // Under one clock (BODY_PACE), as a download's answer: a server that takes the header
    // and then reads nothing, or a little now and then, cannot hold the client (an attack
    // held it for as long as it liked: the body went out with no clock at all).
    let mut body = Paced::new(stream, BODY_PACE, pick("the upload", "上传"));
    let sent =
        write_header(&mut body, &json).and_then(|()| send_file(&mut body, &mut file, size, &bar));
    bar.finish_and_clear();
    if let Err(e) = sent {
        // No more body will come, whatever failed: said to the server at once (a FIN), so
        // that it answers "the body ended after N of M bytes" now. Before, a file that
        // shrank while it was sent left both sides waiting 10 s, and the server blamed a
        // slow client (an attack).
        let _ = stream.shutdown(Shutdown::Write);
        let ours = !matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::TimedOut
                | io::ErrorKind::WouldBlock
        );
        // A server that refused halfway (its disk is full) says why before it closes: read
        // that instead of only the reset the unread rest of the body caused.
        // Its first byte within 2 s, then the header on HEADER_PACE: a server that drips
        // its refusal cannot hold the client.
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let began = matches!(limits::peek(stream, &mut [0u8; 1]), Ok(n) if n > 0);
        let label = pick("the verdict", "判定结果");
        if let (
            true,
            Ok(Some(Verdict {
                error: Some(why), ..
            })),
        ) = (
            began,
            read_header::<Verdict>(&mut Paced::new(stream, HEADER_PACE, label)),
        ) {
            // A peer's text: escaped and cut, as every field of a verdict (an attack sent
            // escape sequences and a forged `[client]` line in it). The server's words are
            // wire bytes: English, quoted in Chinese.
            let why = quiet::one_line(&why);
            say!(
                client,
                "the server stopped the upload: {why}" | "服务端中止了上传：“{why}”"
            );
            // The server's reason is the cause only when the failure was on the wire; a
            // failure of this side's file is said below.
            if !ours {
                return Err(Report::msg(tr!(
                    "the connection is closed; giving up" | "连接已经关闭；放弃"
                )));
            }
        }
        return Err(net::context(e, pick("send the file", "发送文件")).into());
    }

    // 3. the verdict. Its first byte may take a while (the server writes the file out
    // first), so that wait is the long one (60 s, `limits::answer_limit`); the header
    // itself then has HEADER_PACE, as a download's header does (an attack dripped a verdict
    // a byte every 3 s, and the client waited as long as it went on).
    if !limits::answer_begins(stream)? {
        return Ok(closed_without_a_verdict(no_verdict_ok, client));
    }
    let label = pick("the verdict", "判定结果");
    match read_header::<Verdict>(&mut Paced::new(stream, HEADER_PACE, label))? {
        Some(Verdict {
            saved: Some(true),
            filesize,
            md5: Some(theirs),
            ..
        }) => {
            // Both checked against what was sent: an md5 in capitals is the same md5, and a
            // size the server made up is not (an attack's server said 10^15 bytes and the
            // client printed it as a match).
            let theirs_size = filesize.unwrap_or(size);
            let same_md5 = theirs.eq_ignore_ascii_case(&md5);
            let same = same_md5 && theirs_size == size;
            let theirs = quiet::field(&theirs);
            let check =
                match (same_md5, same) {
                    (_, true) => pick(" (matches)", "（一致）").to_owned(),
                    (true, false) => tr!(" (we sent {size} bytes: DIFFERENT)"
                        | "（我们发的是 {size} 字节：不一样！）"),
                    (false, _) => pick(" (DIFFERENT from ours)", "（和我们的不一样！）").to_owned(),
                };
            say!(
                client,
                "the server saved {name:?}: {theirs_size} bytes, md5 {theirs}{check}"
                    | "服务端保存了 {name:?}：{theirs_size} 字节，md5 {theirs}{check}"
            );
            Ok(same)
        }
        Some(Verdict {
            saved: Some(true), ..
        }) => {
            say!(
                client,
                "the server says it saved {name:?}, with no md5 to compare: not confirmed"
                    | "服务端说它保存了 {name:?}，但没有给出 md5 可以核对：未确认"
            );
            Ok(false)
        }
        Some(verdict) => {
            // The server's words are wire bytes: English, quoted in Chinese.
            match verdict.error.as_deref().map(quiet::one_line) {
                Some(why) => say!(
                    client,
                    "the server refused: {why}" | "服务端拒绝了：“{why}”"
                ),
                None => say!(
                    client,
                    "the server refused: no reason given" | "服务端拒绝了：没有给出理由"
                ),
            }
            Ok(false)
        }
        None => Ok(closed_without_a_verdict(no_verdict_ok, client)),
    }
}

/// notes C's server sends no verdict: the upload was sent, and nothing confirms it. That
/// counts as done only when asked (`--no-verdict-ok`): a server that read a few bytes of
/// the body and closed looks the same from here (the kernel's buffers took the rest), and
/// an attack's such server got exit status 0.
fn closed_without_a_verdict(no_verdict_ok: bool, client: &Transcript) -> bool {
    if no_verdict_ok {
        say!(
            client,
            "the server closed without a verdict (notes C's server sends none): sent, \
             not confirmed"
                | "服务端没有给出判定结果就关闭了连接（笔记 C 的服务端不发判定结果）：已发送，未确认"
        );
    } else {
        say!(
            client,
            "the server closed without a verdict: sent, not confirmed, so not counted as \
             done (notes C's server sends none: pass --no-verdict-ok for it)"
                | "服务端没有给出判定结果就关闭了连接：已发送，未确认，所以不算完成\
             （笔记 C 的服务端不发判定结果：对它请加 --no-verdict-ok）"
        );
    }
    no_verdict_ok
}
