#!/usr/bin/env bash
# The course as a site: both editions of the book, English at the root and Chinese under
# zh-CN/, from one command.
#
#   bash docs/book.sh build          both editions into target/book/ (open target/book/index.html)
#   bash docs/book.sh serve [PORT]   build, serve on http://127.0.0.1:PORT/ (3000 by default),
#                                    and rebuild when docs/, lessons/ or shared/ change
#
# On a machine that has never built the book, it first installs the pinned mdBook and
# mdbook-mermaid into target/tools (cargo install --locked: a few minutes, once); later runs
# only check their versions. Each build lays the files both editions share beside their
# pages (mermaid, site.css, site.js, search-cjk.js), builds each edition into a folder of
# its own, puts the Chinese one under the English one, and only then swaps the result into
# target/book: what was built before, and in what order, makes no difference. Any warning
# from mdBook or a preprocessor fails the build. `.ci/docs` builds the site with this
# script, then checks it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

# mdbook-mermaid 0.17.1 (the newest) is built against mdBook 0.5.0: its Cargo.lock pins
# mdbook-preprocessor 0.5.0, and it warns on every build when called by any other mdBook
# version. So mdBook is pinned to the version it was built for.
mdbook_version=0.5.0
mermaid_version=0.17.1
tools="$root/target/tools"
export PATH="$tools/bin:$PATH"

say() { echo "book: $*" >&2; }

tools() {
    if ! "$tools/bin/mdbook" --version 2>/dev/null | grep -qx "mdbook v$mdbook_version"; then
        say "installing mdBook $mdbook_version into target/tools (once; cargo builds it, a few minutes)"
        # Only what a build needs: no `serve` or `watch` (a web server and a file watcher,
        # most of mdBook's compile time); this script serves and watches.
        cargo install --quiet --locked --root "$tools" --no-default-features --features search \
            "mdbook@$mdbook_version" || return 1
    fi
    if ! "$tools/bin/mdbook-mermaid" --version 2>/dev/null | grep -qx "mdbook-mermaid $mermaid_version"; then
        say "installing mdbook-mermaid $mermaid_version into target/tools (once; a few minutes)"
        cargo install --quiet --locked --root "$tools" "mdbook-mermaid@$mermaid_version" || return 1
    fi
}

# Copies a file unless the copy is already the same (so that `serve` sees no change).
lay() { cmp -s "$1" "$2" || cp "$1" "$2"; }

assets() {
    # mermaid as this mdbook-mermaid bundles it, written into a scratch book so that
    # `install` neither edits our book.toml nor keeps an older copy it finds.
    local scratch
    scratch=$(mktemp -d) || return 1
    : >"$scratch/book.toml"
    if ! mdbook-mermaid install "$scratch" >"$scratch/log" 2>&1; then
        cat "$scratch/log" >&2
        say "mdbook-mermaid install failed"
        rm -rf "$scratch"
        return 1
    fi
    for edition in docs docs/zh-CN; do
        lay "$scratch/mermaid.min.js" "$edition/mermaid.min.js" || return 1
        lay "$scratch/mermaid-init.js" "$edition/mermaid-init.js" || return 1
    done
    rm -rf "$scratch"
    # The files both editions load (book.toml's additional-css and additional-js): one
    # copy in docs/, laid beside the Chinese edition's pages (not committed).
    for file in site.css site.js search-cjk.js; do
        lay "docs/$file" "docs/zh-CN/$file" || return 1
    done
}

# mdbook build BOOK into DEST; anything it prints beyond its INFO lines is a failure.
build_edition() {
    local book=$1 dest=$2 log=$3
    if ! mdbook build "$book" --dest-dir "$dest" >"$log" 2>&1; then
        cat "$log" >&2
        say "mdbook build $book failed"
        return 1
    fi
    if grep -vE '^ *INFO ' "$log" >&2; then
        say "mdbook build $book printed the lines above (a warning is a failure here)"
        return 1
    fi
}

# Every step checks its own result: `serve` runs this where `set -e` does not apply.
build() {
    tools || return 1
    assets || return 1
    mkdir -p target || return 1
    local work
    work=$(mktemp -d "$root/target/book-build.XXXXXX") || return 1
    local status=0
    build_edition docs "$work/site" "$work/en.log" &&
        build_edition docs/zh-CN "$work/zh-CN" "$work/zh-CN.log" &&
        # The English build copies every file of docs/ that is not a page, docs/zh-CN/
        # included: the Chinese edition's own build takes that place. The books' settings
        # and this script are sources, not pages.
        rm -rf "$work/site/zh-CN" &&
        mv "$work/zh-CN" "$work/site/zh-CN" &&
        rm -f "$work/site/book.toml" "$work/site/book.sh" "$work/site/zh-CN/book.toml" &&
        { [ ! -e target/book ] || mv target/book "$work/old"; } &&
        mv "$work/site" target/book ||
        status=1
    rm -rf "$work"
    [ $status = 0 ] || return 1
    say "built target/book/ (English) and target/book/zh-CN/ (中文): open target/book/index.html"
}

font_hint() {
    # The pages name the usual Chinese fonts (site.css); a machine with none shows boxes.
    if command -v fc-list >/dev/null && ! fc-list :lang=zh 2>/dev/null | grep -q .; then
        say "no Chinese font found on this machine: the Chinese pages will show boxes here"
        say "(Debian/Ubuntu: apt-get install fonts-noto-cjk; any of Noto Sans CJK SC, WenQuanYi, PingFang SC, Microsoft YaHei will do)"
    fi
}

# The site on 127.0.0.1:PORT with Python's http.server: the code's files as text, never a
# download; no caching, so a reload shows the last build; mdBook's 404 page for a missing one.
server() {
    exec python3 - "$1" <<'PY'
import functools, http.server, os, sys

port = int(sys.argv[1])
site = os.path.join(os.getcwd(), "target", "book")
text = {e: f"text/plain; charset=utf-8" for e in (".rs", ".toml", ".md", ".sh", ".py", ".txt")}

class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **text,
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".svg": "image/svg+xml",
        ".woff2": "font/woff2",
    }

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def send_error(self, code, message=None, explain=None):
        page = os.path.join(site, "404.html")
        if code != 404 or not os.path.exists(page):
            return super().send_error(code, message, explain)
        body = open(page, "rb").read()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.ThreadingHTTPServer.allow_reuse_address = True
try:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=site))
except OSError as e:
    sys.exit(f"book: cannot serve on 127.0.0.1:{port}: {e.strerror}")
print(f"book: serving http://127.0.0.1:{port}/ (English) and http://127.0.0.1:{port}/zh-CN/ (中文)", file=sys.stderr, flush=True)
try:
    httpd.serve_forever()
except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the script says goodbye
    pass
PY
}

# Files whose change means a rebuild: the pages and what they include. Not the files a
# build lays itself.
changed_since() {
    find docs lessons shared -type f -newer "$1" \
        ! -name 'mermaid.min.js' ! -name 'mermaid-init.js' \
        ! -path 'docs/zh-CN/site.css' ! -path 'docs/zh-CN/site.js' ! -path 'docs/zh-CN/search-cjk.js' \
        -print -quit 2>/dev/null | grep -q .
}

serve() {
    local port=${1:-3000}
    case $port in
        '' | *[!0-9]*) say "serve takes a port number, not '$port'"; exit 2 ;;
    esac
    command -v python3 >/dev/null || { say "serve needs python3; without it, build and open target/book/index.html"; exit 1; }
    build || exit 1
    font_hint
    mkdir -p target
    local stamp=target/book-serve.stamp
    touch "$stamp"
    server "$port" &
    local pid=$!
    # shellcheck disable=SC2064
    trap "kill $pid 2>/dev/null; rm -f '$stamp'" EXIT
    trap 'exit 0' INT TERM
    say "rebuilding when docs/, lessons/ or shared/ change (reload the page to see it); Ctrl-C stops"
    while kill -0 "$pid" 2>/dev/null; do
        sleep 1
        if changed_since "$stamp"; then
            touch "$stamp"
            say "a file changed: rebuilding"
            (build) || say "the build failed: still serving the last site that built"
        fi
    done
    wait "$pid" || { say "the server stopped (is port $port taken? try: bash docs/book.sh serve 3001)"; exit 1; }
}

case ${1:-} in
    build) build || exit 1; font_hint ;;
    serve) serve "${2:-}" ;;
    *)
        sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
