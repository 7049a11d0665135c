// STUB: replaced by the real command.
#include "commands.h"
namespace engram::cli {
void add_bench_hash(CLI::App& app) { (void)app; }
}  // namespace engram::cli
