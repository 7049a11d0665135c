#!/usr/bin/env node
// Prints Hugging Face `tokenizers` (npm, Rust build) encodings as JSON: the independent
// reference our tokenizer tests are checked against (fixture data is produced with this).
//
// Usage: node tools/peers/hf_ground_truth.js --tokenizer tokenizer.json [--texts texts.json]
//   texts.json is a JSON array of strings (default: read the array from stdin).
// Output: [{"text": ..., "ids": [...], "tokens": [...], "decoded": ...}, ...] on stdout.
// Special tokens are not added (the post-processor is not asked to add any), which is what
// engram's encode(text, add_bos=false) computes.
// NODE_PATH must reach the `tokenizers` package, e.g.
//   NODE_PATH=~/.cache/engram/node/node_modules node tools/peers/hf_ground_truth.js ...
'use strict';
const fs = require('fs');
const { Tokenizer } = require('tokenizers');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main() {
  const tokPath = arg('--tokenizer', null);
  if (!tokPath) throw new Error('--tokenizer PATH is required');
  const textsPath = arg('--texts', null);
  const texts = JSON.parse(textsPath ? fs.readFileSync(textsPath, 'utf8') : fs.readFileSync(0, 'utf8'));
  const tok = Tokenizer.fromFile(tokPath);
  const out = [];
  for (const text of texts) {
    const enc = await tok.encode(text, null, { addSpecialTokens: false });
    const ids = enc.getIds();
    out.push({ text, ids, tokens: enc.getTokens(), decoded: await tok.decode(ids, false) });
  }
  process.stdout.write(JSON.stringify(out, null, 1) + '\n');
}

main().catch((e) => { console.error('error: ' + e.message); process.exit(1); });
