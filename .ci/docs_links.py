#!/usr/bin/env python3
"""Checks every relative link and image in the built book (target/book, both languages):
the file exists, and an #anchor names an element of that page. Links into lessons/ and
shared/ (the code the pages link to) are checked against the repository. Prints each broken
link and exits 1 if there is one."""
import html.parser
import os
import sys
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOK = os.path.join(ROOT, "target", "book")
SKIP = {"print.html", "toc.html", "404.html"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.links.append(attrs["src"])


def parse(path, cache={}):
    if path not in cache:
        page = Page()
        with open(path, encoding="utf-8") as f:
            page.feed(f.read())
        cache[path] = page
    return cache[path]


def main():
    broken, checked = [], 0
    for dirpath, _, files in os.walk(BOOK):
        for name in files:
            if not name.endswith(".html") or name in SKIP:
                continue
            page_path = os.path.join(dirpath, name)
            for link in parse(page_path).links:
                parts = urllib.parse.urlsplit(link)
                if parts.scheme or link.startswith("//") or link.startswith("mailto:"):
                    continue
                checked += 1
                path = urllib.parse.unquote(parts.path)
                target = os.path.normpath(os.path.join(dirpath, path)) if path else page_path
                rel = os.path.relpath(target, os.path.join(ROOT, "target"))
                if rel.split(os.sep)[0] in ("lessons", "shared"):
                    # The code the pages link to: in the repository, beside docs/ (a
                    # folder of it is a fine target too).
                    target = os.path.join(ROOT, rel)
                    if os.path.isdir(target):
                        continue
                if os.path.isdir(target):
                    target = os.path.join(target, "index.html")
                where = os.path.relpath(page_path, BOOK)
                if not os.path.exists(target):
                    broken.append(f"{where}: {link} (no such file)")
                    continue
                fragment = urllib.parse.unquote(parts.fragment)
                if fragment and target.endswith(".html") and fragment not in parse(target).ids:
                    broken.append(f"{where}: {link} (no #{fragment} in that page)")
    for line in broken:
        print("broken link:", line)
    print(f"docs links: {checked} checked, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
