// Configuration of the multi-head n-gram hash (ENGRAM.md section 4), with the demo's field
// names so that a CFG.json written for deepseek-ai/Engram's EngramConfig reads unchanged.
//
// Validation limits (beyond the demo, which checks nothing): they keep a hostile or mistyped
// config from asking for minutes of prime search or gigabytes of tables.
//   2 <= max_ngram_size <= kMaxNgram (16)
//   1 <= n_head_per_ngram, n_embed_per_ngram % n_head_per_ngram == 0
//   1 <= len(layer_ids) <= kMaxLayers (1024), layer ids distinct, in [0, kMaxLayerId]
//   len(engram_vocab_size) == max_ngram_size - 1, each in [2, kMaxTableSize = 2^40]
//   len(layer_ids) * (max_ngram_size - 1) * n_head_per_ngram <= kMaxTables (16384)
//   pad_id >= 0, seed >= 0 (numpy's SeedSequence rejects negative seeds)
//   1 <= table_rows_multiple <= 2^20; prime_rule kConsecutive needs equal engram_vocab_size
//
// The rules below say how a released model's hash differs from the demo (ENGRAM.md
// section 8): a variant is data, not a fork. The defaults are the demo's rules, and a config
// that leaves them at their defaults reads and writes exactly the demo's fields.
// Thread safety: a plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace engram {

struct HashConfig {
  // Where the per-layer multipliers come from (both: odd, below 2 * half_bound).
  enum class MultiplierRule {
    kNumpy,       // default_rng(seed + 10007 * layer_id).integers(0, half_bound) * 2 + 1 (demo, V4.1)
    kSplitmix64,  // 2 * (splitmix64(seed + 10007 * layer_index + 0x9E37..15 * (i + 1)) % half_bound) + 1 (Qwen)
  };
  // How each (layer, n, head) table gets its prime row count.
  enum class PrimeRule {
    kUnused,       // per n: the next prime above engram_vocab_size[n-2] - 1 not used by any table
                   // before it (one used-set across layers: demo, V4.1)
    kConsecutive,  // the j-th table overall (layer, n, head order) takes the j-th prime above
                   // engram_vocab_size[0] - 1 (Qwen)
  };
  // What a lookback reads when it leaves the sequence or crosses a boundary.
  enum class BoundaryRule {
    kPad,         // before the start: the pad id (demo)
    kDeadBlocks,  // also: a DEAD id (-1) blocks it and every longer lookback; blocked reads pad (V4.1)
    kEosResets,   // a lookback crossing an EOS (= pad_id) reads EOS; a -1 (masked) id is read as
                  // EOS, as the model's mask does (Qwen)
  };
  static constexpr int64_t kDeadId = -1;
  static constexpr int64_t kMaxRowsMultiple = int64_t{1} << 20;

  static constexpr int kMaxNgram = 16;
  static constexpr int kMaxLayers = 1024;
  static constexpr int64_t kMaxLayerId = int64_t{1} << 20;
  static constexpr int64_t kMaxTableSize = int64_t{1} << 40;
  static constexpr int64_t kMaxTables = 16384;

  std::vector<int64_t> engram_vocab_size;  // one starting size per n = 2..N
  int max_ngram_size = 3;
  int n_embed_per_ngram = 512;
  int n_head_per_ngram = 8;
  std::vector<int> layer_ids;
  int64_t pad_id = 2;  // an ORIGINAL token id; compressed by the caller
  int64_t seed = 0;
  MultiplierRule multiplier_rule = MultiplierRule::kNumpy;
  PrimeRule prime_rule = PrimeRule::kUnused;
  BoundaryRule boundary = BoundaryRule::kPad;
  int64_t table_rows_multiple = 1;  // a layer's allocated rows: its prime sum rounded up to this

  // ENGRAM.md section 4: [129280*5, 129280*5], N 3, 512, 8 heads, layers [1, 15], pad 2, seed 0.
  static HashConfig demo_default();
  // Reads the demo's field names from JSON text; unknown fields are ignored (CFG.json files
  // carry more). A missing field takes the demo default, except n_embed_per_ngram, which
  // defaults to 64 * n_head_per_ngram (the demo's 64 values per head) so that hashing-only
  // configs with any head count stay valid. Wrong types (floats, strings, booleans) are
  // errors. Validates; errors name `where` and the field ("cfg.json: layer_ids[1]: ...").
  static HashConfig parse(std::string_view json_text, const std::string& where);
  // parse() of a file's contents; errors name the file.
  static HashConfig load(const std::string& path);
  // The fields as a JSON object (what parse() reads back to an equal config). The rule fields
  // ("multiplier_rule": "numpy" | "splitmix64", "prime_rule": "unused" | "consecutive",
  // "boundary": "pad" | "dead_blocks" | "eos_resets", "table_rows_multiple") are written only
  // when they differ from the demo's.
  std::string to_json_text() const;

  // Throws engram::Error naming `where` and the offending field (see limits above).
  void validate(const std::string& where) const;

  int columns() const { return (max_ngram_size - 1) * n_head_per_ngram; }
  int head_dim() const { return n_embed_per_ngram / n_head_per_ngram; }
  // Position of `layer_id` in layer_ids; throws engram::Error listing the layer ids when it
  // is not an Engram layer of this config.
  size_t layer_index(int64_t layer_id) const;
  // The row count of every head table: [layer index][(n - 2) * heads + head], primes chosen
  // by prime_rule (the demo's: each the next prime not used before, across all layers).
  // The one computation every table layout, parameter count and hasher starts from.
  std::vector<std::vector<int64_t>> table_sizes() const;
  // Rows allocated for a layer whose primes sum to `rows`: rounded up to table_rows_multiple.
  int64_t table_rows(int64_t rows) const {
    return (rows + table_rows_multiple - 1) / table_rows_multiple * table_rows_multiple;
  }
  bool operator==(const HashConfig&) const = default;
};

}  // namespace engram
