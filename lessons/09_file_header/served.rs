//! What the server opens and what it saves to: only regular files, opened in one step
//! without following a link and checked through the descriptor; a body sent with
//! `sendfile(2)` under the download's clock.

use indicatif::ProgressBar;
use socket_lessons::guard::pace::Paced;
use socket_lessons::guard::quiet::preview_text;
use socket_lessons::reason;
use socket_lessons::wire::header::Reason;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::Path;

/// Opens `dir/name` to serve it, in one step with its checks: never through a link, never
/// blocking, and only a regular file. `name` is a plain name (checked by
/// [`check_file_name`]), so its last component is the only one a link could be.
///
/// A check by name and then an open by name (`symlink_metadata`, then `File::open`) are
/// two steps, and between them someone who can write in the directory can swap the file
/// for a link to a file outside it: the check sees the file, the open follows the link.
/// Here the open itself refuses a link (`O_NOFOLLOW`: ELOOP), does not wait for a writer
/// on a FIFO (`O_NONBLOCK`), and what it opened is checked through the descriptor
/// (`fstat`): whatever the name is by the time of the open, the bytes served are those of
/// the regular file the descriptor holds. (Windows: `FILE_FLAG_OPEN_REPARSE_POINT` opens a
/// link itself instead of its target, and the type check refuses it.)
///
/// Its refusals are [`Reason`]s: the server puts the English in its error header and logs
/// the language of the moment.
pub fn open_regular(path: &Path) -> Result<File, Reason> {
    let shown = path
        .file_name()
        .map(|n| preview_text(&n.to_string_lossy()))
        .unwrap_or_default();
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_FLAG_OPEN_REPARSE_POINT
        options.custom_flags(0x0020_0000);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(reason!("no such file: {shown}" | "没有这个文件：{shown}"))
        }
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(reason!(
                "{shown} is a symbolic link: not followed, not served"
                    | "{shown} 是符号链接：不跟随，不提供"
            ))
        }
        #[cfg(unix)]
        Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
            return Err(reason!(
                "{shown} is a socket or a device: not a regular file, not served"
                    | "{shown} 是套接字或设备：不是普通文件，不提供"
            ))
        }
        Err(e) => {
            return Err(Reason::of(&e).within(
                |e| format!("cannot open {shown}: {e}"),
                |e| format!("打不开 {shown}：{e}"),
            ))
        }
    };
    match file.metadata() {
        Ok(meta) if meta.is_file() => Ok(file),
        Ok(meta) => Err(kind_of(&meta.file_type()).within(
            |kind| format!("{shown} is {kind}: not a regular file, not served"),
            |kind| format!("{shown} 是{kind}：不是普通文件，不提供"),
        )),
        Err(e) => Err(Reason::of(&e).within(
            |e| format!("cannot read {shown}: {e}"),
            |e| format!("读不了 {shown}：{e}"),
        )),
    }
}

/// What a directory entry is, in a few words: `a directory`, `a FIFO`, `a symbolic link`.
pub fn kind_of(kind: &fs::FileType) -> Reason {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return reason!("a FIFO (named pipe)" | "一个 FIFO（命名管道）");
        }
        if kind.is_socket() {
            return reason!("a socket" | "一个套接字");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return reason!("a device" | "一个设备");
        }
    }
    if kind.is_dir() {
        reason!("a directory" | "一个目录")
    } else if kind.is_symlink() {
        reason!("a symbolic link" | "一个符号链接")
    } else {
        reason!("not a regular file" | "不是普通文件")
    }
}

/// Why a received file may not be given the name `dir/name`: something there already that
/// is not a regular file (a directory, a FIFO, a socket, a link someone planted). The
/// final step (`rename`, or a hard link) never opens or follows what is there, so nothing
/// is written through it; this only says so before any byte is received, instead of
/// replacing a planted link or failing on a directory at the end.
pub fn not_a_regular_file(dir: &Path, name: &str) -> Option<Reason> {
    let meta = fs::symlink_metadata(dir.join(name)).ok()?;
    (!meta.is_file()).then(|| {
        let shown = preview_text(name);
        kind_of(&meta.file_type()).within(
            |kind| format!("{shown} is {kind} in the directory: not replaced, nothing saved"),
            |kind| format!("{shown} 在目录里是{kind}：不替换，什么也没保存"),
        )
    })
}

/// Sends exactly `size` bytes of `file` from its current position under `answer`'s clock,
/// in steps of 8 MiB (a progress update several times a second). Fails if the file ends
/// early (it shrank after it was hashed).
pub fn send_file(
    answer: &mut Paced,
    file: &mut File,
    size: u64,
    bar: &ProgressBar,
) -> io::Result<()> {
    const STEP: u64 = 8 << 20;
    let mut sent = 0u64;
    while sent < size {
        let n = answer.send_file(file, STEP.min(size - sent))?;
        if n == 0 {
            return Err(reason!(
                "the file ended after {sent} of {size} bytes: it shrank while being sent"
                    | "文件只读到 {size} 字节中的 {sent} 字节就结束了：它在发送途中变短了"
            )
            .into_error(io::ErrorKind::UnexpectedEof));
        }
        sent += n;
        bar.inc(n);
    }
    Ok(())
}
