//! The check of exercise 09: files handed to the learner's `save` in a fresh directory,
//! with the process's temporary directory (TMPDIR) pointed at an empty folder of its own;
//! both removed afterwards. A good file; names that are paths or that the course's name
//! rule refuses; bodies cut short, changed, longer than their size, failing mid-way; a
//! name already taken. The directory is listed before and after each call, and in the
//! middle of a transfer (by the body's reader): the file must not appear under its name
//! before it is whole and checked, and the bytes must go to a temporary name in the same
//! directory. A 4 MiB file is saved with memory watched; one save is raced by another
//! file appearing under the same name, and two saves of the same name run at once.

use super::alloc;
use super::harness::{
    finish, shown, spawn, within_watched, Failure, Script, Steps, Subject, Trouble, STUCK,
};
use socket_lessons::tr;
use socket_lessons::wire::checksum::md5_hex;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{mpsc, Arc, Mutex};

type Save = fn(&Path, &str, &mut dyn Read, u64, &str) -> io::Result<PathBuf>;

const MEANS: &[(&str, &str)] = &[
    (
        "save writes a good file under its name, with its bytes, and leaves nothing else in the directory or in TMPDIR",
        "save 把正常的文件以它的名字、它的字节保存下来，目录里和 TMPDIR 里都不留别的东西",
    ),
    (
        "names that are not plain file names by the course's rule (../escape.txt, a/b, .., an empty name, ..\\escape.txt, .hidden, nul.txt) are refused with InvalidInput and nothing is written",
        "按课程的规则不是普通文件名的名字（../escape.txt、a/b、..、空名字、..\\escape.txt、.hidden、nul.txt）被用 InvalidInput 拒绝，什么也不写",
    ),
    (
        "a body cut short, a body that fails its md5, a body whose stream fails mid-way: an error, and the directory exactly as it was; a body longer than its size: exactly size bytes saved, and nothing read past them",
        "被截断的真实数据、md5 对不上的真实数据、流在中途出错的真实数据：返回错误，目录和原来完全一样；比 size 长的真实数据：正好保存 size 字节，后面的一个字节也不读",
    ),
    (
        "while the bytes arrive they are in a temporary file in the same directory, not under the file's name and not in TMPDIR, and that very file gets the name (a link, not a copy); a 4 MiB file is saved in under 1 MiB of memory",
        "字节到达的过程中，它们在同一目录里的一个临时文件中，不在文件自己的名字下，也不在 TMPDIR 里，得到名字的正是这个文件（链接，不是复制）；4 MiB 的文件用不到 1 MiB 内存保存下来",
    ),
    (
        "a file is never replaced: a name taken before, a name taken by someone else during the transfer (a file, or a symbolic link pointing outside, which is not followed either), two saves of one name at once (reading the clock in the same tick): AlreadyExists for the later one, the other file intact, no temporary file left",
        "绝不覆盖文件：事先已被占用的名字、传输过程中被别人占用的名字（一个文件，或者一个指向目录之外的符号链接，它也不会被顺着写入）、同时保存同一个名字的两次调用（在同一个时钟刻度里读时钟）：后来的得到 AlreadyExists，另一个文件完好无损，不留临时文件",
    ),
];

const CANNOT_SEE: &[(&str, &str)] = &[(
    "whether the file reached the disk (sync_all) before it got its name: only a power cut would show it",
    "文件在得到名字之前是否已经写到磁盘上（sync_all）：只有断电才能看出来",
)];

pub fn check(save: Save, file: &Subject) -> ExitCode {
    let mut steps = Steps::default();
    let base = std::env::temp_dir().join(format!("socket-lessons-ex09-{}", std::process::id()));
    let result = run(save, &base, &mut steps).and_then(|()| no_rename(file, &mut steps));
    let _ = fs::remove_dir_all(&base);
    finish(steps, result, MEANS, CANNOT_SEE)
}

/// Every name in `dir`, hidden ones included, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn describe(result: &io::Result<PathBuf>) -> String {
    match result {
        Ok(path) => format!("Ok({})", path.display()),
        Err(e) => format!("Err({:?}: {e})", e.kind()),
    }
}

/// Which file `path` names, without following a link: (device, inode).
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::symlink_metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// The places a check looks at.
struct Places {
    dir: PathBuf,
    tmp: PathBuf,
    outside: PathBuf,
}

/// One call of `save` on a scripted body, under the time limit, with what it did with
/// memory.
fn call(
    save: Save,
    dir: &Path,
    name: &str,
    body: Script,
    size: u64,
    md5: &str,
) -> (Result<io::Result<PathBuf>, Trouble>, Option<alloc::Usage>) {
    let (dir, name, md5) = (dir.to_path_buf(), name.to_owned(), md5.to_owned());
    within_watched(move || {
        let mut body = body;
        save(&dir, &name, &mut body, size, &md5)
    })
}

fn head(step: &str, name: &str, body: &[u8], size: u64, md5: &str) -> Failure {
    Failure::new(step).detail(tr!(
        "save(dir, {name:?}, body {}, size {size}, md5 {md5})"
            | "save(dir, {name:?}, 真实数据 {}, size {size}, md5 {md5})",
        shown(body)
    ))
}

/// A call that must fail (with `kind` if given) and leave the directory, TMPDIR and the
/// place outside exactly as they were.
#[allow(clippy::too_many_arguments)]
fn refused(
    save: Save,
    places: &Places,
    step: &str,
    name: &str,
    body: Script,
    shown_body: &[u8],
    size: u64,
    md5: &str,
    kind: Option<io::ErrorKind>,
    hint: &str,
) -> Result<(), Failure> {
    let before = listing(&places.dir);
    let outside_before = listing(&places.outside);
    let (got, _) = call(save, &places.dir, name, body, size, md5);
    let got = got.map_err(|t| {
        head(step, name, shown_body, size, md5)
            .trouble(&t, "save")
            .hint(hint)
    })?;
    let after = listing(&places.dir);
    let tmp = listing(&places.tmp);
    let outside_after = listing(&places.outside);
    let kind_right = match (&got, kind) {
        (Err(e), Some(kind)) => e.kind() == kind,
        (Err(_), None) => true,
        (Ok(_), _) => false,
    };
    if kind_right && after == before && tmp.is_empty() && outside_after == outside_before {
        return Ok(());
    }
    let mut failure = head(step, name, shown_body, size, md5)
        .detail(match kind {
            Some(kind) => tr!(
                "expected: Err of kind {kind:?}, and the directory as it was"
                    | "期望：{kind:?} 类型的 Err，目录和原来一样"
            ),
            None => tr!("expected: Err, and the directory as it was" | "期望：Err，目录和原来一样"),
        })
        .detail(tr!("got: {}" | "实际：{}", describe(&got)));
    if after != before {
        failure = failure
            .detail(tr!(
                "the directory before: {before:?}" | "之前的目录：{before:?}"
            ))
            .detail(tr!(
                "the directory after:  {after:?}" | "之后的目录：{after:?}"
            ));
    }
    if !tmp.is_empty() {
        failure = failure.detail(tr!(
            "and TMPDIR now holds {tmp:?}: a temporary file left behind"
                | "而且 TMPDIR 里现在有 {tmp:?}：留下了临时文件"
        ));
    }
    if outside_after != outside_before {
        let new: Vec<&String> = outside_after
            .iter()
            .filter(|n| !outside_before.contains(n))
            .collect();
        failure = failure.detail(tr!(
            "and it wrote {new:?} outside the directory" | "而且它在目录之外写了 {new:?}"
        ));
    }
    Err(failure.hint(hint))
}

fn run(save: Save, base: &Path, steps: &mut Steps) -> Result<(), Failure> {
    let setup = |e: io::Error| Failure::setup("a temporary directory", e);
    let _ = fs::remove_dir_all(base);
    let places = Places {
        dir: base.join("inbox"),
        tmp: base.join("tmp"),
        outside: base.to_path_buf(),
    };
    fs::create_dir_all(&places.dir).map_err(setup)?;
    fs::create_dir_all(&places.tmp).map_err(setup)?;
    // std::env::temp_dir() reads TMPDIR: a temporary file put there is seen.
    std::env::set_var("TMPDIR", &places.tmp);
    let dir = places.dir.clone();
    let body = b"hello\n".to_vec();
    let md5 = md5_hex(&body);
    let size = body.len() as u64;

    // 1. A good file.
    let step = tr!("a good file, \"good.txt\", 6 bytes with their md5"
        | "一个正常的文件 \"good.txt\"，6 字节，md5 正确");
    let (got, _) = call(
        save,
        &dir,
        "good.txt",
        Script::new(vec![body.clone()]),
        size,
        &md5,
    );
    let got = got.map_err(|t| head(&step, "good.txt", &body, size, &md5).trouble(&t, "save"))?;
    let saved = fs::read(dir.join("good.txt")).ok();
    let names = listing(&dir);
    let tmp = listing(&places.tmp);
    if !matches!(&got, Ok(p) if *p == dir.join("good.txt"))
        || saved.as_deref() != Some(&body[..])
        || names != ["good.txt"]
        || !tmp.is_empty()
    {
        return Err(head(&step, "good.txt", &body, size, &md5)
            .detail(tr!(
                "expected: Ok({}), holding {}, and nothing else in the directory or in TMPDIR"
                    | "期望：Ok({})，内容为 {}，目录里和 TMPDIR 里都没有别的东西",
                dir.join("good.txt").display(),
                shown(&body)
            ))
            .detail(tr!("got: {}" | "实际：{}", describe(&got)))
            .detail(tr!(
                "the file holds: {}" | "文件内容：{}",
                saved.map_or_else(|| tr!("(no file)" | "（没有文件）"), |b| shown(&b))
            ))
            .detail(tr!("the directory holds: {names:?}" | "目录里有：{names:?}"))
            .detail(tr!("TMPDIR holds: {tmp:?}" | "TMPDIR 里有：{tmp:?}"))
            .hint(tr!(
                "write to a temporary name in the same directory, check size and md5, then give it its name (fs::hard_link) and remove the temporary name."
                    | "先写到同一目录里的一个临时名字下，检查大小和 md5，然后给它起正式的名字（fs::hard_link），再删掉临时名字。"
            )));
    }
    steps.ok(tr!(
        "a good file is saved under its name, and nothing else is left"
            | "正常的文件以它的名字保存，没有留下别的东西"
    ))?;

    // 2. Names that are not plain file names.
    fs::create_dir_all(dir.join("a")).map_err(setup)?;
    let name_hint = tr!(
        "the name comes from the peer (notes C's server opens head['filename'] as given): `../` climbs out of the directory, and a rule of your own misses cases. Call socket_lessons::guard::names::check_file_name(name) first and turn its Err into an io::Error of kind InvalidInput, before writing a byte."
            | "名字来自对端（笔记 C 的服务端直接打开 head['filename']）：`../` 会爬出目录，自己写的规则总会漏掉一些情况。先调用 socket_lessons::guard::names::check_file_name(name)，把它的 Err 变成 InvalidInput 类型的 io::Error，在写任何字节之前。"
    );
    for name in [
        "../escape.txt",
        "a/b",
        "..",
        "",
        "..\\escape.txt",
        ".hidden",
        "nul.txt",
    ] {
        refused(
            save,
            &places,
            &tr!("the name {name:?}" | "名字 {name:?}"),
            name,
            Script::new(vec![body.clone()]),
            &body,
            size,
            &md5,
            Some(io::ErrorKind::InvalidInput),
            &name_hint,
        )?;
    }
    steps.ok(tr!(
        "names that are not plain file names are refused with InvalidInput, and nothing is written"
            | "不是普通文件名的名字被用 InvalidInput 拒绝，什么也没写"
    ))?;

    // 3. Bodies that fail.
    refused(
        save,
        &places,
        &tr!(
            "a body one byte short (5 of 6 bytes), \"short.txt\"" | "真实数据少 1 字节（6 字节只来了 5 个），\"short.txt\""
        ),
        "short.txt",
        Script::new(vec![b"hello".to_vec()]),
        b"hello",
        size,
        &md5,
        None,
        &tr!(
            "a body that ended early must leave no file at all, neither under its name nor under a temporary one: count the bytes, and remove the temporary file when fewer came (docs/09, \"A temporary name, then a rename\")."
                | "提前结束的真实数据不能留下任何文件，正式名字下没有，临时名字下也没有：数一数字节，来得不够就删掉临时文件（docs/zh-CN/09，“先用临时名字，再改名”）。"
        ),
    )?;
    refused(
        save,
        &places,
        &tr!(
            "a body with one byte changed (o -> p), \"flipped.txt\"" | "真实数据改了一个字节（o -> p），\"flipped.txt\""
        ),
        "flipped.txt",
        Script::new(vec![b"hellp\n".to_vec()]),
        b"hellp\n",
        size,
        &md5,
        None,
        &tr!(
            "hash the bytes as they are written and compare with the header's md5 before the file gets its name; on a mismatch, remove the temporary file."
                | "边写边求哈希，在文件得到名字之前和报头的 md5 比较；对不上就删掉临时文件。"
        ),
    )?;
    refused(
        save,
        &places,
        &tr!(
            "a body whose stream fails after 3 bytes (connection reset), \"reset.txt\""
                | "真实数据的流在 3 字节之后出错（连接被重置），\"reset.txt\""
        ),
        "reset.txt",
        Script::new(vec![b"hel".to_vec()]).ending_with(io::ErrorKind::ConnectionReset),
        b"hel",
        size,
        &md5,
        None,
        &tr!(
            "every way out removes the temporary file, an early `?` included: a guard that removes it when dropped (unless disarmed) does that for you."
                | "每一条退出路径都要删掉临时文件，提前的 `?` 也包括在内：一个在 drop 时删除它的守卫（除非被解除）会替你做到这一点。"
        ),
    )?;
    steps.ok(tr!(
        "a body cut short, one that fails its md5, one whose stream fails: each leaves no file at all"
            | "被截断的、md5 对不上的、流中途出错的真实数据：都不留下任何文件"
    ))?;

    // 4. A body longer than its size: the rest belongs to the next message.
    let longer = b"hello\nNEXT MESSAGE".to_vec();
    let step = tr!(
        "a body of 6 bytes followed by the next message's bytes, \"longer.txt\""
            | "6 字节的真实数据后面跟着下一条消息的字节，\"longer.txt\""
    );
    let script = Script::new(vec![longer.clone()]).watching(6);
    let read_past = script.read_past.clone();
    let (got, _) = call(save, &dir, "longer.txt", script, size, &md5);
    let got =
        got.map_err(|t| head(&step, "longer.txt", &longer, size, &md5).trouble(&t, "save"))?;
    let saved = fs::read(dir.join("longer.txt")).unwrap_or_default();
    let past = *read_past.lock().unwrap_or_else(|e| e.into_inner());
    if got.is_err() || saved != body || past {
        let mut failure = head(&step, "longer.txt", &longer, size, &md5)
            .detail(tr!(
                "expected: Ok, longer.txt holding {}, and no read past them"
                    | "期望：Ok，longer.txt 里是 {}，而且不读它们后面的字节",
                shown(&body)
            ))
            .detail(tr!("got: {}" | "实际：{}", describe(&got)))
            .detail(tr!(
                "longer.txt holds: {}" | "longer.txt 里是：{}",
                shown(&saved)
            ));
        if past {
            failure = failure.detail(tr!(
                "and save read past the 6 bytes: the next message's bytes are gone from the stream"
                    | "而且 save 读过了那 6 个字节：下一条消息的字节已经从流里被拿走了"
            ));
        }
        return Err(failure.hint(tr!(
            "read at most size bytes: body.take(size). What follows on the stream is the next message."
                | "最多读 size 字节：body.take(size)。流里后面跟着的是下一条消息。"
        )));
    }
    let _ = fs::remove_file(dir.join("longer.txt"));
    steps.ok(tr!(
        "a body longer than its size: exactly size bytes saved, nothing read past them"
            | "比 size 长的真实数据：正好保存 size 字节，后面的一个字节也不读"
    ))?;

    // 5. A name already taken.
    let keep = dir.join("keep.txt");
    fs::write(&keep, b"original\n").map_err(setup)?;
    let taken_hint = tr!(
        "never replace a file: fs::hard_link(temp, target) fails with AlreadyExists when target exists (fs::rename would replace it silently, and checking exists() first leaves a moment in which another file can appear)."
            | "绝不覆盖文件：目标存在时 fs::hard_link(temp, target) 会以 AlreadyExists 失败（fs::rename 会悄悄覆盖它，先用 exists() 检查则会留下一段空档，别的文件可能就在这时出现）。"
    );
    refused(
        save,
        &places,
        &tr!("\"keep.txt\" already exists" | "\"keep.txt\" 已经存在"),
        "keep.txt",
        Script::new(vec![body.clone()]),
        &body,
        size,
        &md5,
        Some(io::ErrorKind::AlreadyExists),
        &taken_hint,
    )?;
    let kept = fs::read(&keep).unwrap_or_default();
    if kept != b"original\n" {
        return Err(
            Failure::new(tr!("\"keep.txt\" already exists" | "\"keep.txt\" 已经存在"))
                .detail(tr!(
                    "expected: keep.txt still holds {}" | "期望：keep.txt 里仍然是 {}",
                    shown(b"original\n")
                ))
                .detail(tr!("got: it holds {}" | "实际：它里面是 {}", shown(&kept)))
                .hint(taken_hint),
        );
    }
    steps.ok(tr!("an existing file is not replaced (AlreadyExists)"
        | "已有的文件没有被覆盖（AlreadyExists）"))?;

    // 6. A 4 MiB file: looked at in the middle, memory watched.
    big_file(save, &places, steps)?;

    // 7. The name taken during the transfer; two saves of one name at once.
    raced(save, &places, steps)?;
    Ok(())
}

/// A 4 MiB body in reads of 64 KiB; halfway, the reader lists the directory.
fn big_file(save: Save, places: &Places, steps: &mut Steps) -> Result<(), Failure> {
    let dir = places.dir.clone();
    let before = listing(&dir);
    let big: Vec<u8> = (0..4 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let md5 = md5_hex(&big);
    let size = big.len() as u64;
    let chunks: Vec<Vec<u8>> = big.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    let mut script = Script::new(chunks);
    type Listings = Option<(Vec<String>, Vec<String>)>;
    let seen: Arc<Mutex<Listings>> = Arc::new(Mutex::new(None));
    let look = Arc::clone(&seen);
    // Halfway, which file each name is (its inode): the file that gets the name at the end
    // must be the temporary file itself, linked, not a copy of it.
    type Files = Vec<(String, Option<(u64, u64)>)>;
    let files: Arc<Mutex<Files>> = Arc::new(Mutex::new(Vec::new()));
    let look_files = Arc::clone(&files);
    let (at_dir, at_tmp) = (dir.clone(), places.tmp.clone());
    script.on_read = Some(Box::new(move |given| {
        let mut look = look.lock().unwrap_or_else(|e| e.into_inner());
        if look.is_none() && given >= 2 * 1024 * 1024 {
            let names = listing(&at_dir);
            *look_files.lock().unwrap_or_else(|e| e.into_inner()) = names
                .iter()
                .map(|n| (n.clone(), identity(&at_dir.join(n))))
                .collect();
            *look = Some((names, listing(&at_tmp)));
        }
    }));
    let step = tr!(
        "a 4 MiB file, \"big.bin\", in reads of 64 KiB; the directory listed halfway"
            | "一个 4 MiB 的文件 \"big.bin\"，每次读到 64 KiB；传到一半时列出目录"
    );
    let (got, usage) = call(save, &dir, "big.bin", script, size, &md5);
    let got = got.map_err(|t| Failure::new(&step).trouble(&t, "save"))?;
    let saved_ok = fs::read(dir.join("big.bin")).is_ok_and(|b| b == big);
    if got.is_err() || !saved_ok {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: Ok, big.bin holding the 4 MiB" | "期望：Ok，big.bin 里是那 4 MiB"
            ))
            .detail(tr!("got: {}" | "实际：{}", describe(&got))));
    }
    let (middle, middle_tmp) = seen
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_default();
    let new: Vec<&String> = middle.iter().filter(|n| !before.contains(n)).collect();
    if middle.iter().any(|n| n == "big.bin") {
        return Err(Failure::new(&step)
            .detail(tr!(
                "halfway, the directory held: {middle:?}" | "传到一半时，目录里有：{middle:?}"
            ))
            .detail(tr!(
                "got: big.bin was there under its own name before its bytes were all in and checked"
                    | "实际：big.bin 在字节到齐并检查之前就已经以自己的名字出现了"
            ))
            .hint(tr!(
                "anyone who lists the directory meanwhile (a server serving downloads) would take a partial file for the real one. Write to a temporary name; give the file its name only when it is whole and its md5 matches."
                    | "这期间任何列出目录的人（比如提供下载的服务端）都会把不完整的文件当成真的。先写到临时名字下；只有文件完整、md5 相符时才给它正式的名字。"
            )));
    }
    if new.len() != 1 || !middle_tmp.is_empty() {
        return Err(Failure::new(&step)
            .detail(tr!(
                "halfway, the directory held: {middle:?}; TMPDIR held: {middle_tmp:?}"
                    | "传到一半时，目录里有：{middle:?}；TMPDIR 里有：{middle_tmp:?}"
            ))
            .detail(tr!(
                "expected: one new file in the directory, the temporary one the bytes go to"
                    | "期望：目录里多出一个文件，也就是字节写入的那个临时文件"
            ))
            .hint(tr!(
                "write the bytes as they arrive to a temporary file in the same directory as the target: in TMPDIR it would be on another file system for all you know (a hard link or rename across file systems fails), and kept in memory the file would make memory grow with its size."
                    | "字节一到就写进和目标同一目录的临时文件：放在 TMPDIR 里，它可能在另一个文件系统上（跨文件系统的硬链接或改名会失败）；放在内存里，内存会随文件大小增长。"
            )));
    }
    let peak = usage.map_or(0, |u| u.peak);
    if peak >= 1024 * 1024 {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: under 1 MiB of memory for a 4 MiB file" | "期望：保存 4 MiB 的文件用不到 1 MiB 内存"
            ))
            .detail(tr!(
                "got: save held {} at once: the file was kept in memory"
                    | "实际：save 同时占用了 {}：文件被放在内存里了",
                alloc::size(peak)
            ))
            .hint(tr!(
                "hash and write chunk by chunk: md5::Md5::new(), update() with each chunk, then socket_lessons::wire::checksum::hex_digest(&hasher.finalize()). md5_hex needs the whole body at once, which is what a file of any size must not need."
                    | "一块一块地求哈希、一块一块地写：md5::Md5::new()，每块调用一次 update()，最后 socket_lessons::wire::checksum::hex_digest(&hasher.finalize())。md5_hex 需要一次拿到全部真实数据，而任意大小的文件恰恰不能这样。"
            )));
    }
    let temp = files
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(n, _)| Some(n) == new.first().copied())
        .cloned();
    let saved = identity(&dir.join("big.bin"));
    if let Some((temp, Some(was))) = temp {
        if saved != Some(was) {
            return Err(Failure::new(&step)
                .detail(tr!(
                    "expected: big.bin is the temporary file {temp:?} the bytes went to (inode {}), given its name"
                        | "期望：big.bin 就是字节写入的那个临时文件 {temp:?}（inode {}），只是得到了名字",
                    was.1
                ))
                .detail(tr!(
                    "got: big.bin is another file (inode {}): the bytes were copied under the name. A copy that fails halfway (a full disk) leaves a partial file under the real name, which is what the temporary file was for"
                        | "实际：big.bin 是另一个文件（inode {}）：字节被复制到了这个名字下。复制到一半失败（磁盘满了）就会在正式名字下留下不完整的文件，而临时文件正是为了避免这一点",
                    saved.map_or_else(|| "-".into(), |s| s.1.to_string())
                ))
                .hint(tr!(
                    "give the temporary file itself its name: fs::hard_link(temp, target) adds the name to the file already written, whole or not at all, and fails with AlreadyExists if the name is taken; then remove the temporary name. Opening the target (create_new) and copying into it writes the bytes a second time, under the real name."
                        | "直接给临时文件本身起名字：fs::hard_link(temp, target) 把名字加到已经写好的文件上，要么完整、要么什么都没有，名字被占用时以 AlreadyExists 失败；然后删掉临时名字。打开目标（create_new）再复制进去，是在正式名字下把字节再写一遍。"
                )));
        }
    }
    let _ = fs::remove_file(dir.join("big.bin"));
    steps.ok(tr!(
        "a 4 MiB file goes to one temporary file in the directory while it arrives, gets its name only at the end (the same file, linked, not a copy), with under 1 MiB of memory ({})"
            | "4 MiB 的文件在到达过程中写进目录里的一个临时文件，最后才得到名字（同一个文件，链接而不是复制），内存用量不到 1 MiB（{}）",
        alloc::size(peak)
    ))?;
    Ok(())
}

/// The one fault no run can show: a rename that replaces. Between a check that the name
/// is free and the rename, another file can take the name, and rename(2) replaces it; the
/// check cannot make that moment happen, so it reads the source.
fn no_rename(file: &Subject, steps: &mut Steps) -> Result<(), Failure> {
    let step = tr!("the source: the file gets its name without replacing one"
        | "源代码：文件得到名字时不会覆盖已有文件");
    let text = file
        .source()
        .map_err(|e| Failure::new(&step).detail(tr!("could not read it: {e}" | "读不了它：{e}")))?;
    let code = super::source::code_only(&text);
    let renames: Vec<(usize, String)> = code
        .lines()
        .enumerate()
        .filter(|(_, line)| {
            (line.contains("rename(") && !line.contains("renameat2")) || line.contains("fs::copy(")
        })
        .map(|(i, _)| (i + 1, text.lines().nth(i).unwrap_or("").trim().to_owned()))
        .collect();
    if let Some((line, found)) = renames.first() {
        return Err(Failure::new(&step)
            .detail(tr!(
                "found in {}, line {line}: {found}" | "在 {} 第 {line} 行找到：{found}",
                file.shown
            ))
            .detail(tr!(
                "rename(2) and fs::copy replace the file at the new name if there is one: a file that took the name after your check (exists(), or an earlier AlreadyExists) is silently lost"
                    | "如果新名字上已经有文件，rename(2) 和 fs::copy 都会覆盖它：在你检查（exists()，或者更早的 AlreadyExists）之后占用了这个名字的文件会悄无声息地丢失"
            ))
            .hint(tr!(
                "give the file its name with fs::hard_link(temp, target), which fails with AlreadyExists at the very moment it would replace, then remove the temporary name (on Linux, renameat2 with RENAME_NOREPLACE does both in one call)."
                    | "用 fs::hard_link(temp, target) 给文件起名字，它恰好在会覆盖的那一刻以 AlreadyExists 失败，然后删掉临时名字（在 Linux 上，带 RENAME_NOREPLACE 的 renameat2 一次调用就能做到这两件事）。"
            )));
    }
    steps.ok(tr!(
        "the source gives the file its name with no rename or fs::copy that could replace another"
            | "源代码给文件起名字时，没有可能覆盖别的文件的 rename 或 fs::copy"
    ))
}

/// Another file appears under the name in the middle of a transfer; then two saves of one
/// name run at once.
fn raced(save: Save, places: &Places, steps: &mut Steps) -> Result<(), Failure> {
    let dir = places.dir.clone();
    let body = b"mine, whole\n".to_vec();
    let md5 = md5_hex(&body);
    let size = body.len() as u64;
    let theirs = b"someone else's\n";

    // Someone else's file appears under the name halfway.
    let before = listing(&dir);
    let mut script = Script::new(vec![body[..5].to_vec(), body[5..].to_vec()]);
    let target = dir.join("race.txt");
    let planted = Arc::new(Mutex::new(false));
    let plant = Arc::clone(&planted);
    script.on_read = Some(Box::new(move |given| {
        let mut done = plant.lock().unwrap_or_else(|e| e.into_inner());
        if given >= 5 && !*done {
            *done = true;
            let _ = fs::write(&target, theirs);
        }
    }));
    let step = tr!(
        "\"race.txt\": another file gets that name while save reads the body"
            | "\"race.txt\"：save 读真实数据的时候，另一个文件占用了这个名字"
    );
    let taken_hint = tr!(
        "a name free when save started may be taken by the time the file is whole: checking exists() first cannot see that, and fs::rename would replace the other file. fs::hard_link(temp, target) fails with AlreadyExists at the very moment it would replace: the only safe check."
            | "save 开始时空着的名字，等文件收完时可能已经被占了：事先用 exists() 检查看不到这一点，而 fs::rename 会覆盖那个文件。fs::hard_link(temp, target) 恰恰在会覆盖的那一刻以 AlreadyExists 失败：这才是唯一安全的检查。"
    );
    let (got, _) = call(save, &dir, "race.txt", script, size, &md5);
    let got = got.map_err(|t| Failure::new(&step).trouble(&t, "save"))?;
    let now = fs::read(dir.join("race.txt")).unwrap_or_default();
    let after = listing(&dir);
    let mut want = before.clone();
    want.push("race.txt".into());
    want.sort();
    let refused = matches!(&got, Err(e) if e.kind() == io::ErrorKind::AlreadyExists);
    if !refused || now != theirs || after != want {
        return Err(Failure::new(&step)
            .detail(tr!(
                "expected: Err of kind AlreadyExists, race.txt still holding {}, and no temporary file left"
                    | "期望：AlreadyExists 类型的 Err，race.txt 里仍然是 {}，没有留下临时文件",
                shown(theirs)
            ))
            .detail(tr!("got: {}" | "实际：{}", describe(&got)))
            .detail(tr!("race.txt holds: {}" | "race.txt 里是：{}", shown(&now)))
            .detail(tr!("the directory holds: {after:?}" | "目录里有：{after:?}"))
            .hint(taken_hint));
    }
    let _ = fs::remove_file(dir.join("race.txt"));
    steps.ok(tr!(
        "a file that takes the name during the transfer is not replaced (AlreadyExists), and no temporary file is left"
            | "传输过程中占用了这个名字的文件没有被覆盖（AlreadyExists），也没有留下临时文件"
    ))?;

    // A dangling symbolic link appears under the name halfway: writing through it would
    // create a file outside the directory.
    #[cfg(unix)]
    {
        let before = listing(&dir);
        let outside = places.outside.join("outside-target.txt");
        let link = dir.join("link.txt");
        let mut script = Script::new(vec![body[..5].to_vec(), body[5..].to_vec()]);
        let (plant_link, plant_to) = (link.clone(), outside.clone());
        let mut planted = false;
        script.on_read = Some(Box::new(move |given| {
            if given >= 5 && !planted {
                planted = true;
                let _ = std::os::unix::fs::symlink(&plant_to, &plant_link);
            }
        }));
        let step = tr!(
            "\"link.txt\": a symbolic link to a file outside the directory takes that name while save reads the body"
                | "\"link.txt\"：save 读真实数据的时候，一个指向目录之外的符号链接占用了这个名字"
        );
        let (got, _) = call(save, &dir, "link.txt", script, size, &md5);
        let got = got.map_err(|t| Failure::new(&step).trouble(&t, "save"))?;
        let link_kept = fs::read_link(&link).is_ok_and(|to| to == outside);
        let wrote_outside = outside.exists();
        let after = listing(&dir);
        let mut want = before.clone();
        want.push("link.txt".into());
        want.sort();
        let refused = matches!(&got, Err(e) if e.kind() == io::ErrorKind::AlreadyExists);
        if !refused || !link_kept || wrote_outside || after != want {
            let mut failure = Failure::new(&step)
                .detail(tr!(
                    "expected: Err of kind AlreadyExists, the link left as it was, nothing written where it points, no temporary file left"
                        | "期望：AlreadyExists 类型的 Err，链接保持原样，它指向的地方什么也没写，不留临时文件"
                ))
                .detail(tr!("got: {}" | "实际：{}", describe(&got)))
                .detail(tr!("the directory holds: {after:?}" | "目录里有：{after:?}"));
            if wrote_outside {
                failure = failure.detail(tr!(
                    "and the file was written through the link, outside the directory: {}"
                        | "而且文件顺着链接写到了目录之外：{}",
                    outside.display()
                ));
            }
            if !link_kept {
                failure = failure
                    .detail(tr!("and the link itself was replaced or removed"
                        | "而且链接本身被替换或删掉了"));
            }
            return Err(failure.hint(tr!(
                "exists() follows a link and says false for one that points nowhere; File::create and fs::copy then follow it and write wherever it points. fs::hard_link(temp, target) refuses any name that exists, a link included, and creates nothing through it."
                    | "exists() 会顺着链接去看，对指向不存在之处的链接它说 false；接着 File::create 和 fs::copy 会顺着链接，写到它指向的任何地方。fs::hard_link(temp, target) 会拒绝任何已经存在的名字，链接也不例外，而且不会顺着它创建任何东西。"
            )));
        }
        let _ = fs::remove_file(&link);
        steps.ok(tr!(
            "a symbolic link that takes the name during the transfer is neither replaced nor followed (AlreadyExists)"
                | "传输过程中占用了这个名字的符号链接既没有被替换，也没有被顺着写入（AlreadyExists）"
        ))?;
    }

    // Two saves of one name: A pauses halfway, B runs whole, then A goes on.
    let first = b"first upload, A\n".to_vec();
    let second = b"second upload, B\n".to_vec();
    let (paused_tx, paused) = mpsc::channel();
    let (go_tx, go) = mpsc::channel::<()>();
    let go = Mutex::new(go);
    let mut script_a = Script::new(vec![first[..4].to_vec(), first[4..].to_vec()]);
    let mut told = false;
    script_a.on_read = Some(Box::new(move |given| {
        if given >= 4 && !told {
            told = true;
            let _ = paused_tx.send(());
            let _ = go
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .recv_timeout(STUCK);
        }
    }));
    let step = tr!(
        "two saves of \"same.txt\" at once: A pauses halfway, B saves whole, then A goes on"
            | "同时两次保存 \"same.txt\"：A 传到一半暂停，B 完整保存，然后 A 继续"
    );
    // Both saves read one wall-clock time (one tick): a temporary name made from the clock
    // is the same for both, and only create_new keeps B out of A's file.
    let tick = one_tick::now();
    let (dir_a, md5_a, size_a) = (dir.clone(), md5_hex(&first), first.len() as u64);
    let running_a = spawn(move || {
        one_tick::freeze(tick);
        let mut script_a = script_a;
        save(&dir_a, "same.txt", &mut script_a, size_a, &md5_a)
    });
    if paused.recv_timeout(STUCK).is_err() {
        let got = running_a.wait(STUCK);
        return Err(Failure::new(&step).detail(tr!(
            "got: save A returned before reading its body: {}"
                | "实际：save A 还没读真实数据就返回了：{}",
            match &got {
                Ok(r) => describe(r),
                Err(Trouble::Hung) => "-".into(),
                Err(Trouble::Panicked(p)) => format!("panic {}: {}", p.at, p.message),
            }
        )));
    }
    // B lists the directory at its first read: A's temporary file and B's own, two.
    let mut script_b = Script::new(vec![second.clone()]);
    let seen_b: Arc<Mutex<Option<Vec<String>>>> = Arc::new(Mutex::new(None));
    let (look_b, at_dir) = (Arc::clone(&seen_b), dir.clone());
    script_b.on_read = Some(Box::new(move |_| {
        let mut look = look_b.lock().unwrap_or_else(|e| e.into_inner());
        if look.is_none() {
            *look = Some(listing(&at_dir));
        }
    }));
    let (dir_b, md5_b, size_b) = (dir.clone(), md5_hex(&second), second.len() as u64);
    let (got_b, _) = within_watched(move || {
        one_tick::freeze(tick);
        let mut script_b = script_b;
        save(&dir_b, "same.txt", &mut script_b, size_b, &md5_b)
    });
    let _ = go_tx.send(());
    let got_a = running_a.wait(STUCK);
    let got_b = got_b.map_err(|t| Failure::new(&step).trouble(&t, "save"))?;
    let got_a = got_a.map_err(|t| Failure::new(&step).trouble(&t, "save"))?;
    let now = fs::read(dir.join("same.txt")).unwrap_or_default();
    let after = listing(&dir);
    let mut want = before.clone();
    want.push("same.txt".into());
    want.sort();
    let a_refused = matches!(&got_a, Err(e) if e.kind() == io::ErrorKind::AlreadyExists);
    let both = seen_b
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .map(|names| {
            names
                .into_iter()
                .filter(|n| !before.contains(n))
                .collect::<Vec<_>>()
        });
    let shared = both.as_ref().is_some_and(|temps| temps.len() < 2);
    if got_b.is_err() || !a_refused || now != second || after != want {
        let mut failure = Failure::new(&step);
        if let (true, Some(temps)) = (shared, &both) {
            failure = failure.detail(tr!(
                "while A was halfway and B reading, the directory held one temporary file for both: {temps:?}: B opened A's (the two saves read the clock in the same tick, and a name made from it was the same)"
                    | "A 传到一半、B 正在读的时候，目录里两者只有一个临时文件：{temps:?}：B 打开了 A 的（两次保存在同一个时钟刻度里读了时钟，由它生成的名字是同一个）"
            ));
        }
        return Err(failure
            .detail(tr!(
                "expected: B Ok, A Err of kind AlreadyExists, same.txt holding B's {}, and no temporary file left"
                    | "期望：B 得到 Ok，A 得到 AlreadyExists 类型的 Err，same.txt 里是 B 的 {}，没有留下临时文件",
                shown(&second)
            ))
            .detail(tr!("got: B {}; A {}" | "实际：B {}；A {}", describe(&got_b), describe(&got_a)))
            .detail(tr!("same.txt holds: {}" | "same.txt 里是：{}", shown(&now)))
            .detail(tr!("the directory holds: {after:?}" | "目录里有：{after:?}"))
            .hint(tr!(
                "two transfers may run at once (a server serves many clients): each needs a temporary name of its own, made with create_new so that it never opens another's (a counter, the process id, random bytes), and on AlreadyExists another name. A fixed name like name + \".part\" is shared, and so is a name from the clock when two saves read it in the same tick: File::create then opens the other's file, and one transfer writes into it."
                    | "两个传输可能同时进行（服务端同时服务许多客户端）：每个都需要自己的临时名字，并用 create_new 创建，保证绝不会打开别人的（用计数器、进程号、随机字节），遇到 AlreadyExists 就换一个名字。像 name + \".part\" 这样固定的名字是共用的；两次保存在同一个时钟刻度里读时钟时，由时钟生成的名字也是共用的：这时 File::create 会打开另一个的文件，一个传输写进了它里面。"
            )));
    }
    steps.ok(tr!(
        "two saves of one name at once: B's file is saved whole, A gets AlreadyExists, no temporary file is left"
            | "同时两次保存同一个名字：B 的文件完整保存，A 得到 AlreadyExists，不留临时文件"
    ))?;
    Ok(())
}

/// One clock for two saves: the check's threads that call `save` in the step "two saves of
/// one name at once" read the same wall-clock time (CLOCK_REALTIME) at their first call,
/// as two saves in one tick of a coarse clock would. A thread's next reads move on by a
/// second each, so a save that makes its temporary name from the clock and retries with
/// `create_new` on AlreadyExists gets a new name; one that opens it with `File::create`
/// opens the other save's file. Other threads, and other clocks, read the real time.
///
/// `clock_gettime` defined here takes the place of the C library's for the code linked into
/// the check's program (std's `SystemTime::now` included); it asks the kernel directly.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod one_tick {
    use std::cell::Cell;

    thread_local! {
        /// The frozen time of this thread (seconds, nanoseconds), and how many reads it has
        /// answered.
        static FROZEN: Cell<Option<(i64, i64, i64)>> = const { Cell::new(None) };
    }

    /// From now on, this thread reads `at` (seconds, nanoseconds since the epoch) at its
    /// first read of the wall clock, then a second later at each read.
    pub fn freeze(at: (i64, i64)) {
        FROZEN.with(|f| f.set(Some((at.0, at.1, 0))));
    }

    /// The wall-clock time now, read from the kernel.
    pub fn now() -> (i64, i64) {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: a valid timespec to fill.
        unsafe { real(libc::CLOCK_REALTIME, &mut t) };
        (t.tv_sec, t.tv_nsec)
    }

    unsafe fn real(clock: libc::clockid_t, tp: *mut libc::timespec) -> libc::c_int {
        libc::syscall(libc::SYS_clock_gettime, clock, tp) as libc::c_int
    }

    /// # Safety
    /// As the C library's: `tp` points to a timespec to fill.
    #[no_mangle]
    pub unsafe extern "C" fn clock_gettime(
        clock: libc::clockid_t,
        tp: *mut libc::timespec,
    ) -> libc::c_int {
        if clock == libc::CLOCK_REALTIME || clock == libc::CLOCK_REALTIME_COARSE {
            let frozen = FROZEN
                .try_with(|f| {
                    let (s, ns, n) = f.get()?;
                    f.set(Some((s, ns, n + 1)));
                    Some((s + n, ns))
                })
                .ok()
                .flatten();
            if let (Some((s, ns)), false) = (frozen, tp.is_null()) {
                (*tp).tv_sec = s;
                (*tp).tv_nsec = ns;
                return 0;
            }
        }
        real(clock, tp)
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod one_tick {
    pub fn freeze(_at: (i64, i64)) {}
    pub fn now() -> (i64, i64) {
        (0, 0)
    }
}
