// Errors: bad user input or bad data throw engram::Error naming what and where;
// our own bugs trip ENGRAM_CHECK, which aborts with the expression and file:line.
#pragma once

#include <string>

#include "engram/error.h"

namespace engram {

// The code of an errno from open/stat: kNotFound for a missing path, else kIo.
ErrorCode errno_code(int err);

[[noreturn]] void check_failed(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace engram

// Invariant of our own code; never used for user input.
#define ENGRAM_CHECK(cond)                                                    \
  do {                                                                        \
    if (!(cond)) ::engram::check_failed(#cond, __FILE__, __LINE__, "");      \
  } while (0)
#define ENGRAM_CHECK_MSG(cond, msg)                                           \
  do {                                                                        \
    if (!(cond)) ::engram::check_failed(#cond, __FILE__, __LINE__, (msg));   \
  } while (0)
#ifdef NDEBUG
#define ENGRAM_DCHECK(cond) \
  do {                      \
  } while (0)
#else
#define ENGRAM_DCHECK(cond) ENGRAM_CHECK(cond)
#endif
