// The `engram bench <what>` subcommands: end-to-end benchmarks of the hot paths (tokenize,
// hash, layer, memory tiers, generation), each printing medians and, with --json, the
// figures docs/RESULTS.md quotes. They live with the micro benches in bench/; the CLI only
// registers them (tools/engram/main.cpp).
//
// They reach below the public API (include/engram) on purpose: a bench times one stage in
// isolation (a hash kernel, a store, the layer's GEMM floor) where the public surface only
// offers the composed path.
#pragma once

#include <CLI/CLI.hpp>

namespace engram::cli {

void add_bench_hash(CLI::App& bench);      // bench_hash.cpp
void add_bench_tokenize(CLI::App& bench);  // bench_tokenize.cpp
void add_bench_layer(CLI::App& bench);     // bench_layer.cpp
void add_bench_memory(CLI::App& bench);    // bench_memory.cpp (store, overlap)
void add_bench_generate(CLI::App& bench);  // bench_generate.cpp

}  // namespace engram::cli
