#!/usr/bin/env node
// Prints what Hugging Face `tokenizers` (npm, Rust build) normalizers make of strings: the
// independent reference engram's normalizer tests are checked against.
//
// Usage: node tools/peers/hf_normalize.js --cases cases.json
//   cases.json is [{"name": ..., "normalizer": {tokenizer.json normalizer object}, "texts": [...]}, ...]
// Output: the same array with "normalized": [...] (one string per text) added to each case.
// Each normalizer is loaded the way a tokenizer.json's would be (Tokenizer.fromString of a
// minimal file holding it), so its JSON is parsed by HF's own deserializer.
// NODE_PATH must reach the `tokenizers` package, e.g.
//   NODE_PATH=~/.cache/engram/node/node_modules node tools/peers/hf_normalize.js ...
'use strict';
const fs = require('fs');
const { Tokenizer } = require('tokenizers');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function loadNormalizer(normalizer) {
  const file = {
    version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer,
    pre_tokenizer: null, post_processor: null, decoder: null,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
             fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab: {}, merges: [] },
  };
  return Tokenizer.fromString(JSON.stringify(file)).getNormalizer();
}

const casesPath = arg('--cases', null);
if (!casesPath) { console.error('error: --cases PATH is required'); process.exit(1); }
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
for (const c of cases) {
  const n = loadNormalizer(c.normalizer);
  c.normalized = c.texts.map((t) => n.normalizeString(t));
}
process.stdout.write(JSON.stringify(cases) + '\n');
