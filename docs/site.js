// The language switch: a link in every page's menu bar to the same page in the other
// edition. The two editions are one site (docs/book.sh): English at the root, Chinese under
// zh-CN/, with the same file names, so the other page's address is this page's address
// with zh-CN/ added or taken away. Loaded by both editions (book.toml's additional-js).
(function () {
    "use strict";
    // Pages one edition has and the other has not: the switch goes to the other's index.
    var ONLY_IN = { "zh-CN": ["glossary.html"], en: [] };
    var LABEL = {
        en: { text: "中文", title: "本页的中文版", lang: "zh-CN" },
        "zh-CN": { text: "English", title: "This page in English", lang: "en" },
    };

    var here = document.documentElement.lang === "zh-CN" ? "zh-CN" : "en";
    var other = here === "en" ? "zh-CN" : "en";
    // path_to_root is set by mdBook's page template ("" at the top, "../" one folder down).
    var bookRoot = new URL((typeof path_to_root === "string" && path_to_root) || "./", location.href);
    var siteRoot = here === "en" ? bookRoot : new URL("../", bookRoot);
    var page = location.href.split("#")[0].split("?")[0];
    if (page.indexOf(bookRoot.href) !== 0) {
        return; // not a page of this book (mdBook's 404 page served elsewhere)
    }
    var rel = page.slice(bookRoot.href.length);
    if (rel === "" || rel.slice(-1) === "/") {
        rel += "index.html"; // a folder: its index (a browser on file:// lists the folder)
    }
    if (ONLY_IN[here].indexOf(rel) !== -1) {
        rel = "index.html";
    }
    var target = new URL((other === "zh-CN" ? "zh-CN/" : "") + rel, siteRoot).href;
    // The code pages' anchors are file names, the same in both editions; the other pages'
    // anchors come from headings in their own language.
    if (rel.indexOf("code/") === 0) {
        target += location.hash;
    }

    var link = document.createElement("a");
    link.className = "language-switch";
    link.id = "language-switch";
    link.href = target;
    link.textContent = LABEL[here].text;
    link.title = LABEL[here].title;
    link.lang = LABEL[here].lang;
    link.hreflang = LABEL[here].lang;
    var bar = document.querySelector("#mdbook-menu-bar .right-buttons");
    if (bar) {
        bar.insertBefore(link, bar.firstChild);
    }
    // A code page's anchor changes as the reader follows links within it: keep up.
    if (rel.indexOf("code/") === 0) {
        window.addEventListener("hashchange", function () {
            link.href = target.split("#")[0] + location.hash;
        });
    }
})();
