// `engram table create | inspect | verify`: build, describe and check Engram table files
// (docs/FORMAT.md).
// Below the public API: inspects and verifies the table file format block by block
// (memory/table_file.h), which engram::Table opens only as a whole.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "core/error.h"
#include "core/json_util.h"
#include "core/progress.h"
#include "hashing/hash_config.h"
#include "io/safetensors.h"
#include "memory/table_config.h"
#include "memory/table_file.h"
#include "memory/table_writer.h"

namespace engram::cli {

namespace {

struct CreateOpts {
  std::string out, config, dtype = "f32", from, tensor = "multi_head_embedding.embedding.weight";
  int64_t layer_id = -1;
  uint64_t seed = 0;
};

struct InspectOpts {
  std::string path;
  bool json = false;
};

std::string human_bytes(double b) {
  const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int i = 0;
  while (b >= 1024 && i < 4) {
    b /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f %s", b, u[i]);
  return buf;
}

void run_create(const CreateOpts& o) {
  HashConfig cfg = hash_config_from_json(load_json_file(o.config), o.config);
  TableSpec spec = table_spec_for(cfg, o.layer_id, parse_dtype(o.dtype));
  TableInfo plan = plan_table(spec);
  std::fprintf(stderr, "table: layer %lld, %zu heads, %llu rows x %u values (%s, %u-byte rows), %s on disk\n",
               static_cast<long long>(spec.layer_id), spec.head_rows.size(),
               static_cast<unsigned long long>(plan.n_rows), plan.dim, o.dtype.c_str(), plan.row_bytes,
               human_bytes(static_cast<double>(plan.file_bytes)).c_str());
  Progress bar("table create", plan.n_rows, "row");
  if (o.from.empty()) {
    write_random_table(o.out, spec, o.seed, &bar);
  } else {
    SafeTensors st = SafeTensors::load(o.from);
    std::vector<int64_t> shape = {static_cast<int64_t>(plan.n_rows), static_cast<int64_t>(plan.dim)};
    std::vector<float> m = st.read_as_f32(o.tensor, shape);
    write_table_from_matrix(o.out, spec, m.data(), &bar);
  }
  std::printf("wrote %s\n", o.out.c_str());
}

void run_inspect(const InspectOpts& o) {
  auto t = TableFile::open(o.path);
  const TableInfo& i = t->info();
  if (o.json) {
    std::printf("%s\n", i.to_json().dump(2).c_str());
    return;
  }
  std::printf("table        %s\n", i.path.c_str());
  std::printf("format       engram table v%u\n", kTableVersion);
  std::printf("layer id     %lld\n", static_cast<long long>(i.layer_id));
  std::printf("dtype        %s, dim %u, %u-byte rows\n", row_dtype_name(i.dtype).c_str(), i.dim, i.row_bytes);
  std::printf("rows         %llu in %zu heads\n", static_cast<unsigned long long>(i.n_rows), i.head_rows.size());
  for (size_t h = 0; h < i.head_rows.size(); ++h)
    std::printf("  head %-3zu   rows %llu at offset %llu\n", h, static_cast<unsigned long long>(i.head_rows[h]),
                static_cast<unsigned long long>(i.head_offsets[h]));
  std::printf("blocks       %llu x %llu bytes, %u rows each (data at %llu)\n",
              static_cast<unsigned long long>(i.n_blocks), static_cast<unsigned long long>(i.block_bytes),
              i.rows_per_block, static_cast<unsigned long long>(i.data_offset));
  std::printf("file         %s (%llu bytes)\n", human_bytes(static_cast<double>(i.file_bytes)).c_str(),
              static_cast<unsigned long long>(i.file_bytes));
  std::printf("config       %s\n", i.config_json.empty() ? "(none)" : i.config_json.c_str());
  std::printf("fingerprint  %016llx\n", static_cast<unsigned long long>(i.config_fingerprint));
}

void run_verify(const InspectOpts& o) {
  auto t = TableFile::open(o.path);  // header checks
  const TableInfo& i = t->info();
  Progress bar("table verify", i.n_blocks, "block");
  double t0 = now_seconds();
  auto rep = t->verify_all(&bar);
  double dt = now_seconds() - t0;
  bool ok = rep.bad_blocks.empty();
  if (o.json) {
    Json j;
    j["path"] = i.path;
    j["ok"] = ok;
    j["blocks_checked"] = rep.blocks_checked;
    j["bad_blocks"] = rep.bad_blocks;
    j["seconds"] = dt;
    j["bytes_per_s"] = dt > 0 ? static_cast<double>(i.file_bytes) / dt : 0.0;
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%s: %llu blocks checked, %zu bad (%.2f s, %s/s)\n", i.path.c_str(),
                static_cast<unsigned long long>(rep.blocks_checked), rep.bad_blocks.size(), dt,
                human_bytes(dt > 0 ? static_cast<double>(i.file_bytes) / dt : 0.0).c_str());
    for (size_t k = 0; k < rep.bad_blocks.size() && k < 20; ++k) {
      uint64_t b = rep.bad_blocks[k];
      std::printf("  bad block %llu at offset %llu (rows %llu..%llu)\n", static_cast<unsigned long long>(b),
                  static_cast<unsigned long long>(i.block_file_offset(b)),
                  static_cast<unsigned long long>(b * i.rows_per_block),
                  static_cast<unsigned long long>(b * i.rows_per_block + i.rows_in_block(b) - 1));
    }
  }
  if (!ok)
    throw Error(i.path + ": " + std::to_string(rep.bad_blocks.size()) + " block(s) failed their checksum (first: block " +
                std::to_string(rep.bad_blocks[0]) + ")");
}

}  // namespace

void add_table_command(CLI::App& app) {
  CLI::App* table = app.add_subcommand("table", "Create, inspect and verify Engram table files (.engt)");
  table->require_subcommand(1);

  auto co = std::make_shared<CreateOpts>();
  CLI::App* create = table->add_subcommand("create", "Write a table for one Engram layer: random init or import");
  create->add_option("--out", co->out, "Output table path (.engt)")->required();
  create->add_option("--layer-id", co->layer_id, "Engram layer id (one of the config's layer_ids)")->required();
  create->add_option("--config", co->config, "Hashing config JSON (demo field names)")->required()->check(CLI::ExistingFile);
  create->add_option("--dtype", co->dtype, "Row dtype: f32, bf16, fp8 (e4m3 + ue8m0 per 32), int8 (per-row scale)")
      ->check(CLI::IsMember({"f32", "bf16", "fp8", "int8"}))
      ->capture_default_str();
  create->add_option("--seed", co->seed, "Random-init seed")->capture_default_str();
  create->add_option("--from", co->from, "Import rows from this safetensors file instead of random init")
      ->check(CLI::ExistingFile);
  create->add_option("--tensor", co->tensor, "Tensor name in --from, shape [n_rows, dim]")->capture_default_str();
  create->callback([co] { run_create(*co); });

  auto io = std::make_shared<InspectOpts>();
  CLI::App* inspect = table->add_subcommand("inspect", "Print a table's header (validated)");
  inspect->add_option("table", io->path, "Table file")->required();
  inspect->add_flag("--json", io->json, "Machine-readable output");
  inspect->callback([io] { run_inspect(*io); });

  auto vo = std::make_shared<InspectOpts>();
  CLI::App* verify = table->add_subcommand("verify", "Check the header and every block checksum");
  verify->add_option("table", vo->path, "Table file")->required();
  verify->add_flag("--json", vo->json, "Machine-readable output");
  verify->callback([vo] { run_verify(*vo); });
}

}  // namespace engram::cli
