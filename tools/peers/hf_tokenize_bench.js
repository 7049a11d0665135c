#!/usr/bin/env node
// Peer benchmark for `engram bench tokenize`: Hugging Face tokenizers (npm `tokenizers`,
// the Rust library) encoding a corpus file single-threaded. Same method as engram's bench:
// no special tokens, one untimed warm-up, median of --reps timed runs, MB/s = input bytes /
// median seconds / 1e6. Default: the whole file as ONE encode call. --lines: every line
// (with its '\n') as its own sequence, through ONE encodeBatch call with a single Rayon
// thread, so no per-call JS/async overhead is counted (engram --lines loops over encode()).
//
// Usage:
//   NODE_PATH=~/.cache/engram/node/node_modules node tools/peers/hf_tokenize_bench.js \
//     [--tokenizer tokenizer.json] [--file corpus.txt] [--reps 5] [--lines] [--json]
// Defaults: the DeepSeek-V3 tokenizer and KJV text in the engram cache.
'use strict';
// One thread: set before the native module spins up its pool.
process.env.RAYON_NUM_THREADS = '1';
process.env.TOKENIZERS_PARALLELISM = 'false';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Tokenizer } = require('tokenizers');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main() {
  const cache = process.env.ENGRAM_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'engram');
  const tokPath = arg('--tokenizer', path.join(cache, 'tokenizers/deepseek_v3/tokenizer.json'));
  const file = arg('--file', path.join(cache, 'corpora/kjv.txt'));
  const reps = parseInt(arg('--reps', '5'), 10);
  const json = process.argv.includes('--json');
  const byLines = process.argv.includes('--lines');
  const text = fs.readFileSync(file, 'utf8');
  const bytes = Buffer.byteLength(text, 'utf8');
  const tok = Tokenizer.fromFile(tokPath);
  const lines = byLines ? text.split(/(?<=\n)/) : null;
  const run = async () => {
    if (!byLines) return (await tok.encode(text, null, { addSpecialTokens: false })).getLength();
    const encs = await tok.encodeBatch(lines, { addSpecialTokens: false });
    let n = 0;
    for (const e of encs) n += e.getLength();
    return n;
  };
  let nTokens = await run();  // warm-up
  const secs = [];
  for (let r = 0; r < reps; ++r) {
    const t0 = process.hrtime.bigint();
    nTokens = await run();
    secs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  secs.sort((a, b) => a - b);
  const median = secs[Math.floor(secs.length / 2)];
  const mbps = bytes / median / 1e6;
  if (json) {
    console.log(JSON.stringify({ peer: 'hf-tokenizers-0.23.2', file, lines: byLines, bytes, tokens: nTokens, threads: 1, reps,
      median_s: median, min_s: secs[0], max_s: secs[secs.length - 1], mb_per_s: mbps }));
  } else {
    console.log(`HF tokenizers encode ${file} (${byLines ? 'line by line' : 'whole text'}): ${bytes} bytes -> ${nTokens} tokens, 1 thread, ${reps} reps`);
    console.log(`median ${median.toFixed(4)} s  ${mbps.toFixed(2)} MB/s`);
  }
}

main().catch((e) => { console.error('error: ' + e.message); process.exit(1); });
