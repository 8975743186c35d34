// Chinese in the book's search. mdBook builds its index in Rust with a tokenizer that
// splits on spaces and a trimmer that keeps only ASCII letters and digits, so a Chinese
// sentence (no spaces) is one long word, trimmed to nothing: 粘包 is not found. The docs
// check (.ci/docs, docs_search.mjs) rebuilds each book's index with the tokenizer below,
// and this file makes the browser split a query the same way: a run of Chinese characters
// becomes each character and each pair of neighbours (粘包问题: 粘 粘包 包 包问 问 问题 题),
// everything else the words of letters and digits. (Loaded after elasticlunr, before the
// index; also loaded by docs_search.mjs in Node.)
(function (root) {
    var han = /\p{Script=Han}/u;
    function tokenize(text) {
        if (text === null || text === undefined) {
            return [];
        }
        if (Array.isArray(text)) {
            return text.reduce(function (all, t) { return all.concat(tokenize(t)); }, []);
        }
        var out = [];
        var words = String(text).toLowerCase().match(/\p{Script=Han}+|[\p{L}\p{N}_]+/gu) || [];
        words.forEach(function (word) {
            if (!han.test(word)) {
                out.push(word);
                return;
            }
            var chars = Array.from(word);
            for (var i = 0; i < chars.length; i++) {
                out.push(chars[i]);
                if (i + 1 < chars.length) {
                    out.push(chars[i] + chars[i + 1]);
                }
            }
        });
        return out;
    }
    // The words are already cut; keep them whole (elasticlunr's own trimmer would drop
    // every character outside [A-Za-z0-9_]).
    function trimmer(token) {
        return token;
    }
    function install(elasticlunr) {
        if (elasticlunr.tokenizer === tokenize) {
            return;
        }
        tokenize.seperator = /[\s-]+/;
        elasticlunr.tokenizer = tokenize;
        elasticlunr.trimmer = trimmer;
        elasticlunr.Pipeline.registerFunction(trimmer, "trimmer");
    }
    if (typeof module === "object" && module.exports) {
        module.exports = { tokenize: tokenize, install: install };
    } else if (root.elasticlunr) {
        install(root.elasticlunr);
    }
})(this);
