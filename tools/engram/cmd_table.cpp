// STUB: replaced by the real command.
#include "commands.h"
namespace engram::cli {
void add_table_command(CLI::App& app) { (void)app; }
}  // namespace engram::cli
