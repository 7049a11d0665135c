#include "core/error.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace engram {

const char* error_code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kCorruption: return "corruption";
    case ErrorCode::kIo: return "I/O";
    case ErrorCode::kUnsupported: return "unsupported";
  }
  return "unknown";
}

ErrorCode errno_code(int err) { return err == ENOENT || err == ENOTDIR ? ErrorCode::kNotFound : ErrorCode::kIo; }

void check_failed(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "engram: internal check failed: %s at %s:%d%s%s\n", expr, file, line,
               msg.empty() ? "" : ": ", msg.c_str());
  std::abort();
}

}  // namespace engram
