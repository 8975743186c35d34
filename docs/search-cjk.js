// Chinese in the book's search, with no build step. mdBook builds its search index in Rust
// with a tokenizer that splits on spaces and a trimmer that keeps only ASCII letters and
// digits, so a Chinese sentence (no spaces) is one long word, trimmed to nothing: 粘包 is
// not found. The index mdBook ships also holds every section's text (its document store,
// which the search results quote), so this file rebuilds the index in the browser from that
// text when the search first opens, with a tokenizer that knows Chinese: a run of Chinese
// characters becomes each character and each pair of neighbours (粘包问题: 粘 粘包 包 包问 问
// 问题 题), everything else the words of letters and digits, as before. The query is split
// the same way. Loaded by both editions (book.toml's additional-js), after elasticlunr and
// mdBook's searcher, before the index (which the searcher loads on the first search).
(function (root) {
    "use strict";
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
        // Replace the registered "trimmer" in place (registerFunction would log a warning
        // for a name already taken), so that the pipeline of a loaded or new index uses it.
        trimmer.label = "trimmer";
        elasticlunr.trimmer = trimmer;
        elasticlunr.Pipeline.registeredFunctions.trimmer = trimmer;

        // Loading the index mdBook shipped: build a new one, same fields and reference,
        // from the texts in its document store, with the tokenizer above.
        var load = elasticlunr.Index.load;
        elasticlunr.Index.load = function (serialized) {
            var docs = (serialized.documentStore || {}).docs;
            if (!docs) {
                return load.call(this, serialized); // no texts to rebuild from: mdBook's index
            }
            var index = elasticlunr(function () {
                this.setRef(serialized.ref);
                var self = this;
                serialized.fields.forEach(function (field) { self.addField(field); });
                this.saveDocument(true);
            });
            Object.keys(docs).forEach(function (ref) {
                var doc = {};
                doc[serialized.ref] = ref;
                Object.keys(docs[ref]).forEach(function (k) { doc[k] = docs[ref][k]; });
                index.addDoc(doc, false);
            });
            return index;
        };
    }

    if (typeof module === "object" && module.exports) {
        module.exports = { tokenize: tokenize, install: install };
    } else if (root.elasticlunr) {
        install(root.elasticlunr);
    }
})(this);
