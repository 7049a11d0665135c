#!/usr/bin/env python3
# Writes deepseek_edge_expected.json: Hugging Face tokenizers' encodings of the DeepSeek-V3
# edge-case inputs of tokenizer_edge_test.cpp (long whitespace runs, long words and digits,
# invalid UTF-8, added tokens glued to text), the independent reference the test checks
# engram's encode against. The tests read only the JSON; node is needed only to regenerate:
#   ENGRAM_SETUP_PEERS=1 bash scripts/setup.sh      # once: HF tokenizers (npm) in ~/.cache/engram/node
#   python3 tests/tokenizer/data/make_deepseek_edge.py
# Each case is a list of [hex bytes, repeat] parts (the inputs are up to 200 kB of one
# character); invalid UTF-8 is given to HF as Python's errors="replace" decoding (U+FFFD
# per maximal invalid subpart), the repair engram's encode applies itself. Ids are stored
# as [[ids...], times] runs: the ids are the concatenation of each chunk repeated.
import json, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", "..", ".."))
cache = os.environ.get("ENGRAM_CACHE", os.path.expanduser("~/.cache/engram"))
tokenizer = os.environ.get("ENGRAM_TOKENIZER", os.path.join(cache, "tokenizers", "deepseek_v3", "tokenizer.json"))

BOS, EOS = "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>"


def p(s, n=1):
    return [(s.encode() if isinstance(s, str) else s).hex(), n]


cases = {
    "spaces_200000_x": [p(" ", 200000), p("x")],
    "a_newlines_100000_b": [p("a"), p("\n", 100000), p("b")],
    "spaces_tabs_y": [p(" ", 100000), p("\n"), p("\t", 100000), p("y  ")],
    "a_5000": [p("a", 5000)],
    "digits_3000": [p("7", 3000)],
    "ab_e_acute_cd_2000": [p("ab\u00e9cd", 2000)],
    "equals_4000": [p("=", 4000)],
    "invalid_utf8": [p(b"ab\xc0\xaf \xe4\xb8 tail \xff")],
    "added_tokens_glued": [p("x" + BOS + BOS + "y" + EOS + "<｜begin▁of" + "\n" + EOS)],
}


def runs(ids, max_period=8):
    """[[chunk, times], ...]: ids as repeated chunks (the longest cover found at each point)."""
    out, i = [], 0
    while i < len(ids):
        best = (1, 1)  # period, times
        for per in range(1, max_period + 1):
            t = 1
            while ids[i + t * per:i + (t + 1) * per] == ids[i:i + per] and i + (t + 1) * per <= len(ids):
                t += 1
            if t > 1 and per * t > best[0] * best[1]:
                best = (per, t)
        per, t = best
        if out and t == 1 and out[-1][1] == 1 and len(out[-1][0]) < 64:
            out[-1][0].append(ids[i])  # glue single ids into one chunk
        else:
            out.append([ids[i:i + per], t])
        i += per * t
    assert [x for chunk, t in out for _ in range(t) for x in chunk] == ids
    return out


def main():
    texts = [b"".join(bytes.fromhex(h) * n for h, n in parts).decode("utf-8", errors="replace") for parts in cases.values()]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(texts, f)
    env = dict(os.environ, NODE_PATH=os.path.join(cache, "node", "node_modules"))
    out = subprocess.run(["node", os.path.join(repo, "tools", "peers", "hf_ground_truth.js"), "--tokenizer", tokenizer,
                          "--texts", f.name], env=env, check=True, capture_output=True, text=True).stdout
    os.unlink(f.name)
    hf = json.loads(out)
    ver = subprocess.run(["node", "-e", "console.log(require('tokenizers/package.json').version)"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    doc = {"source": f"Hugging Face tokenizers {ver} (npm), tools/peers/hf_ground_truth.js, made by make_deepseek_edge.py",
           "cases": []}
    for (name, parts), text, r in zip(cases.items(), texts, hf):
        c = {"name": name, "parts": parts, "ids": runs(r["ids"])}
        if r["decoded"] != text:
            sys.exit(f"{name}: HF decode does not give the input back")
        raw = b"".join(bytes.fromhex(h) * n for h, n in parts)
        if raw != text.encode():
            c["repaired"] = text  # what the ids decode to
        doc["cases"].append(c)
    path = os.path.join(here, "deepseek_edge_expected.json")
    with open(path, "w") as f:  # one case per line
        f.write('{"source": %s,\n "cases": [\n  ' % json.dumps(doc["source"]))
        f.write(",\n  ".join(json.dumps(c) for c in doc["cases"]) + "\n]}\n")
    print(f"wrote {path}: {len(doc['cases'])} cases")


if __name__ == "__main__":
    main()
