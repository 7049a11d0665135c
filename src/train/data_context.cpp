#include "train/data_context.h"

#include "core/file.h"
#include "core/mix.h"
#include "core/paths.h"
#include "engram/tokenizer.h"

namespace engram::train {

DataContext open_data(const std::string& data_path, const std::string& tok_flag, const model::ModelConfig* cfg) {
  DataContext dc;
  dc.tokenizer_path = resolve_tokenizer_path(tok_flag);
  const std::string tj = read_file(dc.tokenizer_path);
  dc.tokenizer_hash = fnv1a64(tj.data(), tj.size());
  const std::string tf = ensure_token_file(data_path, dc.tokenizer_path);
  dc.tokens = std::make_unique<TokenFile>(TokenFile::open(tf, dc.tokenizer_hash));
  if (cfg && cfg->engram) {
    Tokenizer tok = Tokenizer::from_json(tj, dc.tokenizer_path);
    dc.addr = std::make_unique<Addressing>(tok, cfg->engram->hash);
  }
  return dc;
}

}  // namespace engram::train
