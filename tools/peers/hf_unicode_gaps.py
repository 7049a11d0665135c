#!/usr/bin/env python3
# Finds where Hugging Face tokenizers' Unicode tables differ from the system utf8proc's,
# i.e. the tables of src/tokenizer/hf_unicode.cpp: for every code point, HF's NFD, NFKD
# and Lowercase of it alone; for every code point with a combining class (utf8proc), whether
# HF reorders it against a mark of another class; for every canonical composition, whether
# HF composes it. Prints the code points HF's normalization leaves alone where utf8proc
# does not (as ranges) and the lowercase mappings utf8proc lacks.
# Needs cc, libutf8proc-dev and HF tokenizers (npm, ENGRAM_SETUP_PEERS=1 scripts/setup.sh):
#   python3 tools/peers/hf_unicode_gaps.py
import json, os, subprocess, tempfile

repo = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
cache = os.environ.get("ENGRAM_CACHE", os.path.expanduser("~/.cache/engram"))
env = dict(os.environ, NODE_PATH=os.path.join(cache, "node", "node_modules"))

# utf8proc side: each input line is a mode letter and hex code points; prints the mapped
# code points (D: NFD, K: NFKD, C: NFC, L: lowercase each) or, for mode M, the class.
HELPER = r'''
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
int main(void) {
  char line[4096];
  while (fgets(line, sizeof line, stdin)) {
    char mode = line[0];
    utf8proc_uint8_t buf[1024];
    utf8proc_ssize_t len = 0;
    utf8proc_int32_t first = -1;
    for (char* t = strtok(line + 1, " \n"); t; t = strtok(NULL, " \n")) {
      utf8proc_int32_t c = (utf8proc_int32_t)strtol(t, NULL, 16);
      if (first < 0) first = c;
      if (mode == 'L') c = utf8proc_tolower(c);
      len += utf8proc_encode_char(c, buf + len);
    }
    if (mode == 'M') { printf("%d\n", utf8proc_get_property(first)->combining_class); continue; }
    utf8proc_uint8_t* out = buf;
    utf8proc_ssize_t n = len;
    if (mode != 'L') {
      int opt = UTF8PROC_STABLE | (mode == 'C' ? UTF8PROC_COMPOSE : UTF8PROC_DECOMPOSE) | (mode == 'K' ? UTF8PROC_COMPAT : 0);
      n = utf8proc_map(buf, len, &out, (utf8proc_option_t)opt);
    }
    for (utf8proc_ssize_t i = 0; i < n;) {
      utf8proc_int32_t c;
      i += utf8proc_iterate(out + i, n - i, &c);
      printf(i < n ? "%X " : "%X", c);
    }
    printf("\n");
    if (out != buf) free(out);
  }
  return 0;
}
'''


def utf8proc(mode, seqs):
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "h.c"), os.path.join(d, "h")
        with open(src, "w") as f:
            f.write(HELPER)
        libs = subprocess.run(["pkg-config", "--cflags", "--libs", "libutf8proc"], check=True, capture_output=True,
                              text=True).stdout.split()
        subprocess.run(["cc", "-O1", src, "-o", exe, *libs], check=True)
        lines = "".join(mode + " " + " ".join("%X" % ord(c) for c in s) + "\n" for s in seqs)
        out = subprocess.run([exe], input=lines, check=True, capture_output=True, text=True).stdout.split("\n")
    if mode == "M":
        return [int(x) for x in out[:len(seqs)]]
    return ["".join(chr(int(h, 16)) for h in line.split()) for line in out[:len(seqs)]]


def hf(normalizer, texts):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump([{"name": "x", "normalizer": {"type": normalizer}, "texts": texts}], f)
    out = subprocess.run(["node", os.path.join(repo, "tools", "peers", "hf_normalize.js"), "--cases", f.name], env=env,
                         check=True, capture_output=True, text=True).stdout
    os.unlink(f.name)
    return json.loads(out)[0]["normalized"]


def ranges(cps):
    out = []
    for c in sorted(cps):
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return out


def main():
    chars = [chr(c) for c in range(0xA0, 0x110000) if not 0xD800 <= c < 0xF900 and c < 0xF0000]
    opaque = set()
    for mode, name in (("D", "NFD"), ("K", "NFKD")):
        for c, a, b in zip(chars, hf(name, chars), utf8proc(mode, chars)):
            if a != b:
                assert a == c, f"HF maps U+{ord(c):04X} where utf8proc differs otherwise"
                opaque.add(ord(c))
    # Combining classes: put the higher class first; a table that knows the mark reorders.
    classes = utf8proc("M", chars)
    marked = [(c, k) for c, k in zip(chars, classes) if k]
    probes = []
    for c, k in marked:
        m, km = ("\u0301", 230) if k != 230 else ("\u0316", 220)
        probes.append("a" + (c + m if k > km else m + c))
    for (c, _), a, b in zip(marked, hf("NFD", probes), utf8proc("D", probes)):
        if a != b:
            opaque.add(ord(c))
    # Compositions: NFC of every canonical decomposition; the parts of one HF does not
    # compose are opaque (by Unicode's stability policy they are new characters).
    decomposed = [d for c, d in zip(chars, utf8proc("D", chars)) if d != c]
    for d, a, b in zip(decomposed, hf("NFC", decomposed), utf8proc("C", decomposed)):
        if a != b:
            opaque.update(ord(x) for x in d)
    print("opaque:", ", ".join("{0x%04X, 0x%04X}" % (a, b) for a, b in ranges(opaque)))
    lower = [(c, a) for c, a, b in zip(chars, hf("Lowercase", chars), utf8proc("L", chars)) if a != b]
    print("lowercase:", " ".join("%04X>%s" % (ord(c), "+".join("%04X" % ord(x) for x in a)) for c, a in lower))


if __name__ == "__main__":
    main()
