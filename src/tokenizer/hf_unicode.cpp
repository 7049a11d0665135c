// Tables of hf_unicode.h, made by tools/peers/hf_unicode_gaps.py against utf8proc 2.8 and
// HF tokenizers 0.23.2 (npm).
#include "tokenizer/hf_unicode.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace engram::hf_unicode {

namespace {

struct Range {
  uint32_t first, last;
};

// Code points assigned after Unicode 9.0 with normalization properties in utf8proc 2.8.
constexpr Range kOpaque[] = {
    {0x07FD, 0x07FD}, {0x0898, 0x089F}, {0x08CA, 0x08D3}, {0x09FE, 0x09FE}, {0x0C3C, 0x0C3C},
    {0x0D3B, 0x0D3C}, {0x0EBA, 0x0EBA}, {0x1715, 0x1715}, {0x1ABF, 0x1ACE}, {0x1DF6, 0x1DFA},
    {0x32FF, 0x32FF}, {0xA7F2, 0xA7F4}, {0xA82C, 0xA82C}, {0xAB69, 0xAB69}, {0x10781, 0x10785},
    {0x10787, 0x107B0}, {0x107B2, 0x107BA}, {0x10D24, 0x10D27}, {0x10EAB, 0x10EAC}, {0x10EFD, 0x10EFF},
    {0x10F46, 0x10F50}, {0x10F82, 0x10F85}, {0x11070, 0x11070}, {0x1133B, 0x1133B}, {0x1145E, 0x1145E},
    {0x11839, 0x1183A}, {0x11930, 0x11930}, {0x11935, 0x11935}, {0x11938, 0x11938}, {0x1193D, 0x1193E},
    {0x11943, 0x11943}, {0x119E0, 0x119E0}, {0x11A34, 0x11A34}, {0x11A47, 0x11A47}, {0x11A99, 0x11A99},
    {0x11D42, 0x11D42}, {0x11D44, 0x11D45}, {0x11D97, 0x11D97}, {0x11F41, 0x11F42}, {0x16FF0, 0x16FF1},
    {0x1E030, 0x1E06D}, {0x1E08F, 0x1E08F}, {0x1E130, 0x1E136}, {0x1E2AE, 0x1E2AE}, {0x1E2EC, 0x1E2EF},
    {0x1E4EC, 0x1E4EF}, {0x1F16C, 0x1F16C}, {0x1FBF0, 0x1FBF9},
};

// [first, last] lowercases to cp + delta, or to `to` for a single code point.
struct LowerRange {
  uint32_t first, last;
  int32_t delta;
};

constexpr LowerRange kLower[] = {
    {0x1C89, 0x1C89, 1},        {0xA7CB, 0xA7CB, 0x0264 - 0xA7CB}, {0xA7CC, 0xA7CC, 1},
    {0xA7CE, 0xA7CE, 1},        {0xA7D2, 0xA7D2, 1},               {0xA7D4, 0xA7D4, 1},
    {0xA7DA, 0xA7DA, 1},        {0xA7DC, 0xA7DC, 0x019B - 0xA7DC}, {0x10D50, 0x10D65, 0x20},
    {0x16EA0, 0x16EB8, 0x1B},
};

template <typename R>
const R* find(const R* begin, const R* end, uint32_t cp) {
  const R* it = std::upper_bound(begin, end, cp, [](uint32_t c, const R& r) { return c < r.first; });
  if (it == begin) return nullptr;
  --it;
  return cp <= it->last ? it : nullptr;
}

}  // namespace

bool normalization_opaque(uint32_t cp) {
  return cp >= kOpaque[0].first && find(std::begin(kOpaque), std::end(kOpaque), cp) != nullptr;
}

uint32_t extra_lowercase(uint32_t cp) {
  if (cp < kLower[0].first) return cp;
  const LowerRange* r = find(std::begin(kLower), std::end(kLower), cp);
  return r ? static_cast<uint32_t>(static_cast<int32_t>(cp) + r->delta) : cp;
}

}  // namespace engram::hf_unicode
