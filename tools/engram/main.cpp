// engram: command-line entry point. Subcommands live in cmd_*.cpp.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "bench_commands.h"
#include "commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  // libgomp's default spin-wait makes OpenMP threads fight OpenBLAS's own threads on small
  // machines (BASELINES.md: a 0.83 s training step took 2.3 s); libgomp reads the policy
  // before main, so re-exec once with it set unless the user chose one.
  if (!std::getenv("OMP_WAIT_POLICY")) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);  // on failure, carry on with the default policy
  }
  CLI::App app{"engram: conditional memory (Engram) for language models: tokenizer, "
               "compression, n-gram hashing, the Engram layer, tiered tables"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "engram 0.1.0");
  using namespace engram::cli;
  add_tokenize_command(app);
  add_compress_command(app);
  add_hash_command(app);
  add_layout_command(app);
  add_pipeline_command(app);
  add_layer_command(app);
  add_table_command(app);
  add_train_commands(app);
  add_experiment_command(app);
  add_model_check_command(app);
  add_generate_commands(app);
  add_plot_command(app);
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks of the hot paths (run on a quiet machine)");
  bench->require_subcommand(1);
  add_bench_hash(*bench);
  add_bench_tokenize(*bench);
  add_bench_layer(*bench);
  add_bench_memory(*bench);
  add_bench_generate(*bench);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const engram::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
