// Rebuilds the search index of each built book (target/book, target/book/zh-CN) so that
// Chinese can be found: the same sections and texts mdBook indexed, tokenized by
// docs/search-cjk.js (Chinese as characters and pairs), with elasticlunr, the library the
// book's own search runs. Run by .ci/docs after mdbook build.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const cjk = require(path.join(root, "docs", "search-cjk.js"));

for (const dir of ["target/book", "target/book/zh-CN"]) {
  const book = path.join(root, dir);
  const files = fs.readdirSync(book);
  const indexFile = files.find((f) => /^searchindex.*\.js$/.test(f));
  const lunrFile = files.find((f) => /^elasticlunr.*\.js$/.test(f));
  // The index file sets window.search; run it to read what mdBook indexed.
  const sandbox = { window: { search: {} } };
  vm.runInNewContext(fs.readFileSync(path.join(book, indexFile), "utf8"), sandbox);
  const config = sandbox.window.search;
  const docs = config.index.documentStore.docs;

  const elasticlunr = require(path.join(book, lunrFile));
  cjk.install(elasticlunr);
  const index = elasticlunr(function () {
    this.setRef("id");
    for (const field of config.index.fields) this.addField(field);
    this.saveDocument(true);
  });
  for (const [id, doc] of Object.entries(docs)) index.addDoc({ id, ...doc });
  config.index = index.toJSON();

  const text = `window.search = Object.assign(window.search, JSON.parse(${JSON.stringify(JSON.stringify(config))}));\n`;
  fs.writeFileSync(path.join(book, indexFile), text);
  console.log(`docs search: ${dir}: ${Object.keys(docs).length} sections indexed with Chinese words`);
}
