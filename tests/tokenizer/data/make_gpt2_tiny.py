#!/usr/bin/env python3
# Writes the hand-made GPT-2-style byte-level BPE fixtures (gpt2_tiny*.json) and the texts
# they are checked on. The expected encodings (*_expected.json) are NOT computed here: they
# come from Hugging Face's tokenizers via tools/peers/hf_ground_truth.js:
#   for f in gpt2_tiny gpt2_tiny_array_merges; do
#     NODE_PATH=~/.cache/engram/node/node_modules node tools/peers/hf_ground_truth.js \
#       --tokenizer tests/tokenizer/data/$f.json --texts tests/tokenizer/data/gpt2_tiny_texts.json \
#       > tests/tokenizer/data/${f}_expected.json; done
import json, os

here = os.path.dirname(os.path.abspath(__file__))


def byte_char(b):
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for x in range(256):
        if x not in bs:
            bs.append(x)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))[b]


# Only some bytes are in the vocabulary: the others are dropped by HF (no unk token).
base = [byte_char(ord(c)) for c in "abcdeghilnorstw'!,.123"] + [byte_char(b) for b in (0x20, 0x0A, 0xC3, 0xA9)]
merges = [("Ġ", "t"), ("h", "e"), ("l", "l"), ("ll", "o"), ("he", "llo"), ("Ġ", "w"), ("o", "r"), ("Ġw", "or"),
          ("l", "d"), ("Ġwor", "ld"), ("i", "n"), ("in", "g"), ("Ġ", "s"), ("'", "s"), ("1", "2"), ("12", "3"),
          ("Ġt", "he"), ("e", "s"), ("Ġt", "es"), ("Ġtes", "t"), ("Ġ", "he"), ("Ġhe", "llo"), ("Ġ", "Ġ"),
          ("Ċ", "Ċ"), ("Ã", "©"), ("Ġ", "1"), ("Ġ1", "2"), ("s", "t"), ("r", "ing"), ("st", "ring")]
vocab = {}
for t in base:
    vocab.setdefault(t, len(vocab))
for a, b in merges:
    vocab.setdefault(a + b, len(vocab))
n = len(vocab)


def added(i, content, special, lstrip=False, rstrip=False, single_word=False, normalized=False):
    return {"id": n + i, "content": content, "single_word": single_word, "lstrip": lstrip, "rstrip": rstrip,
            "normalized": normalized, "special": special}


tok = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [added(0, "<|endoftext|>", True), added(1, "<mask>", True, lstrip=True),
                     added(2, "<sep>", True, rstrip=True), added(3, "wow", False, single_word=True, normalized=True)],
    "normalizer": None,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
              "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
              "merges": [a + " " + b for a, b in merges]},
}
with open(os.path.join(here, "gpt2_tiny.json"), "w") as f:
    f.write(json.dumps(tok, ensure_ascii=False, indent=1) + "\n")
# Same model with merges in the array form and no prefix space.
tok2 = json.loads(json.dumps(tok))
tok2["model"]["merges"] = [[a, b] for a, b in merges]
tok2["pre_tokenizer"]["add_prefix_space"] = False
with open(os.path.join(here, "gpt2_tiny_array_merges.json"), "w") as f:
    f.write(json.dumps(tok2, ensure_ascii=False, indent=1) + "\n")
texts = ["hello world", "Hello world!", "the string's 123 tests", "  leading spaces\n\nnew lines\n", "café é",
         "emoji 😀 dropped", "", "<|endoftext|>hello <mask> world", "hello   <mask>x", "a<sep>   b",
         "wow, wowser wow", "hello<|endoftext|><|endoftext|>", "12 123 1234", "'s's 's", "tab\there",
         "x\u0085y \u00a0z", "   ", "string strings sting"]
with open(os.path.join(here, "gpt2_tiny_texts.json"), "w") as f:
    f.write(json.dumps(texts, ensure_ascii=False, indent=1) + "\n")
