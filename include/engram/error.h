// Errors of the public API. Bad input or bad data throws engram::Error: a message complete
// enough for a user (it names the file, field, offset or id) and a code, so callers and
// tests branch on the kind of failure rather than on the text.
#pragma once

#include <stdexcept>
#include <string>

namespace engram {

enum class ErrorCode {
  kInvalidArgument,  // a value, flag, config field or id that is wrong
  kNotFound,         // a file, tensor or table that does not exist
  kCorruption,       // a file that exists but fails its format, size or checksum checks
  kIo,               // the operating system refused a read, write, sync or map
  kUnsupported,      // valid, but this build or machine cannot do it (no io_uring, no AVX-512)
};

// "invalid argument", "not found", "corruption", "I/O", "unsupported".
const char* error_code_name(ErrorCode c);

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : Error(ErrorCode::kInvalidArgument, msg) {}
  Error(ErrorCode code, const std::string& msg) : std::runtime_error(msg), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace engram
