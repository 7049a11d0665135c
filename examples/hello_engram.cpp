// hello_engram: the public API end to end. Tokenizes a text, addresses its Engram rows,
// writes a small table for them, opens it through a store and gathers the rows (checking
// each against the values written), then, given a checkpoint, generates a few tokens with
// the tables served from that same kind of store.
//
//   hello_engram TOKENIZER.json WORK_DIR "text" [CHECKPOINT "prompt"]
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <engram/engram.h>

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: %s TOKENIZER.json WORK_DIR TEXT [CHECKPOINT PROMPT]\n", argv[0]);
    return 2;
  }
  try {
    std::printf("engram %s\n", ENGRAM_VERSION_STRING);
    const engram::Tokenizer tok = engram::Tokenizer::load(argv[1]);
    const std::vector<int32_t> ids32 = tok.encode(argv[3]);
    const std::vector<int64_t> ids(ids32.begin(), ids32.end());
    const int64_t T = static_cast<int64_t>(ids.size());
    std::printf("tokens: %lld\n", static_cast<long long>(T));

    // A small hash: 2-grams and 3-grams, two heads each, one Engram layer (id 1).
    engram::HashConfig cfg;
    cfg.engram_vocab_size = {1000, 1000};
    cfg.max_ngram_size = 3;
    cfg.n_head_per_ngram = 2;
    cfg.n_embed_per_ngram = 16;  // 8 values per head row
    cfg.layer_ids = {1};
    cfg.validate("hello_engram");
    const engram::Addressing addr(tok, cfg);
    const auto local = addr.rows(ids, 1, T);
    const std::vector<int64_t> global = addr.global_rows(0, local[0]);
    std::printf("columns: %d, table rows: %lld\n", addr.columns(), static_cast<long long>(addr.total_rows(0)));

    // The table: row r holds r % 64, then steps of 0.5 (at most 8 significant bits: exact in bf16).
    const int64_t rows = addr.total_rows(0);
    const int dim = cfg.n_embed_per_ngram / cfg.n_head_per_ngram;
    std::vector<float> matrix(static_cast<size_t>(rows) * dim);
    for (int64_t r = 0; r < rows; ++r)
      for (int j = 0; j < dim; ++j) matrix[r * dim + j] = static_cast<float>(r % 64) + 0.5f * j;
    const std::string path = std::string(argv[2]) + "/layer1.engt";
    engram::create_table(path, cfg, 1, "bf16", matrix.data());

    engram::StoreOptions so;
    so.kind = "pread";
    const engram::Table table = engram::Table::open(path, so);
    std::vector<uint64_t> want(global.begin(), global.end());
    std::vector<float> got(want.size() * table.dim());
    table.gather(want, got.data());
    size_t bad = 0;
    for (size_t i = 0; i < want.size(); ++i)
      for (uint32_t j = 0; j < table.dim(); ++j)
        if (got[i * table.dim() + j] != matrix[want[i] * dim + j]) ++bad;
    std::printf("gathered %zu rows from a %s %s table: %s\n", want.size(), table.kind().c_str(), table.dtype().c_str(),
                bad == 0 ? "all match" : "MISMATCH");
    if (bad != 0) return 1;

    if (argc == 6) {
      engram::serve::TierOptions tier;
      tier.kind = "mmap";
      engram::serve::Generator gen(argv[4], argv[1], tier);
      engram::serve::SampleOptions s;
      s.greedy = true;
      std::string text;
      auto st = gen.generate({argv[5]}, 8, s, [&](size_t, const std::string& piece) { text += piece; });
      std::printf("generated %lld tokens: %s%s\n", static_cast<long long>(st.generated_tokens), argv[5], text.c_str());
    }
  } catch (const engram::Error& e) {
    std::fprintf(stderr, "hello_engram: %s error: %s\n", engram::error_code_name(e.code()), e.what());
    return 1;
  }
  return 0;
}
