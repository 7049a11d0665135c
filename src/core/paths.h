// Where engram keeps fetched artefacts (tokenizer, corpora) by default.
#pragma once

#include <string>

namespace engram {

// $ENGRAM_CACHE, else $XDG_CACHE_HOME/engram, else $HOME/.cache/engram.
std::string cache_dir();

// A tokenizer.json fetched by scripts/setup.sh: <cache>/tokenizers/<name>/tokenizer.json
// (names: deepseek_v3, qwen3, llama3).
std::string cached_tokenizer_path(const std::string& name);

// The DeepSeek-V3 one: cached_tokenizer_path("deepseek_v3").
std::string default_tokenizer_path();

// Resolves a --tokenizer flag: the given path, or the default; throws with a hint to run
// scripts/setup.sh when neither exists.
std::string resolve_tokenizer_path(const std::string& flag);

}  // namespace engram
