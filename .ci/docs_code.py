#!/usr/bin/env python3
"""The book's code pages, and the pages' links to them.

The lesson pages link to the code they talk about (`../lessons/01_tcp_once/main.rs`). Those
files are not pages of the book, so the site shows the code on pages of its own: one per
lesson, one for the exercises, one for their answers, one per layer of shared/, in both
editions (docs/code/, docs/zh-CN/code/), each file under a heading whose id is its name and
included whole with {{#include}}, so the code shown is the code built.

    python3 .ci/docs_code.py pages   # writes docs/code/*.md and docs/zh-CN/code/*.md
    python3 .ci/docs_code.py links   # rewrites the pages' code links to those pages
    python3 .ci/docs_code.py check   # fails if either would change anything (.ci/docs)

`links` rewrites, in docs/*.md and docs/zh-CN/*.md:
- `../lessons/01_tcp_once/main.rs` (`../../lessons/…` in zh-CN) to `code/01_tcp_once.md#main.rs`,
  and likewise for lessons/exercises/, lessons/exercises/solutions/ and shared/;
- a link to a bare folder of the book (`zh-CN/`, `../`, `./`), which a browser opening the
  built files shows as a directory listing, to that folder's index page.
Run both after merging pages or adding a file to lessons/ or shared/; both are idempotent.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs")
EDITIONS = {"en": DOCS, "zh-CN": os.path.join(DOCS, "zh-CN")}

# Shared layers: page name -> (folder under shared/, or None for the files at its top).
LAYERS = [
    ("shared", None),
    ("shared_wire", "wire"),
    ("shared_guard", "guard"),
    ("shared_stage", "stage"),
]

TEXT = {
    "en": {
        "index_title": "The code",
        "index_intro": (
            "Every file of `lessons/` and `shared/` that the pages link to, as the book was built\n"
            "from it: each page includes the files whole, so what you read here is what\n"
            "`cargo run` builds. The lesson pages' **Code:** links land on these pages."
        ),
        "lessons": "The lessons",
        "more": "Exercises and the shared library",
        "lesson_title": "{nn} · {name}: the code",
        "lesson_intro": (
            "Every file of `lessons/{dir}/`, the lesson's program; its page is\n"
            "[{title}](../{page}). Run it with `{run}`."
        ),
        "files": "Files: {list}.",
        "sep": ", ",
        "colon": ": ",
        "exercises_title": "Exercises: the starters",
        "exercises_intro": (
            "The files of `lessons/exercises/`, as shipped: each compiles, runs, and is wrong\n"
            "in the way its lesson is about. Edit yours in the repository and check it with\n"
            "`cargo run --example check -- NN`. The answers are on [the next page](solutions.md)."
        ),
        "solutions_title": "Exercises: the answers",
        "solutions_intro": (
            "The files of `lessons/exercises/solutions/`: the course's answer to each\n"
            "[exercise](exercises.md). Try first; `cargo run --example check -- NN --solution`\n"
            "runs the checker on an answer."
        ),
        "shared_title": "shared/: the library's top",
        "shared_intro": (
            "`shared/lib.rs`, the library every lesson uses (`socket_lessons`), and `lang.rs`\n"
            "beside it (the language the programs speak). Its three layers have a page each:\n"
            "[wire](shared_wire.md), what the notes teach; [guard](shared_guard.md), what a\n"
            "hostile or broken peer makes necessary; [stage](shared_stage.md), what runs the\n"
            "demos and the two-terminal programs."
        ),
        "layer_title": "shared/{layer}/",
        "layer_intro": "Every file of `shared/{layer}/`, the library's `{layer}` layer ([the top](shared.md)).",
    },
    "zh-CN": {
        "index_title": "代码",
        "index_intro": (
            "各页链接到的 `lessons/` 和 `shared/` 里的每个文件，就是构建本书时的样子：每页把文件整个包含进来，"
            "所以这里读到的就是 `cargo run` 编译的代码。课程页里的**代码：**链接都指向这些页面。"
            "代码和注释是英文的，与英文版相同。"
        ),
        "lessons": "各课",
        "more": "练习与共享库",
        "lesson_title": "{nn} · {name}：代码",
        "lesson_intro": (
            "`lessons/{dir}/` 里的每个文件，也就是这一课的程序；讲解页是[{title}](../{page})。"
            "运行：`{run}`。"
        ),
        "files": "文件：{list}。",
        "sep": "、",
        "colon": "：",
        "exercises_title": "练习：初始代码",
        "exercises_intro": (
            "`lessons/exercises/` 里的文件，原样：每个都能编译、能运行，但错就错在对应那一课要讲的地方。"
            "在仓库里改你的那一份，再用 `cargo run --example check -- NN` 检查。参考解答在[下一页](solutions.md)。"
        ),
        "solutions_title": "练习：参考解答",
        "solutions_intro": (
            "`lessons/exercises/solutions/` 里的文件：课程对每道[练习](exercises.md)的参考解答。先自己试；"
            "`cargo run --example check -- NN --solution` 对参考解答运行检查程序。"
        ),
        "shared_title": "shared/：库的顶层",
        "shared_intro": (
            "`shared/lib.rs` 是每一课都用的库（`socket_lessons`），旁边的 `lang.rs` 决定程序说哪种语言。"
            "库分三层，各有一页：[wire](shared_wire.md)，笔记所教的东西；[guard](shared_guard.md)，"
            "对付恶意或出故障的对端所必需的东西；[stage](shared_stage.md)，运行演示和双终端程序的东西。"
        ),
        "layer_title": "shared/{layer}/",
        "layer_intro": "`shared/{layer}/` 里的每个文件，即库的 `{layer}` 层（[顶层](shared.md)）。",
    },
}


def rs_files(folder):
    """The .rs files of a folder (not below it), main.rs / lib.rs / mod.rs first."""
    names = sorted(n for n in os.listdir(folder) if n.endswith(".rs") and os.path.isfile(os.path.join(folder, n)))
    first = [n for n in ("main.rs", "lib.rs", "mod.rs") if n in names]
    return first + [n for n in names if n not in first]


def lesson_dirs():
    return sorted(
        d for d in os.listdir(os.path.join(ROOT, "lessons"))
        if re.fullmatch(r"\d\d_\w+", d) and os.path.isdir(os.path.join(ROOT, "lessons", d))
    )


def titles(edition):
    """Lesson page -> its title in that edition's SUMMARY."""
    out = {}
    with open(os.path.join(EDITIONS[edition], "SUMMARY.md"), encoding="utf-8") as f:
        for m in re.finditer(r"^\s*- \[([^\]]+)\]\((\d\d_\w+\.md)\)", f.read(), re.M):
            out[m.group(2)] = m.group(1)
    return out


def run_command(lesson):
    # Lesson 13 measures time: its page runs it with --release.
    release = "--release " if lesson == "13_nagle_stall" else ""
    return f"cargo run {release}--example {lesson}"


def file_sections(files, rel_dir, depth):
    """One heading (id = file name) and one included block per file."""
    up = "../" * depth
    out = []
    for name in files:
        out.append(f"## `{name}` {{#{name}}}\n\n```rust\n{{{{#include {up}{rel_dir}/{name}}}}}\n```\n")
    return "\n".join(out)


def files_line(t, files):
    return t["files"].format(list=t["sep"].join(f"[`{n}`](#{n})" for n in files))


def pages():
    """Every code page of both editions: {absolute path: text}."""
    out = {}
    lessons = lesson_dirs()
    for edition, folder in EDITIONS.items():
        t = TEXT[edition]
        depth = 2 if edition == "en" else 3  # docs/code/ or docs/zh-CN/code/ up to the root
        names = titles(edition)
        index = [f"# {t['index_title']}\n", t["index_intro"] + "\n", f"## {t['lessons']}\n"]
        for lesson in lessons:
            nn, name = lesson.split("_", 1)
            page = f"{lesson}.md"
            if page not in names:
                sys.exit(f"docs_code: {lesson} has no entry in {os.path.relpath(folder, ROOT)}/SUMMARY.md")
            files = rs_files(os.path.join(ROOT, "lessons", lesson))
            head = t["lesson_title"].format(nn=nn, name=name)
            intro = t["lesson_intro"].format(dir=lesson, title=names[page], page=page, run=run_command(lesson))
            out[f"code/{lesson}.md"] = (
                f"# {head}\n\n{intro}\n\n{files_line(t, files)}\n\n"
                + file_sections(files, f"lessons/{lesson}", depth)
            )
            index.append(f"- [{head}]({lesson}.md){t['colon']}{names[page]}")
        index.append(f"\n## {t['more']}\n")
        for key, rel in (("exercises", "lessons/exercises"), ("solutions", "lessons/exercises/solutions")):
            files = rs_files(os.path.join(ROOT, rel))
            out[f"code/{key}.md"] = (
                f"# {t[key + '_title']}\n\n{t[key + '_intro']}\n\n{files_line(t, files)}\n\n"
                + file_sections(files, rel, depth)
            )
            index.append(f"- [{t[key + '_title']}]({key}.md)")
        for page, layer in LAYERS:
            rel = "shared" if layer is None else f"shared/{layer}"
            files = rs_files(os.path.join(ROOT, rel))
            if layer is None:
                head, intro = t["shared_title"], t["shared_intro"]
            else:
                head, intro = t["layer_title"].format(layer=layer), t["layer_intro"].format(layer=layer)
            out[f"code/{page}.md"] = (
                f"# {head}\n\n{intro}\n\n{files_line(t, files)}\n\n" + file_sections(files, rel, depth)
            )
            index.append(f"- [{head}]({page}.md)")
        out["code/README.md"] = "\n".join(index) + "\n"
        for rel in [r for r in out if r.startswith("code/")]:
            out[os.path.join(folder, rel)] = out.pop(rel)
    return out


def code_target(path):
    """A repository path (lessons/…, shared/…) -> the code page and anchor that show it."""
    parts = path.rstrip("/").split("/")
    if parts[0] == "lessons":
        if len(parts) == 1:
            return "code/index.html"  # mdBook makes a folder's README.md its index.html
        if parts[1] == "exercises":
            if len(parts) == 2:
                return "code/exercises.md"
            if parts[2] == "solutions":
                return "code/solutions.md" + (f"#{parts[3]}" if len(parts) > 3 else "")
            return f"code/exercises.md#{parts[2]}"
        if re.fullmatch(r"\d\d_\w+", parts[1]):
            return f"code/{parts[1]}.md" + (f"#{parts[2]}" if len(parts) > 2 else "")
    if parts[0] == "shared":
        if len(parts) == 1:
            return "code/shared.md"
        if len(parts) == 2 and parts[1].endswith(".rs"):
            return f"code/shared.md#{parts[1]}"
        if parts[1] in ("wire", "guard", "stage"):
            return f"code/shared_{parts[1]}.md" + (f"#{parts[2]}" if len(parts) > 2 else "")
    return None


def rewrite(text, edition, where):
    up = "../" if edition == "en" else "../../"
    problems = []

    def code(m):
        path, title = m.group(1), m.group(2) or ""
        target = code_target(path)
        if target is None:
            problems.append(f"{where}: no code page shows {path}")
            return m.group(0)
        if not os.path.exists(os.path.join(ROOT, path)):
            problems.append(f"{where}: {path} does not exist")
        return f"]({target}{title})"

    # ](../lessons/x/y.rs), with any #fragment dropped (the code page's anchor is the file's)
    # and any "title" kept.
    text = re.sub(r"\]\(" + re.escape(up) + r"((?:lessons|shared)(?:/[^)#\s]*)?)(?:#[^)\s]*)?( \"[^\"]*\")?\)",
                  code, text)
    # Bare folders of the book.
    if edition == "en":
        text = text.replace("](zh-CN/)", "](zh-CN/index.html)")
    else:
        text = text.replace("](../)", "](../index.html)")
    text = text.replace("](./)", "](index.html)")
    return text, problems


def page_files(edition):
    folder = EDITIONS[edition]
    return sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".md"))


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what not in ("pages", "links", "check"):
        sys.exit(__doc__)
    changed, problems = [], []
    if what in ("pages", "check"):
        want = pages()
        for edition, folder in EDITIONS.items():
            code_dir = os.path.join(folder, "code")
            if os.path.isdir(code_dir):
                for n in os.listdir(code_dir):
                    p = os.path.join(code_dir, n)
                    if p not in want:
                        changed.append(p)
                        if what == "pages":
                            os.remove(p)
        for path, text in want.items():
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
            if old != text:
                changed.append(path)
                if what == "pages":
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(text)
        # Each edition's SUMMARY lists every code page.
        for edition, folder in EDITIONS.items():
            summary = open(os.path.join(folder, "SUMMARY.md"), encoding="utf-8").read()
            for path in want:
                rel = os.path.relpath(path, folder)
                if path.startswith(folder + os.sep + "code") and f"]({rel})" not in summary:
                    problems.append(f"{os.path.relpath(folder, ROOT)}/SUMMARY.md does not list {rel}")
    if what in ("links", "check"):
        for edition in EDITIONS:
            for path in page_files(edition):
                old = open(path, encoding="utf-8").read()
                new, found = rewrite(old, edition, os.path.relpath(path, ROOT))
                problems += found
                if new != old:
                    changed.append(path)
                    if what == "links":
                        with open(path, "w", encoding="utf-8") as f:
                            f.write(new)
    for p in problems:
        print("docs code:", p)
    rel = sorted(os.path.relpath(p, ROOT) for p in changed)
    if what == "check":
        for p in rel:
            print("docs code: out of date:", p)
        if rel or problems:
            print("docs code: run `python3 .ci/docs_code.py pages` and `python3 .ci/docs_code.py links`")
            return 1
        print("docs code: the code pages and the pages' code links are up to date")
        return 0
    for p in rel:
        print("docs code: wrote", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
