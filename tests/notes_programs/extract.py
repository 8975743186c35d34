"""Extracts one of the notes' programs from the notes themselves, applying only the
substitutions its recipe declares, and writes it where the test asks.

    python3 extract.py NOTES_DIR RECIPES_JSON RECIPE_ID OUT_FILE

The course keeps no copy of the notes' code: a recipe says where a program is (which set of
notes, which section heading, which code block) and what must change for a test to run it
(the port, read from the NOTES_PORT environment variable; Python 3 fixes the notes cannot
run without), each change with its reason. A substitution whose text is not found fails the
extraction: a changed copy of the notes is noticed, not silently run.
"""
import json
import pathlib
import re
import sys

# How each set of notes opens (notes/README.md): the file is found by its first line.
OPENINGS = {
    "A": "# 0 内容回顾",
    "B": "# 网络编程",
    "C": "# 网络编程基础",
    "D": "一、上节回顾",
    "E": "【网络编程】",
}

FENCE = re.compile(r"^(`{3,4})python\s*$")


def notes_file(notes_dir, short):
    for path in sorted(pathlib.Path(notes_dir).glob("*.txt")):
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        if first.startswith(OPENINGS[short]):
            return path
    raise SystemExit(f"notes {short}: no file in {notes_dir} opens with {OPENINGS[short]!r}")


def fenced_block(lines, start, ordinal):
    """The `ordinal`-th (1-based) ```python block after line `start`."""
    seen = 0
    i = start
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            seen += 1
            fence = m.group(1)
            end = i + 1
            while end < len(lines) and lines[end].rstrip() != fence:
                end += 1
            if seen == ordinal:
                return lines[i + 1 : end]
            i = end
        i += 1
    raise SystemExit(f"no python block number {ordinal} after line {start + 1}")


def marked_block(lines, start, first, last):
    """Lines from the first one containing `first` to the next containing `last`."""
    for i in range(start, len(lines)):
        if first in lines[i]:
            for j in range(i, len(lines)):
                if last in lines[j]:
                    return lines[i : j + 1]
            raise SystemExit(f"no line containing {last!r} after {first!r}")
    raise SystemExit(f"no line containing {first!r} after line {start + 1}")


def main():
    notes_dir, recipes_file, recipe_id, out = sys.argv[1:5]
    recipes = json.loads(pathlib.Path(recipes_file).read_text(encoding="utf-8"))
    recipe = next((r for r in recipes if r["id"] == recipe_id), None)
    if recipe is None:
        raise SystemExit(f"no recipe {recipe_id!r}")
    lines = notes_file(notes_dir, recipe["notes"]).read_text(encoding="utf-8").split("\n")
    try:
        start = next(i for i, l in enumerate(lines) if l.strip() == recipe["section"])
    except StopIteration:
        raise SystemExit(f"{recipe_id}: no section heading {recipe['section']!r}")
    if "block" in recipe:
        code = fenced_block(lines, start, recipe["block"])
    else:
        code = marked_block(lines, start, recipe["from"], recipe["to"])
    if "indent" in recipe:
        # Notes E lost its indentation with its HTML: the recipe carries it as data, one
        # level (4 spaces) per line, and the code itself is taken as it stands.
        levels = recipe["indent"]
        if len(levels) != len(code):
            raise SystemExit(
                f"{recipe_id}: {len(levels)} indentation levels for {len(code)} lines"
            )
        code = ["    " * n + l.strip() for n, l in zip(levels, code)]
    text = "\n".join(code) + "\n"
    for sub in recipe.get("subs", []):
        old, new = sub["old"], sub["new"]
        if old not in text:
            raise SystemExit(f"{recipe_id}: substitution target not found: {old!r} ({sub['why']})")
        text = text.replace(old, new)
    prelude = "import os as _notes_os\n"
    text = prelude + text + recipe.get("append", "")
    pathlib.Path(out).write_text(text, encoding="utf-8")


main()
