// Each subcommand family registers itself on the CLI11 app; main() only wires them.
// A command's callback throws engram::Error on bad input; main prints it and exits 1.
// Commands build on the public API (include/engram) and the CLI's own plumbing in core/ (JSON
// output, paths, progress bars); a command that reaches further says why at its top.
#pragma once

#include <CLI/CLI.hpp>

namespace engram::cli {

void add_tokenize_command(CLI::App& app);   // cmd_tokenize.cpp
void add_compress_command(CLI::App& app);   // cmd_compress.cpp
void add_hash_command(CLI::App& app);       // cmd_hash.cpp
void add_layout_command(CLI::App& app);     // cmd_layout.cpp
void add_pipeline_command(CLI::App& app);   // cmd_pipeline.cpp
void add_layer_command(CLI::App& app);      // cmd_layer.cpp
void add_table_command(CLI::App& app);      // cmd_table.cpp
void add_train_commands(CLI::App& app);     // cmd_train.cpp: train, eval, params
void add_experiment_command(CLI::App& app);  // cmd_experiment.cpp
void add_model_check_command(CLI::App& app);  // cmd_model_check.cpp
void add_generate_commands(CLI::App& app);  // cmd_generate.cpp: generate, gates
void add_plot_command(CLI::App& app);       // cmd_plot.cpp

// `engram bench <what>`: bench/commands/bench_commands.h.

}  // namespace engram::cli
