// STUB: replaced by the real command.
#include "commands.h"
namespace engram::cli {
void add_bench_layer(CLI::App& app) { (void)app; }
}  // namespace engram::cli
