// `engram compress`: builds the compression table P: V -> V' from tokenizer.json and
// reports its size, the reduction, and the largest classes (ids that share one key).
// --json adds the whole table: {"vocab_size": N, "compressed_size": M, "lookup": [...]}.
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "engram/compression.h"
#include "engram/tokenizer.h"

namespace engram::cli {
namespace {

struct CompressOptions {
  std::string tokenizer;
  int top = 10;
  bool json = false;
};

// A token's text for display: controls escaped, quotes escaped.
std::string display(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c == '"' || c == '\\') { out += '\\'; out += c; }
    else out += c;
  }
  return out;
}

struct Class {
  int32_t new_id;
  std::vector<int32_t> members;
};

// Classes with the most members, largest first (ties: smaller new id first).
std::vector<Class> largest_classes(const Compression& c, int top) {
  std::vector<Class> classes(static_cast<size_t>(c.compressed_size()));
  for (size_t i = 0; i < classes.size(); ++i) classes[i].new_id = static_cast<int32_t>(i);
  for (int32_t id = 0; id < c.vocab_size(); ++id) classes[c.lookup()[id]].members.push_back(id);
  size_t k = std::min<size_t>(static_cast<size_t>(std::max(top, 0)), classes.size());
  std::partial_sort(classes.begin(), classes.begin() + k, classes.end(), [](const Class& a, const Class& b) {
    return a.members.size() != b.members.size() ? a.members.size() > b.members.size() : a.new_id < b.new_id;
  });
  classes.resize(k);
  return classes;
}

void run_compress(const CompressOptions& o) {
  std::string path = resolve_tokenizer_path(o.tokenizer);
  Tokenizer tok = Tokenizer::load(path);
  Compression c = Compression::build(tok);
  const double reduction = 100.0 * (1.0 - static_cast<double>(c.compressed_size()) / c.vocab_size());
  std::vector<Class> top = largest_classes(c, o.top);
  if (o.json) {
    Json j;
    j["tokenizer"] = path;
    j["vocab_size"] = c.vocab_size();
    j["compressed_size"] = c.compressed_size();
    j["reduction_percent"] = reduction;
    Json cls = Json::array();
    for (const Class& k : top) {
      Json members = Json::array();
      for (int32_t id : k.members) members.push_back({{"id", id}, {"token", std::string(tok.token(id))}});
      cls.push_back({{"new_id", k.new_id}, {"key", compression_key(tok, k.members[0])}, {"size", k.members.size()},
                     {"members", members}});
    }
    j["largest_classes"] = cls;
    j["lookup"] = c.lookup();
    // Token strings may hold invalid UTF-8 only if the file did; replace rather than fail.
    std::printf("%s\n", j.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    return;
  }
  std::printf("tokenizer        %s\n", path.c_str());
  std::printf("vocabulary size  %d\n", c.vocab_size());
  std::printf("compressed size  %d\n", c.compressed_size());
  std::printf("reduction        %.2f%%\n", reduction);
  std::printf("largest classes:\n");
  for (const Class& k : top) {
    std::string key = compression_key(tok, k.members[0]);
    std::printf("  new id %-7d %3zu ids  key \"%s\":", k.new_id, k.members.size(), display(key).c_str());
    size_t shown = 0;
    for (int32_t id : k.members) {
      if (shown++ == 12) {
        std::printf(" ...");
        break;
      }
      // The decoded text (lossy for byte fragments), not the byte-level spelling.
      std::printf(" %d:\"%s\"", id, display(tok.decode(std::vector<int32_t>{id})).c_str());
    }
    std::printf("\n");
  }
}

}  // namespace

void add_compress_command(CLI::App& app) {
  auto o = std::make_shared<CompressOptions>();
  CLI::App* cmd = app.add_subcommand(
      "compress", "Build the tokenizer compression table (ids whose normalised text is equal share one id)");
  cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the DeepSeek-V3 file in the engram cache)");
  cmd->add_option("--top", o->top, "how many of the largest classes to list")->default_val(10)->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json,
                "print {\"vocab_size\", \"compressed_size\", \"reduction_percent\", \"largest_classes\", \"lookup\"}");
  cmd->callback([o] { run_compress(*o); });
}

}  // namespace engram::cli
