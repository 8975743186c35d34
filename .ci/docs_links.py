#!/usr/bin/env python3
"""Checks every relative link and image in the built site (target/book, both editions): it
stays inside the site, names a file (not a folder, which a browser opening the files shows
as a bare directory listing), and an #anchor names an element of that page. The code the
pages talk about is on the site's code pages (.ci/docs_code.py), so a link into lessons/ or
shared/ is broken too. Prints each broken link and exits 1 if there is one."""
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
                where = os.path.relpath(page_path, BOOK)
                if os.path.relpath(target, BOOK).startswith(".."):
                    broken.append(f"{where}: {link} (outside the site)")
                    continue
                if os.path.isdir(target):
                    broken.append(f"{where}: {link} (a folder, not a page)")
                    continue
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
