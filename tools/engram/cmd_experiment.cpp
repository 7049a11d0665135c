// `engram experiment SPEC.json --out DIR`: a grid of training runs (arms x corpora x step
// budgets x seeds), resumable, with results.jsonl and report.md (src/experiment/).
// Below the public API: the runner is internal (experiment/runner.h).
#include <cstdio>

#include "commands.h"
#include "core/json_util.h"
#include "experiment/runner.h"

namespace engram::cli {

void add_experiment_command(CLI::App& app) {
  struct Flags {
    std::string spec, out, tokenizer;
    std::vector<std::string> corpora;
    int threads = -1;
    int64_t stop_after = -1;
    bool dry_run = false, report_only = false, json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* c = app.add_subcommand(
      "experiment",
      "Run an experiment spec: a grid of training runs (arms x corpora x step budgets x seeds), one at a time, "
      "resumable; writes DIR/results.jsonl and DIR/report.md (means, std, paired 95% intervals, plots)");
  c->add_option("spec", f->spec, "experiment spec JSON (experiments/*.json; format: docs/EXPERIMENTS.md)")->required();
  c->add_option("--out", f->out, "output folder: runs/<id>/ per run, results.jsonl, report.md, plots/")->required();
  c->add_option("--corpus", f->corpora, "NAME=PATH: use PATH for the spec's corpus NAME (repeatable)");
  c->add_option("--tokenizer", f->tokenizer, "tokenizer.json (default: the cache path)");
  c->add_option("--threads", f->threads, "threads for every run (0: all cores; default: the spec's, else all)");
  c->add_option("--stop-after", f->stop_after,
                 "stop, as if interrupted, once N steps of the grid are trained (the next invocation resumes)");
  c->add_flag("--dry-run", f->dry_run, "check the spec and the parameter counts, list the grid, train nothing");
  c->add_flag("--report-only", f->report_only, "rewrite results.jsonl and report.md from the finished runs");
  c->add_flag("--json", f->json, "print a JSON summary");
  c->callback([f] {
    const experiment::ExperimentSpec spec = experiment::load_spec(f->spec, f->corpora);
    experiment::RunnerOptions o;
    o.out_dir = f->out;
    o.tokenizer_path = f->tokenizer;
    o.threads = f->threads;
    o.dry_run = f->dry_run;
    o.report_only = f->report_only;
    o.stop_after = f->stop_after;
    const experiment::ExperimentSummary s = experiment::run_experiment(spec, o);
    if (f->json) {
      Json params = Json::array();
      for (const auto& p : s.params) {
        Json c = p.counts.to_json();
        c["arm"] = p.arm;
        c["corpus"] = p.corpus;
        c["rho"] = p.rho;
        params.push_back(c);
      }
      std::printf("%s\n", Json({{"runs", s.runs},
                                {"finished", s.finished},
                                {"skipped", s.skipped},
                                {"resumed", s.resumed},
                                {"trained", s.trained},
                                {"stopped", s.stopped},
                                {"grid", s.grid},
                                {"params", params},
                                {"results", f->dry_run ? "" : s.results_path},
                                {"report", f->dry_run ? "" : s.report_path}})
                              .dump()
                              .c_str());
      return;
    }
    if (f->dry_run) {
      std::printf("%s: %zu runs (%zu finished, %zu to resume)\n", f->spec.c_str(), s.runs, s.skipped, s.resumed);
      for (const auto& p : s.params)
        std::printf("  %-16s %-12s total %12lld  activated %10lld  sparse %12lld  rho %.3f  tables %lld\n",
                    p.arm.c_str(), p.corpus.c_str(), static_cast<long long>(p.counts.total),
                    static_cast<long long>(p.counts.activated), static_cast<long long>(p.counts.sparse), p.rho,
                    static_cast<long long>(p.counts.engram_tables));
      for (const std::string& g : s.grid) std::printf("  %s\n", g.c_str());
      return;
    }
    std::printf("%zu of %zu runs finished (%zu trained, %zu resumed, %zu already done)%s\nresults %s\nreport  %s\n",
                s.finished, s.runs, s.trained, s.resumed, s.skipped,
                s.stopped ? "; stopped by --stop-after, run again to resume" : "", s.results_path.c_str(),
                s.report_path.c_str());
  });
}

}  // namespace engram::cli
