//! The lesson pages' shape, in both languages: each includes its lesson's notes programs
//! whole from the files (so page and code cannot drift), and walks from them to the
//! course's server in a table of named changes.

use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The lesson folders `lessons/NN_name/`.
fn lessons() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(Path::new(ROOT).join("lessons"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.len() > 3 && n.as_bytes()[..2].iter().all(u8::is_ascii_digit))
        .collect();
    names.sort();
    names
}

/// The `notes*.rs` files of a lesson, by file name.
fn notes_files(lesson: &str) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(Path::new(ROOT).join("lessons").join(lesson))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n == "notes.rs" || (n.starts_with("notes_") && n.ends_with(".rs")))
        .collect();
    files.sort();
    files
}

/// A page in one language: where it is, how it reaches the repository root, and its two
/// headings.
struct Edition {
    dir: &'static str,
    up: &'static str,
    program_heading: &'static str,
    table_heading: &'static str,
}

const EDITIONS: [Edition; 2] = [
    Edition {
        dir: "docs",
        up: "../",
        program_heading: "## The notes'",
        table_heading: "## From the notes'",
    },
    Edition {
        dir: "docs/zh-CN",
        up: "../../",
        program_heading: "## 笔记的",
        table_heading: "## 从笔记的",
    },
];

/// What a page lacks of the notes' programs and the walk to the course's server.
fn page_problems(page: &str, text: &str, edition: &Edition, lesson: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for file in notes_files(lesson) {
        let include = format!("{{{{#include {}lessons/{lesson}/{file}}}}}", edition.up);
        if !text.contains(&include) {
            problems.push(format!("{page}: no `{include}`"));
        }
    }
    if !lines.iter().any(|l| l.starts_with(edition.program_heading)) {
        problems.push(format!(
            "{page}: no section `{} …` showing the notes' program",
            edition.program_heading
        ));
    }
    match lines
        .iter()
        .position(|l| l.starts_with(edition.table_heading))
    {
        None => problems.push(format!(
            "{page}: no section `{} …` walking to the course's server",
            edition.table_heading
        )),
        Some(at) => {
            // The section holds a table: a header row and at least one row per change.
            let section = lines[at + 1..]
                .iter()
                .take_while(|l| !l.starts_with("## "))
                .filter(|l| l.starts_with('|'))
                .count();
            if section < 4 {
                problems.push(format!(
                    "{page}: the section `{}` has {section} table lines, not a table of changes",
                    edition.table_heading
                ));
            }
        }
    }
    problems
}

#[test]
fn every_lesson_page_includes_its_notes_programs_and_walks_to_the_course_server() {
    let mut problems = Vec::new();
    for lesson in lessons() {
        for edition in &EDITIONS {
            let page: PathBuf = Path::new(ROOT)
                .join(edition.dir)
                .join(format!("{lesson}.md"));
            let text =
                fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
            problems.extend(page_problems(
                &format!("{}/{lesson}.md", edition.dir),
                &text,
                edition,
                &lesson,
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_page_check_can_fail() {
    let bare = "# Lesson\n\n## What you will see\n";
    assert_eq!(
        page_problems("x.md", bare, &EDITIONS[0], "01_tcp_once").len(),
        3
    );
    let two_lines = "## The notes' program\n{{#include ../lessons/01_tcp_once/notes.rs}}\n\
                     ## From the notes' program\n| a | b |\n|---|---|\n## Next\n";
    assert_eq!(
        page_problems("x.md", two_lines, &EDITIONS[0], "01_tcp_once").len(),
        1
    );
}

// ---- the Chinese edition: one vocabulary, textbook typography ----------------------------

/// Spellings the glossary (docs/zh-CN/glossary.md) rules out, and the word it uses instead.
/// The glossary itself names them, so it is not held to this list.
const VARIANTS: &[(&str, &str)] = &[
    ("消息体", "真实数据"),
    ("正文", "真实数据"),
    ("长度前缀", "固定报头"),
    ("长度报头", "固定报头"),
    ("固定长度的报头", "固定报头"),
    ("常量时间", "常数时间"),
    ("复位", "重置"),
    ("散列", "哈希"),
    ("空闲上限", "空闲时限"),
    ("时间服务端", "时间服务器"),
    ("裁决", "判定结果"),
    ("accept 队列", "全连接队列"),
    ("线上格式", "传输格式"),
    ("线路格式", "传输格式"),
    ("从线上", "从传输的字节上"),
    ("回复", "回答"),
    ("时间上限", "时限"),
    ("消息时限", "请求的时钟、回答的时钟"),
    ("回声", "回显"),
    ("交互过程", "交换过程"),
    ("发件箱", "待发缓冲区"),
    ("待发队列", "待发缓冲区"),
    ("包头", "首部"),
    ("IP 报头", "IP 首部"),
    ("IPv4 报头", "IPv4 首部"),
    ("IPv6 的报头", "IPv6 的首部"),
    ("UDP 报头", "UDP 首部"),
    ("TCP 报头", "TCP 首部"),
    ("场景", "幕"),
    ("精确读", "恰好读"),
    ("按确切", "恰好读"),
    ("位十六进制", "个十六进制数字"),
    ("参考答案", "参考解答"),
    ("练习：答案", "练习：参考解答"),
    ("干净的结束", "正常结束"),
    ("表示长度的", "固定报头"),
    ("裸命令", "不加报头的命令"),
    ("优雅关闭", "优雅停机"),
    ("时间限制", "时限"),
    ("输出限制", "输出上限"),
    ("笔记的协议", "笔记的传输格式"),
    ("课的协议", "这一课的传输格式"),
    ("课协议", "这一课的传输格式"),
    ("第三种协议", "第三种传输格式"),
    ("协议族", "套接字家族"),
    ("在网络上传输", "在线路上传输"),
    ("网络上的顺序", "线路上的顺序"),
    ("往网络上", "往线路上"),
    ("从网络上", "从线路上"),
    ("看清网络上", "看清线路上"),
    ("不守规矩", "捣乱的"),
    ("狡猾", "捣乱的"),
    ("撒谎", "说谎"),
    ("读方", "接收方"),
    ("读的一方", "接收方"),
    ("发送者", "发送方"),
    ("平滑 RTT", "平滑往返时间"),
    ("SYN-ACK", "SYN+ACK"),
    ("作答", "回答"),
    ("接待", "服务"),
    ("没有记入日志", "没有写进日志"),
    ("没有逐条打印", "没有写进日志"),
    ("标准输出", "stdout"),
    ("标准错误", "stderr"),
    ("具名", "有名字的"),
    ("环回地址", "回环地址"),
    ("环回上", "回环上"),
    ("环回接口", "回环接口"),
    ("洪水", "洪泛"),
    ("窥视", "peek 查看"),
    ("读取方", "接收方"),
    ("回音", "回显（或回答）"),
    ("内核回答", "内核回应"),
    ("回答了 SYN", "回应了 SYN"),
    ("审阅者", "（项目内部的说法：写明是哪一次运行）"),
    ("一只时钟", "一个时钟（同一个时钟）"),
    ("一只自己的时钟", "一个自己的时钟"),
    ("预期文件", "输出记录"),
    ("预期输出", "输出记录"),
    ("运行记录", "输出记录"),
    ("运行输出", "输出记录"),
    ("接收者", "接收方"),
    ("窗口缩放因子", "窗口扩大因子"),
    ("负载平均值", "平均负载"),
    ("未达到", "未达标"),
    ("评审助手", "机器上同时还有别的程序在运行"),
    ("审阅助手", "机器上同时还有别的程序在运行"),
    ("变更时间", "状态改变时间"),
    ("错误消息", "错误回答"),
    ("以状态 130 退出", "以退出状态 130 结束"),
    ("练习 2", "“动手试试”第 2 题"),
    ("文件大小限制", "文件大小上限"),
    ("秒的限制", "秒的时限"),
    ("秒限制", "秒时限"),
    ("秒 内", "秒内"),
    ("这个连接", "这条连接"),
    ("个连接", "条连接"),
    ("滴水式发送", "一点一点滴着发"),
    ("滴送", "一点一点滴着发"),
    ("慢吞吞", "一点一点滴着发"),
    ("一滴一滴", "一点一点滴着发"),
    ("滴出", "一点一点滴着发"),
    ("慢慢发", "一点一点滴着发"),
    ("一个字节一个字节地滴", "一点一点滴着发"),
    ("发布版代码", "release 构建"),
    ("在一次攻击发现之前", "在一次攻击测试发现这个问题之前"),
    ("恰好读满", "恰好读"),
];

/// Where the programs' Chinese lives: the lessons' and the library's string literals, and
/// the Chinese transcripts pinned from them. They speak the glossary's words too.
fn zh_program_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "stdout") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in ["lessons", "shared", "tests/expected/zh-CN"] {
        walk(&Path::new(ROOT).join(dir), &mut files);
    }
    files.sort();
    files
}

/// Spellings the pages' prose rules out that the programs may still print or parse (`ss`
/// names the states `TIME-WAIT`, `FIN-WAIT-2`; the English strings say HMAC(secret, challenge)):
/// checked outside code only.
const PAGE_VARIANTS: &[(&str, &str)] = &[
    ("TIME-WAIT", "TIME_WAIT"),
    ("FIN-WAIT", "FIN_WAIT1、FIN_WAIT2"),
    ("CLOSE-WAIT", "CLOSE_WAIT"),
    ("HMAC(secret", "HMAC(密钥, 挑战)"),
];

/// "毫秒" or "微秒" right after a number or a `{}` placeholder ("40 毫秒"): the glossary
/// writes "40 ms" and keeps the word for "几毫秒".
fn unit_after_number(line: &str) -> Option<&'static str> {
    for unit in ["毫秒", "微秒"] {
        for (at, _) in line.match_indices(unit) {
            let before = line[..at].trim_end_matches(' ');
            if before.ends_with(|c: char| c.is_ascii_digit() || c == '}') {
                return Some(unit);
            }
        }
    }
    None
}

/// The lines of a program file that use a spelling the glossary rules out.
fn zh_program_problems(name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for (variant, word) in VARIANTS {
            if line.contains(variant) {
                problems.push(format!(
                    "{name}:{}: \"{variant}\" where the glossary says \"{word}\"",
                    i + 1
                ));
            }
        }
        if let Some(unit) = unit_after_number(line) {
            problems.push(format!(
                "{name}:{}: \"{unit}\" after a number (the glossary writes ms, µs)",
                i + 1
            ));
        }
        // Numbers the program formats are printed whole ("13893"); what is written by hand
        // in its Chinese keeps the glossary's grouping. In source files, the Chinese string
        // literals only (the English ones group as English does).
        let chinese: Vec<&str> = if name.ends_with(".rs") {
            line.split('"').filter(|s| s.chars().any(is_han)).collect()
        } else {
            vec![line]
        };
        for literal in chinese {
            for problem in number_grouping_problems(literal, false) {
                problems.push(format!("{name}:{}: {problem}", i + 1));
            }
        }
    }
    problems
}

#[test]
fn the_programs_chinese_uses_the_glossary_s_words() {
    let mut problems = Vec::new();
    for file in zh_program_files() {
        let name = file
            .strip_prefix(ROOT)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = fs::read_to_string(&file).unwrap();
        problems.extend(zh_program_problems(&name, &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        zh_program_problems("x.rs", "tr!(\"reply\" | \"回复\")\n").len(),
        1
    );
}

/// The zh-CN pages: every `.md` in docs/zh-CN/ and its code/ folder.
fn zh_pages() -> Vec<PathBuf> {
    let mut pages = Vec::new();
    for dir in ["docs/zh-CN", "docs/zh-CN/code"] {
        let Ok(entries) = fs::read_dir(Path::new(ROOT).join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                pages.push(path);
            }
        }
    }
    pages.sort();
    pages
}

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The text of a page outside fenced code blocks, line by line (a block's lines become
/// empty lines, so line numbers stay right).
fn prose_lines(text: &str) -> Vec<String> {
    let mut fenced = false;
    text.lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return String::new();
            }
            if fenced {
                String::new()
            } else {
                line.to_owned()
            }
        })
        .collect()
}

/// A line without its `code spans`.
fn without_code(line: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
        } else if !in_code {
            out.push(c);
        }
    }
    out
}

/// A line without its link targets (`](…)`) and HTML tags: what a reader sees.
fn without_targets(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ']' && chars.peek() == Some(&'(') {
            out.push(c);
            chars.by_ref().take_while(|&c| c != ')').for_each(drop);
        } else if c == '<'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '/')
        {
            chars.by_ref().take_while(|&c| c != '>').for_each(drop);
        } else {
            out.push(c);
        }
    }
    out
}

/// Numbers of five digits or more that the glossary keeps as written in Chinese prose:
/// Windows error numbers, knowledge-base and issue numbers, ports, protocol and type
/// limits, constants from the code and the checker, and values copied from program output,
/// `ss` or kernel settings. Any other count of 10,000 or more takes commas ("13,893 字节").
const VERBATIM_NUMBERS: &[&str] = &[
    // Windows Sockets error numbers
    "10013",
    "10040",
    "10048",
    "10053",
    "10054",
    "10057",
    "10061",
    // Microsoft knowledge-base articles, a curl issue
    "263823",
    "314053",
    "929851",
    "14144",
    // ports and the ephemeral port ranges
    "32768",
    "60999",
    "49152",
    "36875",
    "39100",
    "43686",
    // protocol and type limits: IP lengths, UDP payloads, loopback MTUs, i32 and u32 bounds
    "65535",
    "65536",
    "65507",
    "65508",
    "65527",
    "65495",
    "65483",
    "16384",
    "2147483647",
    "2147483648",
    "4294967295",
    // lengths the code and the checker use: the frame limit and one past it, the header
    // limit plus one, a total_size past 2^32, a request body, an exercise's BODY_LEN
    "16777216",
    "16777217",
    "65537",
    "4294967302",
    "70000",
    "100000",
    // copied from program output, `ss` or kernel settings
    "128000",
    "4194304",
];

/// How the numbers in Chinese text break the glossary's grouping rule: grouped with spaces
/// ("65 536"), a comma under 10,000 ("1,024"), and, when `whole_numbers` is set, 10,000 or
/// more without commas ("402155") unless the glossary keeps it as written
/// ([`VERBATIM_NUMBERS`]). A number glued to letters (hex, names) is not a number here.
fn number_grouping_problems(text: &str, whole_numbers: bool) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let digits_at = |from: usize| {
        chars[from.min(chars.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let joins = |c: char| c.is_ascii_alphanumeric() || "_.,:".contains(c);
    let mut problems = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && joins(chars[i - 1])) {
            i += 1;
            continue;
        }
        let first = digits_at(i);
        let mut end = i + first;
        let mut separators = Vec::new();
        while end < chars.len()
            && (chars[end] == ',' || chars[end] == ' ')
            && digits_at(end + 1) == 3
        {
            separators.push(chars[end]);
            end += 4;
        }
        let number: String = chars[i..end].iter().collect();
        let glued = chars
            .get(end)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_');
        i = end;
        if glued {
            continue;
        }
        if separators.contains(&' ') {
            problems.push(format!(
                "\"{number}\" grouped with spaces (the glossary: commas from 10,000, \"83,886,080\")"
            ));
        } else if separators.len() == 1 && first == 1 {
            problems.push(format!(
                "\"{number}\" has a comma under 10,000 (the glossary writes \"{}\")",
                number.replace(',', "")
            ));
        } else if whole_numbers
            && separators.is_empty()
            && first >= 5
            && !number.starts_with('0')
            && !VERBATIM_NUMBERS.contains(&number.as_str())
        {
            problems.push(format!(
                "\"{number}\" is 10,000 or more without commas (the glossary: \"13,893 字节\"; \
                 a port, an error number or a copied value goes in VERBATIM_NUMBERS)"
            ));
        }
    }
    problems
}

/// Whether a line nests full-width brackets, （…（…）…）, which a Chinese reader has to
/// take apart: the inner aside wants a dash, a comma clause or a sentence of its own.
fn nests_brackets(prose: &str) -> bool {
    let mut depth = 0usize;
    for c in prose.chars() {
        match c {
            '（' => {
                depth += 1;
                if depth == 2 {
                    return true;
                }
            }
            '）' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Whether a number is followed by "s" for seconds in Chinese text ("3.84 s", "41 s 前"),
/// where the glossary writes "3.84 秒". English quoted in a line ("killed after 2 s, its
/// time limit") is left alone: the "s" must be followed by Chinese, a table bar or the end.
fn seconds_as_symbol(prose: &str) -> bool {
    let chars: Vec<char> = prose.chars().collect();
    let chinese_or_end =
        |c: Option<&char>| c.is_none_or(|&c| is_han(c) || "，。；：、）|".contains(c));
    (0..chars.len().saturating_sub(2)).any(|i| {
        chars[i].is_ascii_digit()
            && chars[i + 1] == ' '
            && chars[i + 2] == 's'
            && (chinese_or_end(chars.get(i + 3))
                || (chars.get(i + 3) == Some(&' ') && chinese_or_end(chars.get(i + 4))))
    })
}

/// What keeps a zh-CN page from reading like a Chinese textbook in one vocabulary.
fn zh_problems(name: &str, text: &str, is_glossary: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let lines = prose_lines(text);
    for (i, pair) in lines.windows(2).enumerate() {
        let (a, b) = (pair[0].trim_end(), pair[1].trim_start());
        let ends_chinese = a
            .chars()
            .last()
            .is_some_and(|c| is_han(c) || "，。：；！？、）」”".contains(c));
        let starts_chinese = b.chars().next().is_some_and(is_han);
        if ends_chinese && starts_chinese {
            problems.push(format!(
                "{name}:{}: a Chinese paragraph hard-wrapped (keep it on one line)",
                i + 1
            ));
        }
    }
    for (i, line) in lines.iter().enumerate() {
        let prose = without_code(line);
        if line.starts_with('#') && line.chars().any(is_han) && prose.contains(": ") {
            problems.push(format!(
                "{name}:{}: an ASCII \": \" in a Chinese heading (use \"：\")",
                i + 1
            ));
        }
        let quoted_chinese = prose
            .split('"')
            .skip(1)
            .step_by(2)
            .any(|inside| inside.chars().any(is_han));
        if quoted_chinese && prose.matches('"').count() >= 2 {
            problems.push(format!(
                "{name}:{}: Chinese in straight quotes (use “”)",
                i + 1
            ));
        }
        if !is_glossary {
            for (variant, word) in VARIANTS {
                if prose.contains(variant) {
                    problems.push(format!(
                        "{name}:{}: \"{variant}\" where the glossary says \"{word}\"",
                        i + 1
                    ));
                }
            }
            for (variant, word) in PAGE_VARIANTS {
                if prose.contains(variant) {
                    problems.push(format!(
                        "{name}:{}: \"{variant}\" where the glossary says \"{word}\"",
                        i + 1
                    ));
                }
            }
            if prose.matches("宽限").count() > prose.matches("宽限期").count() {
                problems.push(format!(
                    "{name}:{}: \"宽限\" where the glossary says \"宽限期\"",
                    i + 1
                ));
            }
            if let Some(unit) = unit_after_number(&prose) {
                problems.push(format!(
                    "{name}:{}: \"{unit}\" after a number (the glossary writes ms, µs)",
                    i + 1
                ));
            }
            if prose.contains("半连接池") && !prose.contains("全连接队列") {
                problems.push(format!(
                    "{name}:{}: 半连接池 without its caveat (on Linux listen(n) bounds the 全连接队列)",
                    i + 1
                ));
            }
            for problem in number_grouping_problems(&without_targets(&prose), true) {
                problems.push(format!("{name}:{}: {problem}", i + 1));
            }
            if seconds_as_symbol(&prose) {
                problems.push(format!(
                    "{name}:{}: \"s\" after a number (the glossary writes seconds as 秒: \"3.84 秒\")",
                    i + 1
                ));
            }
        }
        if nests_brackets(&prose) {
            problems.push(format!(
                "{name}:{}: full-width brackets nested （…（…）…） (rewrite the inner aside)",
                i + 1
            ));
        }
    }
    problems
}

#[test]
fn every_chinese_page_reads_like_a_textbook_in_the_glossary_s_words() {
    let mut problems = Vec::new();
    for page in zh_pages() {
        let name = page
            .strip_prefix(ROOT)
            .unwrap_or(&page)
            .display()
            .to_string();
        let text = fs::read_to_string(&page).unwrap();
        let is_glossary = name.ends_with("glossary.md");
        problems.extend(zh_problems(&name, &text, is_glossary));
        let is_lesson = page
            .file_name()
            .is_some_and(|f| f.as_encoded_bytes()[..2].iter().all(u8::is_ascii_digit));
        let in_code_folder = page.parent().is_some_and(|p| p.ends_with("code"));
        if is_lesson && !in_code_folder && !text.contains("glossary.md") {
            problems.push(format!("{name}: no link to the glossary (glossary.md)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_chinese_page_check_can_fail() {
    let wrapped = "这是第一行，\n紧接着的第二行。\n";
    assert_eq!(zh_problems("x.md", wrapped, false).len(), 1);
    let variant = "报头后面是消息体。\n";
    assert_eq!(zh_problems("x.md", variant, false).len(), 1);
    assert!(zh_problems("glossary.md", variant, true).is_empty());
    let heading = "## 练习: 一次写\n";
    assert_eq!(zh_problems("x.md", heading, false).len(), 1);
    let quotes = "它打印 \"你好\" 两个字。\n";
    assert_eq!(zh_problems("x.md", quotes, false).len(), 1);
    let pool = "也就是常说的半连接池。\n";
    assert_eq!(zh_problems("x.md", pool, false).len(), 1);
    let state = "服务端那一端处于 TIME-WAIT。\n";
    assert_eq!(zh_problems("x.md", state, false).len(), 1);
    let grace = "每个回答有 10 秒的宽限，之后……\n";
    assert_eq!(zh_problems("x.md", grace, false).len(), 1);
    let ms = "每次交换多等 40 毫秒，而不是几毫秒。\n";
    assert_eq!(zh_problems("x.md", ms, false).len(), 1);
    assert_eq!(
        zh_program_problems("x.rs", "tr!(\"{} ms\" | \"{} 毫秒\")\n").len(),
        1
    );
    for numbers in [
        "窗口是 65 536 字节。\n",
        "最多 1,024 个源。\n",
        "产生了 402155 字节的日志。\n",
    ] {
        assert_eq!(zh_problems("x.md", numbers, false).len(), 1, "{numbers}");
    }
    let grouped = "1000 个客户端、13,893 字节、10054 号错误、`402155`、0x3645。\n";
    assert!(zh_problems("x.md", grouped, false).is_empty());
    let nested = "一个说明（里面还有（另一个）括号）。\n";
    assert_eq!(zh_problems("x.md", nested, false).len(), 1);
    let seconds = "耗时 3.84 s，41 s 前结束。\n";
    assert_eq!(zh_problems("x.md", seconds, false).len(), 1);
    assert!(zh_problems(
        "x.md",
        "回答原文是 “killed after 2 s, its time limit”。\n",
        false
    )
    .is_empty());
    assert_eq!(
        zh_program_problems("x.rs", "tr!(\"1,024 bytes\" | \"1,024 字节\")\n").len(),
        1
    );
    let fine = "固定报头之后是真实数据：`recv(4)`。\n```text\n消息体\n```\n";
    assert!(zh_problems("x.md", fine, false).is_empty());
}
