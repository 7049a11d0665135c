// `engram tokenize`: text -> token ids with the tokenizer.json (DeepSeek-V3 by default).
// Plain output: one line per token (id, token string, the text it stands for);
// --json: {"ids": [...]} on stdout.
#include <cstdio>

#include "commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/paths.h"
#include "engram/tokenizer.h"

namespace engram::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer;
  std::string text;
  std::string file;
  bool bos = false;
  bool json = false;
};

// Printable form of a token's bytes: controls and invalid UTF-8 as escapes.
std::string printable(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  // Bytes that do not form whole characters are shown as escapes, not mojibake.
  Json probe = out;
  std::string dumped = probe.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (dumped.find("\\ufffd") != std::string::npos) {
    std::string esc;
    for (unsigned char c : out) {
      if (c >= 0x80) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02X", c);
        esc += buf;
      } else {
        esc += static_cast<char>(c);
      }
    }
    return esc;
  }
  return out;
}

void run_tokenize(const TokenizeOptions& o) {
  std::string text = o.file.empty() ? o.text : read_file(o.file);
  Tokenizer tok = Tokenizer::load(resolve_tokenizer_path(o.tokenizer));
  std::vector<int32_t> ids = tok.encode(text, o.bos);
  if (o.json) {
    Json j;
    j["ids"] = ids;
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%zu tokens for %zu bytes\n", ids.size(), text.size());
  for (int32_t id : ids)
    std::printf("%8d  %-24s \"%s\"\n", id, printable(std::string(tok.token(id))).c_str(),
                printable(tok.token_bytes(id)).c_str());
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto o = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Encode text into token ids with a Hugging Face tokenizer.json (byte-level BPE)");
  cmd->add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: the DeepSeek-V3 file in the engram cache)");
  auto* text = cmd->add_option("--text", o->text, "text to encode");
  auto* file = cmd->add_option("--file", o->file, "file whose contents to encode");
  text->excludes(file);
  cmd->add_flag("--bos", o->bos, "prepend the BOS token (off by default: no special tokens)");
  cmd->add_flag("--json", o->json, "print {\"ids\": [...]} on stdout");
  cmd->callback([o, text, file] {
    if (text->count() + file->count() != 1) throw Error("tokenize: give exactly one of --text S or --file F");
    run_tokenize(*o);
  });
}

}  // namespace engram::cli
