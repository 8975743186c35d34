"""Extracts one of the notes' programs, as the notes wrote it, into a scratch file.

    python3 extract.py RECIPE.json NOTES_DIR OUT.py

A recipe (one JSON file per program, beside this script) says where the program is and
which few substitutions it needs, each with its reason. It holds no code of the notes':

  "notes":   the notes file (000_….txt)
  "anchors": lines of the notes (compared with surrounding spaces trimmed), found in order;
             the program is the first thing after the last anchor
  "block":   take the Nth fenced code block after the anchors (1 = the next one), and
  "part":    optionally its Nth piece, where pieces are separated by lines of dashes;
  or
  "lines":   {"first": "…", "count": N}: N lines starting at the first line equal to
             "first" (notes E, a web page whose code blocks lost their fences), with
  "indent":  (optional) one digit per line, the indentation level (4 spaces each) the page
             lost: the levels are data, the code itself is untouched
  "substitutions": [{"find": "…", "replace": "…", "count": 1, "reason": "…"}]: exact
             replacements; a "find" that occurs a different number of times than "count"
             is an error, so a changed notes file is noticed. In "replace", $PORT(8080)
             becomes the port from $NOTES_PORT (default the notes' own, 8080) and $HOST(…)
             the host from $NOTES_HOST
  "append":  [{"line": "…", "reason": "…"}]: a line added at the end (for a function the
             notes define and never call)

Before the program, a prelude (the harness, not the notes) reports where a server listens:
`listening on HOST:PORT` after listen() and `bound to HOST:PORT` after a UDP bind(), so a
test can start it on port 0 and learn the port. It changes nothing the program does.
"""
import json
import os
import re
import sys

PRELUDE = '''# --- harness prelude (tests/notes_programs/extract.py), not part of the notes ---
import socket as _harness_socket
def _harness_report(what, sock):
    host, port = sock.getsockname()[:2]
    print(f"{what} {host}:{port}", flush=True)
_harness_listen = _harness_socket.socket.listen
def _harness_listen_and_report(self, *args):
    _harness_listen(self, *args)
    _harness_report("listening on", self)
_harness_socket.socket.listen = _harness_listen_and_report
_harness_bind = _harness_socket.socket.bind
def _harness_bind_and_report(self, *args):
    _harness_bind(self, *args)
    if self.type == _harness_socket.SOCK_DGRAM:
        _harness_report("bound to", self)
_harness_socket.socket.bind = _harness_bind_and_report
# --- end of the prelude; the notes' program follows ---
'''

FENCE = re.compile(r"^(`{3,})\w*\s*$")
DASHES = re.compile(r"^-{5,}\s*$")


def fail(recipe, message):
    sys.exit(f"{recipe}: {message} (has the notes file changed?)")


def find_line(recipe, lines, start, text):
    for i in range(start, len(lines)):
        if lines[i].strip() == text.strip():
            return i
    fail(recipe, f"no line {text!r} after line {start + 1}")


def fenced_blocks(lines, start):
    """(first, end) line indexes of each fenced block's body, from `start` on."""
    i = start
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m:
            fence = m.group(1)
            j = i + 1
            while j < len(lines) and lines[j].strip() != fence:
                j += 1
            yield i + 1, j
            i = j + 1
        else:
            i += 1


def extract(recipe_path, notes_dir):
    recipe = json.load(open(recipe_path, encoding="utf-8"))
    name = os.path.basename(recipe_path)
    lines = open(os.path.join(notes_dir, recipe["notes"]), encoding="utf-8").read().split("\n")
    at = 0
    for anchor in recipe["anchors"]:
        at = find_line(name, lines, at, anchor) + 1
    if "block" in recipe:
        blocks = list(fenced_blocks(lines, at))
        if len(blocks) < recipe["block"]:
            fail(name, f"fewer than {recipe['block']} code blocks after the anchors")
        first, end = blocks[recipe["block"] - 1]
        code = lines[first:end]
        if "part" in recipe:
            parts, piece = [], []
            for line in code:
                if DASHES.match(line):
                    parts.append(piece)
                    piece = []
                else:
                    piece.append(line)
            parts.append(piece)
            code = parts[recipe["part"] - 1]
    else:
        spec = recipe["lines"]
        first = find_line(name, lines, at, spec["first"])
        code = lines[first:first + spec["count"]]
        if "indent" in recipe:
            levels = recipe["indent"].replace(" ", "")
            if len(levels) != len(code):
                fail(name, f"{len(levels)} indentation levels for {len(code)} lines")
            code = ["    " * int(level) + line.strip() for level, line in zip(levels, code)]
    text = "\n".join(code) + "\n"
    for sub in recipe.get("substitutions", []):
        found = text.count(sub["find"])
        if found != sub.get("count", 1):
            fail(name, f"{sub['find']!r} occurs {found} times, not {sub.get('count', 1)}")
        text = text.replace(sub["find"], expand(sub["replace"]))
    for extra in recipe.get("append", []):
        text += expand(extra["line"]) + "\n"
    return PRELUDE + text


def expand(replacement):
    replacement = re.sub(
        r"\$PORT\((\d+)\)",
        lambda m: f'int(__import__("os").environ.get("NOTES_PORT", "{m.group(1)}"))',
        replacement,
    )
    return re.sub(
        r"\$HOST\(([^)]*)\)",
        lambda m: f'__import__("os").environ.get("NOTES_HOST", "{m.group(1)}")',
        replacement,
    )


if __name__ == "__main__":
    recipe_path, notes_dir, out = sys.argv[1:4]
    program = extract(recipe_path, notes_dir)
    with open(out, "w", encoding="utf-8") as f:
        f.write(program)
