// Where Hugging Face tokenizers' Unicode tables differ from utf8proc 2.8's (Unicode 15), so
// that the normalizers give HF's output: HF normalizes with the unicode-normalization-
// alignments crate, whose tables are Unicode 9.0, and lowercases with Rust's std, whose
// tables (npm tokenizers 0.23.2) are Unicode 17. The tables were found by comparing HF's
// output with utf8proc's on every code point (tools/peers/hf_unicode_gaps.py).
#pragma once

#include <cstdint>

namespace engram::hf_unicode {

// True for a code point HF's normalization tables do not know but utf8proc's give a
// decomposition, a non-zero combining class or a composition: HF leaves it as it is, a
// starter that nothing reorders across or composes with, so the text on each side of it
// normalizes on its own.
bool normalization_opaque(uint32_t cp);

// Rust's char::to_lowercase where it is a single code point utf8proc_tolower does not
// know (letters of Unicode 16 and 17); otherwise `cp` unchanged.
uint32_t extra_lowercase(uint32_t cp);

}  // namespace engram::hf_unicode
