// Opens every built page of the site (both editions, target/book) in headless Chromium, as
// a reader opening the files would, and fails on:
// - a console error or warning, a page error, a request that failed (a missing image or
//   script);
// - a mermaid diagram that did not render or rendered mermaid's error, and a diagram of the
//   sources that mermaid cannot parse;
// - a page without the language switch, or whose switch does not open the same page in the
//   other edition (the other edition's index for a page the other edition has not);
// - a code link (to the code pages) that does not open a page with that file's heading;
// - a page that scrolls sideways, or a table or transcript wider than the text column
//   that does not scroll inside its own box (at a desktop width and a phone's);
// - a search that finds nothing: 粘包 and recv in both editions, Nagle in both.
// With DOCS_HTTP=http://127.0.0.1:PORT/ (the site served by `docs/book.sh serve`), it
// also opens both index pages over HTTP, follows their language switches and searches 粘包.
// Takes screenshots into target/book-screenshots/. Run by .ci/docs.
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
  return out.sort();
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

// A page's edition and its path inside that edition ("zh-CN", "code/01_tcp_once.html").
function edition(file) {
  const rel = path.relative(book, file).split(path.sep).join("/");
  return rel.startsWith("zh-CN/") ? ["zh-CN", rel.slice(6)] : ["en", rel];
}

const problems = [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--allow-file-access-from-files"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
let current = "";
page.on("console", (msg) => {
  if (msg.type() === "error" || msg.type() === "warning") {
    problems.push(`${current}: console ${msg.type()}: ${msg.text()}`);
  }
});
page.on("pageerror", (err) => problems.push(`${current}: page error: ${err.message}`));
page.on("requestfailed", (req) => problems.push(`${current}: failed to load ${req.url()}`));

// Opens a URL; true if it is a page of the book (not an error page or a folder's listing).
async function open(url) {
  try {
    await page.goto(url, { waitUntil: "load" });
  } catch (e) {
    problems.push(`${current}: ${url} does not open: ${String(e.message).split("\n")[0]}`);
    return false;
  }
  if ((await page.locator("#mdbook-content main").count()) === 0) {
    problems.push(`${current}: ${url} opens no page of the book`);
    return false;
  }
  return true;
}

// Sideways overflow: the page itself, and wide tables and blocks outside a scroll box.
async function overflow(width) {
  return page.evaluate((width) => {
    const out = [];
    const de = document.documentElement;
    if (de.scrollWidth > de.clientWidth + 1) out.push(`at ${width} px the page scrolls sideways (${de.scrollWidth} > ${de.clientWidth})`);
    const main = document.querySelector("main").getBoundingClientRect();
    for (const el of document.querySelectorAll("main table, main pre")) {
      if (el.closest("details:not([open])")) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= main.right + 1) continue;
      // Wider than the column: fine only inside a box that scrolls sideways.
      let scroller = false;
      for (let s = el.parentElement; s && s.tagName !== "MAIN"; s = s.parentElement) {
        const o = getComputedStyle(s).overflowX;
        if ((o === "auto" || o === "scroll") && s.getBoundingClientRect().right <= main.right + 1) scroller = true;
      }
      if (!scroller) out.push(`at ${width} px a ${el.tagName.toLowerCase()} runs past the text column`);
    }
    for (const code of document.querySelectorAll("main pre > code")) {
      if (code.closest("details:not([open])")) continue;
      const o = getComputedStyle(code).overflowX;
      if (code.scrollWidth > code.clientWidth + 1 && o !== "auto" && o !== "scroll") {
        out.push(`at ${width} px a code block is cut (${code.scrollWidth} > ${code.clientWidth}, overflow ${o})`);
      }
    }
    return out;
  }, width);
}

const all = pages(book);
const switches = new Map(); // page -> the switch's href
const codeLinks = new Map(); // code link target -> the first page that has it
let drawn = 0;
for (const file of all) {
  current = path.relative(book, file);
  if (!(await open(pathToFileURL(file).href))) continue;
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
  const link = page.locator("#mdbook-menu-bar #language-switch");
  if ((await link.count()) !== 1) {
    problems.push(`${current}: no language switch in the menu bar`);
  } else {
    switches.set(file, await link.evaluate((a) => a.href));
  }
  for (const href of await page.$$eval("main a[href]", (as) => as.map((a) => a.href))) {
    if (/\/code\/[^/]+\.html(#.*)?$/.test(href) && !codeLinks.has(href)) codeLinks.set(href, current);
  }
  problems.push(...(await overflow(1280)).map((p) => `${current}: ${p}`));
}

// The same pages at a phone's width: nothing may make the page scroll sideways.
await page.setViewportSize({ width: 400, height: 800 });
for (const file of all) {
  current = path.relative(book, file);
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  problems.push(...(await overflow(400)).map((p) => `${current}: ${p}`));
}
await page.setViewportSize({ width: 1280, height: 900 });

// Every language switch opens the same page in the other edition.
let switched = 0;
for (const [file, href] of switches) {
  current = `switch on ${path.relative(book, file)}`;
  const [here, rel] = edition(file);
  const other = here === "en" ? "zh-CN" : "en";
  // The same page if the other edition has it, else the other edition's index.
  const otherRoot = other === "en" ? book : path.join(book, "zh-CN");
  const wantFile = path.join(otherRoot, fs.existsSync(path.join(otherRoot, rel)) ? rel : "index.html");
  const target = href.split("#")[0];
  if (target !== pathToFileURL(wantFile).href) {
    problems.push(`${current}: goes to ${target}, not ${pathToFileURL(wantFile).href}`);
    continue;
  }
  if (await open(href)) {
    const lang = await page.evaluate(() => document.documentElement.lang);
    if (lang !== other) problems.push(`${current}: ${href} is in ${lang}, not ${other}`);
    else switched += 1;
  }
}

// Every code link opens a code page at that file's heading.
let codeOpened = 0;
for (const [href, from] of codeLinks) {
  current = `code link ${href.replace(pathToFileURL(book).href, "")} on ${from}`;
  if (!(await open(href))) continue;
  const id = decodeURIComponent(new URL(href).hash.slice(1));
  if (id) {
    const heading = await page.evaluate((id) => {
      const el = document.getElementById(id);
      return el ? el.tagName : null;
    }, id);
    if (!/^H[1-6]$/.test(heading || "")) {
      problems.push(`${current}: no heading #${id} on that page`);
      continue;
    }
  }
  codeOpened += 1;
}

// Parse every diagram of the sources with the page's own mermaid.
current = "mermaid.parse";
await open(pathToFileURL(path.join(book, "index.html")).href);
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

// Search, in each edition: the index is rebuilt in the browser (docs/search-cjk.js).
async function search(url, word) {
  await page.goto(url, { waitUntil: "load" });
  await page.click("#mdbook-search-toggle");
  // Typed, then a key pressed: the search runs on key events, which Chinese typed by the
  // test (inserted as text) does not send.
  await page.type("#mdbook-searchbar", word);
  await page.press("#mdbook-searchbar", "End");
  try {
    await page.waitForFunction(
      () => document.querySelectorAll("#mdbook-searchresults li").length > 0,
      null,
      { timeout: 10000 },
    );
    return await page.locator("#mdbook-searchresults li").count();
  } catch {
    problems.push(`${current}: no result`);
    return 0;
  }
}
const found = [];
for (const dir of ["", "zh-CN"]) {
  for (const word of ["粘包", "recv", "Nagle"]) {
    current = `search ${dir || "en"} ${word}`;
    const n = await search(pathToFileURL(path.join(book, dir, "index.html")).href, word);
    found.push(`${dir || "en"} ${word}: ${n}`);
  }
}

// Over HTTP, as `docs/book.sh serve` serves it: the index pages, their switches, search.
const http = process.env.DOCS_HTTP;
if (http) {
  for (const [start, other] of [["", "zh-CN/index.html"], ["zh-CN/", "index.html"]]) {
    current = `http ${start || "/"}`;
    if (!(await open(new URL(start, http).href))) continue;
    const href = await page.locator("#language-switch").evaluate((a) => a.href);
    if (href !== new URL(other, http).href) problems.push(`${current}: the switch goes to ${href}, not ${new URL(other, http).href}`);
    else if (await open(href)) switched += 1;
  }
  current = "http search zh-CN 粘包";
  found.push(`http zh-CN 粘包: ${await search(new URL("zh-CN/", http).href, "粘包")}`);
}

// Screenshots for a reviewer: a diagram, a table-heavy page, a Chinese page, a code page.
fs.mkdirSync(shots, { recursive: true });
for (const [name, file, target] of [
  ["diagram-02_tcp_loop.png", "02_tcp_loop.html", "pre.mermaid"],
  ["tables-00_tcp_states.png", "00_tcp_states.html", "table"],
  ["zh-CN-04_sticky_demo.png", "zh-CN/04_sticky_demo.html", "pre.mermaid"],
  ["code-01_tcp_once.png", "code/01_tcp_once.html", "main h2"],
]) {
  current = `screenshot ${file}`;
  await page.goto(pathToFileURL(path.join(book, file)).href, { waitUntil: "load" });
  if (target === "pre.mermaid") {
    await page.waitForFunction(() => [...document.querySelectorAll("pre.mermaid")].every((p) => p.querySelector("svg")), null, { timeout: 20000 }).catch(() => {});
  }
  await page.locator(target).first().scrollIntoViewIfNeeded({ timeout: 5000 }).catch(() => problems.push(`${current}: no ${target} to show`));
  await page.screenshot({ path: path.join(shots, name) });
}
await browser.close();

for (const p of problems) console.log("problem:", p);
console.log(`docs browser: search results ${found.join(", ")}`);
console.log(
  `docs browser: ${all.length} pages opened, ${drawn} diagrams drawn, ${sources.length} parsed, ` +
    `${switched} language switches and ${codeOpened} code links followed, ${problems.length} problems`,
);
process.exit(problems.length ? 1 : 0);
