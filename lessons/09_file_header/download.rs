//! The download client, notes A §9.2's client: a name out, header and file in.

use crate::headers::FileHeader;
use crate::{bar, not_a_regular_file, BODY_PACE, HEADER_PACE};
use socket_lessons::guard::limits;
use socket_lessons::guard::names::check_file_name;
use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::quiet;
use socket_lessons::guard::saving::{receive_file, Existing};
use socket_lessons::lang::pick;
use socket_lessons::wire::header::read_header;
use socket_lessons::{say, tr, Report, Transcript};
use std::fs;
use std::io::Write;
use std::net::TcpStream;
use std::path::Path;

/// Asks for `name`, receives it into `dir`. `Ok(true)`: saved; `Ok(false)`: refused by the
/// server or failed its md5, the connection still usable; `Err`: the connection is not.
pub fn download(
    stream: &mut TcpStream,
    name: &str,
    dir: &Path,
    existing: Existing,
    bars: bool,
    client: &Transcript,
) -> Result<bool, Report> {
    let refused = check_file_name(name)
        .err()
        .or_else(|| crate::the_quit_word(name).map(|why| why.shown));
    if let Some(why) = refused {
        say!(client, "{why}");
        return Ok(false);
    }
    if let Some(why) = not_a_regular_file(dir, name) {
        say!(client, "{why}");
        return Ok(false);
    }
    if existing == Existing::Keep && fs::symlink_metadata(dir.join(name)).is_ok() {
        say!(
            client,
            "{name:?} exists already in {}: not downloaded (--overwrite replaces it)"
                | "{name:?} 在 {} 里已经存在：不下载（加 --overwrite 才会替换）",
            dir.display()
        );
        return Ok(false);
    }
    say!(client, "download {name:?}" | "下载 {name:?}");
    // 1. the request: the bare name, in one write (notes A §9.2).
    stream.write_all(name.as_bytes())?;

    // 2. the header, in whichever dialect the server speaks. Its first byte may take a
    // while (the server hashes the file first: a second or two per GiB), so that wait is
    // the long one (60 s, `limits::answer_limit`); the header itself then has HEADER_PACE.
    let closed = || Report::msg(tr!("the server closed the connection" | "服务端关闭了连接"));
    if !limits::answer_begins(stream)? {
        return Err(closed());
    }
    let label = pick("the answer's header", "回答的 JSON 报头");
    let Some(header) = read_header::<FileHeader>(&mut Paced::new(stream, HEADER_PACE, label))?
    else {
        return Err(closed());
    };
    if let Some(error) = &header.error {
        // A peer's text: escaped and cut (quiet::one_line), as every field below.
        let error = quiet::one_line(error);
        // The server's words are wire bytes: English, quoted in Chinese.
        say!(
            client,
            "the server refused: {error}" | "服务端拒绝了：“{error}”"
        );
        return Ok(false);
    }
    let out_of_step = || {
        Report::msg(tr!(
            "the stream is out of step; giving up" | "字节流已经错位；放弃"
        ))
    };
    let (size, theirs) = match header.size().and_then(|s| Ok((s, header.full_name()?))) {
        Ok(found) => found,
        Err(why) => {
            say!(client, "bad header: {why}" | "JSON 报头有问题：{why}");
            return Err(out_of_step());
        }
    };
    // The file is saved under the name asked for, never one the server chooses: a server
    // naming another file (`victim.txt` for `x.bin`) is refused. The one allowance is notes
    // A §9.2's server, which answers `girl` with `file_name: girl, file_type: png`.
    let Some(saved_as) = name_to_save(name, &header, &theirs) else {
        let theirs = quiet::preview_text(&theirs);
        say!(
            client,
            "the server's header names {theirs}, not {name:?}: refused, nothing saved"
                | "服务端的 JSON 报头说的是 {theirs}，不是 {name:?}：拒绝，什么也没保存"
        );
        return Err(out_of_step());
    };
    if let Some(why) = not_a_regular_file(dir, &saved_as) {
        say!(client, "{why}");
        return Err(out_of_step());
    }
    let md5_said = header
        .md5
        .as_deref()
        .map(quiet::field)
        .unwrap_or_else(|| pick("none", "没有").to_owned());
    say!(
        client,
        "header: {saved_as:?}, {size} bytes, md5 {md5_said}"
            | "JSON 报头：{saved_as:?}，{size} 字节，md5 {md5_said}"
    );
    if header.md5.is_none() {
        say!(
            client,
            "WARNING: the header has no md5: only the size can be checked, a corrupted body would be saved"
                | "警告：JSON 报头里没有 md5：只能校验大小，损坏的真实数据也会被保存下来"
        );
    }

    // 3. the body, streamed into a temporary file, verified, renamed; under one clock
    // (BODY_PACE), so that a server that stalls halfway is given up on.
    let bar = bar(bars, size, &saved_as);
    let received = receive_file(
        &mut Paced::new(
            stream,
            BODY_PACE,
            pick("the download's body", "下载的真实数据"),
        ),
        dir,
        &saved_as,
        size,
        header.md5.as_deref(),
        existing,
        &bar,
    );
    bar.finish_and_clear();
    match received {
        Ok(saved) => {
            let check = if header.md5.is_some() {
                pick(" (matches)", "（一致）")
            } else {
                pick(
                    " (UNVERIFIED: no md5 to check)",
                    "（未经校验：没有 md5 可以对照）",
                )
            };
            say!(
                client,
                "saved {saved_as:?}: {} bytes, md5 {}{check}"
                    | "已保存 {saved_as:?}：{} 字节，md5 {}{check}",
                saved.size,
                saved.md5
            );
            Ok(true)
        }
        Err(failed) => {
            say!(client, "{failed}");
            if failed.in_step {
                Ok(false)
            } else {
                Err(Report::msg(tr!(
                    "the connection is broken; giving up" | "连接已经坏了；放弃"
                )))
            }
        }
    }
}

/// The name to save a download under: the name asked for, or that name plus the extension
/// a notes A §9.2 server gives in `file_type` when the name asked for had none. `None`
/// when the header names another file.
fn name_to_save(asked: &str, header: &FileHeader, theirs: &str) -> Option<String> {
    if theirs == asked {
        return Some(asked.to_owned());
    }
    let with_type = header.name.as_deref() == Some(asked)
        && !asked.contains('.')
        && header.file_type.as_deref().is_some_and(plain_extension);
    (with_type && check_file_name(theirs).is_ok()).then(|| theirs.to_owned())
}

/// An extension as a file type is written: 1 to 16 ASCII letters and digits (`png`,
/// `mp4`). Not `.`, not `a b`, not `part`: the server may name the type, not the rest of
/// the name.
fn plain_extension(file_type: &str) -> bool {
    (1..=16).contains(&file_type.len())
        && file_type.bytes().all(|b| b.is_ascii_alphanumeric())
        && file_type != "part"
}
