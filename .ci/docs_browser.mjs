// Opens every built page of the book (both languages) in headless Chromium and fails on a
// console error, a page error, a request that failed (a missing image or script), a mermaid
// diagram that did not render or rendered mermaid's error, and a diagram of the sources
// that mermaid cannot parse. Also searches each book for 粘包 and Nagle, and takes three
// screenshots into target/book-screenshots/. Run by .ci/docs.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
// playwright-core is installed by .ci/docs into target/docs-node, not beside this file.
const nodeDir = process.env.DOCS_NODE || path.join(root, "target", "docs-node");
const { chromium } = createRequire(path.join(nodeDir, "package.json"))("playwright-core");
const book = path.join(root, "target", "book");
const shots = path.join(root, "target", "book-screenshots");
const skip = new Set(["print.html", "toc.html", "404.html"]);

function pages(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!["css", "fonts", "FontAwesome", "searchindex"].includes(entry.name)) out.push(...pages(full));
    } else if (entry.name.endsWith(".html") && !skip.has(entry.name)) {
      out.push(full);
    }
  }
  return out;
}

// Every ```mermaid block of the Markdown sources, both languages.
function diagrams() {
  const out = [];
  for (const dir of ["docs", "docs/zh-CN"]) {
    for (const name of fs.readdirSync(path.join(root, dir))) {
      if (!name.endsWith(".md")) continue;
      const text = fs.readFileSync(path.join(root, dir, name), "utf8");
      for (const m of text.matchAll(/```mermaid\n([\s\S]*?)```/g)) out.push([`${dir}/${name}`, m[1]]);
    }
  }
  return out;
}

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--allow-file-access-from-files"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
let current = "";
page.on("console", (msg) => {
  if (msg.type() === "error") problems.push(`${current}: console error: ${msg.text()}`);
});
page.on("pageerror", (err) => problems.push(`${current}: page error: ${err.message}`));
page.on("requestfailed", (req) => problems.push(`${current}: failed to load ${req.url()}`));

const all = pages(book);
let drawn = 0;
for (const file of all) {
  current = path.relative(book, file);
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  const count = await page.locator("pre.mermaid").count();
  if (count > 0) {
    try {
      // mermaid replaces each block's text with an <svg> once drawn.
      await page.waitForFunction(
        () => [...document.querySelectorAll("pre.mermaid")].every((p) => p.querySelector("svg")),
        null,
        { timeout: 20000 },
      );
    } catch {
      problems.push(`${current}: a mermaid diagram was not drawn`);
    }
    const bombs = await page.locator("text=Syntax error in text").count();
    if (bombs > 0) problems.push(`${current}: mermaid drew its syntax-error bomb`);
    drawn += count;
  }
}

// Parse every diagram of the sources with the page's own mermaid.
await page.goto(pathToFileURL(path.join(book, "index.html")).href, { waitUntil: "load" });
current = "mermaid.parse";
const sources = diagrams();
for (const [where, text] of sources) {
  const error = await page.evaluate(async (src) => {
    try {
      await window.mermaid.parse(src);
      return null;
    } catch (e) {
      return String(e.message || e).split("\n")[0];
    }
  }, text);
  if (error) problems.push(`${where}: mermaid cannot parse a diagram: ${error}`);
}

// Search, in each book.
for (const [dir, words] of [["", ["粘包", "Nagle"]], ["zh-CN", ["粘包", "Nagle"]]]) {
  for (const word of words) {
    current = `search ${dir || "en"} ${word}`;
    await page.goto(pathToFileURL(path.join(book, dir, "index.html")).href, { waitUntil: "load" });
    await page.click("#mdbook-search-toggle");
    // Typed, not filled: the search runs on key events.
    await page.type("#mdbook-searchbar", word);
    await page.press("#mdbook-searchbar", "End");
    try {
      await page.waitForFunction(
        () => document.querySelectorAll("#mdbook-searchresults li").length > 0,
        null,
        { timeout: 10000 },
      );
    } catch {
      problems.push(`${current}: no result`);
    }
  }
}

// Three screenshots for a reviewer: a diagram, a table-heavy page, a zh-CN page.
fs.mkdirSync(shots, { recursive: true });
for (const [name, file] of [
  ["diagram-02_tcp_loop.png", "02_tcp_loop.html"],
  ["tables-00_tcp_states.png", "00_tcp_states.html"],
  ["zh-CN-04_sticky_demo.png", "zh-CN/04_sticky_demo.html"],
]) {
  current = `screenshot ${file}`;
  await page.goto(pathToFileURL(path.join(book, file)).href, { waitUntil: "load" });
  const target = name.startsWith("tables") ? "table" : "pre.mermaid";
  if (name.startsWith("diagram") || name.startsWith("zh-CN")) {
    await page.waitForFunction(() => [...document.querySelectorAll("pre.mermaid")].every((p) => p.querySelector("svg")), null, { timeout: 20000 }).catch(() => {});
  }
  await page.locator(target).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(shots, name) });
}
await browser.close();

for (const p of problems) console.log("problem:", p);
console.log(`docs browser: ${all.length} pages opened, ${drawn} diagrams drawn, ${sources.length} parsed, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
