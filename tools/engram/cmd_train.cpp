// `engram train`, `engram eval`, `engram params`: training a language model with Engram
// layers on a corpus, evaluating a checkpoint, and counting parameters for iso-parameter
// comparisons.
// Below the public API: `params` counts parameters (model/param_count.h) and `train`
// reads a checkpoint's config to resume (train/checkpoint.h); train() itself is public.
#include <omp.h>

#include <cstdio>

#include "commands.h"
#include "core/json_util.h"
#include "model/param_count.h"
#include "train/checkpoint.h"
#include "train/trainer.h"

namespace engram::cli {

namespace {

// OpenMP's thread count for the whole run (OpenBLAS stays single-threaded: ops/gemm.h).
void set_threads(int n) {
  if (n <= 0) return;
  omp_set_num_threads(n);
}

struct TrainFlags {
  train::TrainOptions o;
  std::string schedule = "cosine", table_adam = "lazy";
  int threads = 0;
  bool json = false;
};

void run_train(TrainFlags& f) {
  set_threads(f.threads);
  train::TrainResult r = train::train(f.o);
  if (f.json) {
    Json j = {{"steps", r.steps_done},
              {"train_loss", r.last_train_loss},
              {"eval_loss", r.last_eval_loss},
              {"tokens_per_s", r.tokens_per_s},
              {"checkpoint", r.checkpoint_path},
              {"metrics", r.metrics_path},
              {"plot", r.plot_path},
              {"engram_time_share", r.engram_time_share},
              {"tables", r.tables},
              {"table_hit_rate", r.table_hit_rate},
              {"seconds",
               {{"embed", r.profile.embed},
                {"engram", r.profile.engram},
                {"attention", r.profile.attention},
                {"ffn", r.profile.ffn},
                {"head_and_loss", r.profile.head},
                {"optimizer", r.optimizer_seconds},
                {"data", r.data_seconds}}}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("%s: %lld steps, last train loss %.4f, held-out loss %.4f, %.0f tokens/s\n", f.o.label.c_str(),
              static_cast<long long>(r.steps_done), r.last_train_loss, r.last_eval_loss, r.tokens_per_s);
  std::printf("time: engram %.1fs (%.1f%% of model time), attention %.1fs, ffn %.1fs, head+loss %.1fs, "
              "optimizer %.1fs, data %.1fs\n",
              r.profile.engram, 100 * r.engram_time_share, r.profile.attention, r.profile.ffn, r.profile.head,
              r.optimizer_seconds, r.data_seconds);
  if (r.tables != "model") {
    std::printf("tables: %s", r.tables.c_str());
    if (r.table_hit_rate >= 0) std::printf(" (value-row cache hit rate %.3f)", r.table_hit_rate);
    std::printf("\n");
  }
  std::printf("checkpoint %s\nmetrics    %s\nloss curve %s\n", r.checkpoint_path.c_str(), r.metrics_path.c_str(),
              r.plot_path.c_str());
}

}  // namespace

void add_train_commands(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  CLI::App* t = app.add_subcommand("train", "Train a language model (attention, MoE, Engram) on a text corpus");
  t->add_option("config", f->o.config_path, "model config JSON")->required();
  t->add_option("--data", f->o.data_path, "text corpus (tokenized once into <file>.engtok) or a token file")
      ->required();
  t->add_option("--out", f->o.out_dir, "output folder (checkpoint, metrics.jsonl, loss.svg)")->capture_default_str();
  t->add_option("--tokenizer", f->o.tokenizer_path, "tokenizer.json (default: the cache path)");
  t->add_option("--label", f->o.label, "name shown in the progress bar and plot")->capture_default_str();
  t->add_option("--steps", f->o.steps, "optimizer steps")->capture_default_str();
  t->add_option("--batch", f->o.batch, "sequences per step")->capture_default_str();
  t->add_option("--seq", f->o.seq, "tokens per sequence (default: max_seq_len)");
  t->add_option("--lr", f->o.optim.lr, "peak learning rate (tables get x table-lr-mult)")->capture_default_str();
  t->add_option("--min-lr", f->o.optim.min_lr, "final learning rate of the cosine decay")->capture_default_str();
  t->add_option("--warmup", f->o.optim.warmup_steps, "linear warmup steps")->capture_default_str();
  t->add_option("--schedule", f->schedule,
                "learning-rate schedule after warmup: cosine (from the end of warmup), cosine_full (one cosine "
                "from step 0 times the warmup ramp), linear, constant")
      ->capture_default_str();
  t->add_option("--weight-decay", f->o.optim.weight_decay, "AdamW weight decay (dense weights)")->capture_default_str();
  t->add_option("--table-lr-mult", f->o.optim.table_lr_mult, "Engram table learning-rate multiplier")
      ->capture_default_str();
  t->add_option("--table-adam", f->table_adam,
                "optimiser of the Engram tables: lazy (a row's moments move only on steps that hit it) or dense "
                "(every row every step, as torch.optim.Adam; RAM tables only)")
      ->capture_default_str();
  t->add_option("--grad-clip", f->o.optim.grad_clip, "global gradient-norm clip (0: off)")->capture_default_str();
  t->add_option("--eval-every", f->o.eval_every, "held-out evaluation period (steps)")->capture_default_str();
  t->add_option("--eval-batches", f->o.eval_batches,
                "held-out batches per evaluation (0: every window of the held-out split)")
      ->capture_default_str();
  t->add_option("--ckpt-every", f->o.ckpt_every, "checkpoint period (steps)")->capture_default_str();
  t->add_option("--heldout", f->o.heldout_fraction, "fraction of the corpus (at its end) held out")
      ->capture_default_str();
  t->add_option("--seed", f->o.seed, "seed for initialisation and batch sampling")->capture_default_str();
  t->add_flag("--resume", f->o.resume, "continue from <out>/checkpoint.safetensors");
  t->add_option("--stop-after", f->o.stop_after, "stop after this many steps (as if interrupted; for resume tests)");
  t->add_option("--threads", f->threads, "threads (OpenMP; OpenBLAS runs single-threaded inside them; default: all cores)");
  t->add_option("--tables", f->o.tables.kind,
                "where the Engram tables live while training: model (parameters in RAM), or a memory-tier "
                "store over table files: ram, mmap, pread, ssd (io_uring O_DIRECT)")
      ->capture_default_str();
  t->add_option("--table-cache-mb", f->o.tables.cache_mb,
                "hot-row cache (TinyLFU) before the table files of an mmap/pread/ssd store, MiB; 0: none")
      ->capture_default_str();
  t->add_option("--table-dir", f->o.tables.dir, "folder of the working table files (default: <out>/tables)");
  t->add_option("--parity-dump", f->o.parity_dump,
                "write the initial weights (init.safetensors) and every batch (batches.safetensors) into this "
                "folder, for tools/peers/torch_train_parity.py");
  t->add_flag("--json", f->json, "print a JSON summary");
  t->callback([f] {
    f->o.optim.total_steps = f->o.steps;
    f->o.optim.schedule = train::parse_schedule(f->schedule);
    f->o.optim.table_adam = train::parse_table_adam(f->table_adam);
    train::validate(f->o.tables);
    run_train(*f);
  });

  struct EvalFlags {
    std::string checkpoint, data, tokenizer;
    int64_t batch = 8, max_batches = 0;
    double heldout = 0.05;
    int threads = 0;
    bool json = false;
  };
  auto e = std::make_shared<EvalFlags>();
  CLI::App* ev = app.add_subcommand("eval", "Held-out loss of a checkpoint on a corpus");
  ev->add_option("checkpoint", e->checkpoint, "checkpoint.safetensors written by `engram train`")->required();
  ev->add_option("--data", e->data, "text corpus or token file")->required();
  ev->add_option("--tokenizer", e->tokenizer, "tokenizer.json (default: the cache path)");
  ev->add_option("--batch", e->batch, "sequences per batch")->capture_default_str();
  ev->add_option("--max-batches", e->max_batches, "held-out batches to evaluate (0: the whole held-out split)")
      ->capture_default_str();
  ev->add_option("--heldout", e->heldout, "held-out fraction (as in training)")->capture_default_str();
  ev->add_option("--threads", e->threads, "threads");
  ev->add_flag("--json", e->json, "JSON output");
  ev->callback([e] {
    set_threads(e->threads);
    auto r = train::evaluate_checkpoint(e->checkpoint, e->data, e->tokenizer, e->batch, e->max_batches, e->heldout);
    if (e->json)
      std::printf("%s\n", Json({{"eval_loss", r.loss},
                                {"tokens", r.tokens},
                                {"windows", r.windows},
                                {"windows_total", r.windows_total}})
                               .dump()
                               .c_str());
    else
      std::printf("held-out loss %.4f over %lld tokens (%lld of %lld held-out windows)\n", r.loss,
                  static_cast<long long>(r.tokens), static_cast<long long>(r.windows),
                  static_cast<long long>(r.windows_total));
  });

  struct ParamFlags {
    std::string config;
    int64_t vocab = 0;
    bool json = false;
  };
  auto p = std::make_shared<ParamFlags>();
  CLI::App* pc = app.add_subcommand("params", "Total, activated-per-token and sparse parameter counts of a config");
  pc->add_option("config", p->config, "model config JSON, or a checkpoint (.safetensors) to read its config")
      ->required();
  pc->add_option("--vocab-size", p->vocab, "model vocabulary size when the config leaves it to the corpus");
  pc->add_flag("--json", p->json, "JSON output");
  pc->callback([p] {
    const bool ckpt = p->config.size() > 12 && p->config.substr(p->config.size() - 12) == ".safetensors";
    model::ModelConfig cfg = ckpt ? train::checkpoint_config(p->config) : model::ModelConfig::load(p->config);
    if (p->vocab > 0) cfg.vocab_size = p->vocab;
    model::ParamCounts c = model::count_params(cfg);
    if (p->json) {
      std::printf("%s\n", c.to_json().dump().c_str());
      return;
    }
    auto row = [](const char* k, int64_t v) { std::printf("  %-34s %14lld\n", k, static_cast<long long>(v)); };
    std::printf("%s (vocab %lld)\n", p->config.c_str(), static_cast<long long>(cfg.vocab_size));
    row("total parameters", c.total);
    row("activated per token", c.activated);
    row("sparse (unselected experts + tables)", c.sparse);
    row("  embedding (+head)", c.embedding);
    row("  attention (+norms)", c.attention);
    row("  dense FFN", c.dense_ffn);
    row("  routed experts (+routers)", c.routed_experts);
    row("  shared experts", c.shared_experts);
    row("  Engram dense", c.engram_dense);
    row("  Engram tables", c.engram_tables);
  });
}

}  // namespace engram::cli
