// The experiment runner on a tiny two-arm grid over a KJV slice: a spec is checked
// strictly (errors name the field), the grid is ordered budgets > corpora > seeds > arms,
// the iso-parameter check names the arm and both counts, a grid writes results.jsonl and
// report.md with plots, a rerun skips what is finished, an interrupted grid resumes to
// exactly the results of an uninterrupted one, and a folder made by another spec is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "experiment/report.h"
#include "experiment/runner.h"
#include "experiment/spec.h"
#include "test_util.h"

namespace engram::experiment {

namespace {

namespace fs = std::filesystem;

std::string corpus_slice() {
  const std::string out = test::scratch_dir() + "/experiment_kjv_120000.txt";
  if (!file_exists(out)) write_file_atomic(out, read_file(cache_dir() + "/corpora/kjv.txt").substr(0, 120000));
  return out;
}

// The tiny spec of experiments/tiny.json, with the corpus at the slice; `patch` is merged over it.
Json tiny_spec(const Json& patch = Json::object()) {
  Json j = Json::parse(R"({
    "experiment": "tiny",
    "corpora": {"kjv": "kjv.txt"},
    "arms": [
      {"name": "moe", "config": {"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 32, "init_std": 0.05,
        "ffn": {"type": "moe", "hidden": 32, "n_experts": 4, "top_k": 2, "shared_hidden": 16}}},
      {"name": "engram", "config": {"d_model": 32, "n_layers": 2, "n_heads": 2, "max_seq_len": 32, "init_std": 0.05,
        "ffn": {"type": "moe", "hidden": 32, "n_experts": 3, "top_k": 2, "shared_hidden": 16},
        "engram": {"layer_ids": [1], "max_ngram_size": 3, "n_embed_per_ngram": 16, "n_head_per_ngram": 2,
                   "engram_vocab_size": [503, 503], "pad_id": 2, "seed": 0, "kernel_size": 4}}}
    ],
    "baseline": "moe",
    "seeds": [1, 2],
    "steps": [12],
    "train": {"batch": 4, "lr": 0.01, "warmup": 2, "eval_every": 4, "ckpt_every": 3, "heldout": 0.05,
              "threads": 1}
  })");
  j["corpora"]["kjv"] = corpus_slice();
  j.merge_patch(patch);
  return j;
}

std::string write_spec(const std::string& name, const Json& j) {
  const std::string p = test::scratch_dir() + "/" + name + ".json";
  write_file_atomic(p, j.dump(2));
  return p;
}

std::string spec_error(const std::string& name, const Json& j) {
  const std::string p = write_spec(name, j);
  return test::error_of([&] { load_spec(p); });
}

RunnerOptions runner(const std::string& out) {
  RunnerOptions o;
  o.out_dir = test::scratch_dir() + "/" + out;
  o.tokenizer_path = test::tokenizer_path();
  o.quiet = true;
  return o;
}

std::vector<Json> results_of(const std::string& path) {
  std::vector<Json> out;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(Json::parse(line));
  return out;
}

}  // namespace

TEST(ExperimentSpec, ErrorsNameTheField) {
  EXPECT_NE(spec_error("e_key", tiny_spec({{"sedes", {1}}})).find("unknown key 'sedes'"), std::string::npos);
  EXPECT_NE(spec_error("e_corpus", tiny_spec({{"corpora", {{"kjv", "no_such_corpus.txt"}}}}))
                .find("corpora.kjv: no file 'no_such_corpus.txt'"),
            std::string::npos);
  Json dup = tiny_spec();
  dup["arms"][1]["name"] = "moe";
  EXPECT_NE(spec_error("e_dup", dup).find("arms[1].name: 'moe' appears twice"), std::string::npos);
  EXPECT_NE(spec_error("e_seeds", tiny_spec({{"seeds", {1, 1}}})).find("seeds[1]: 1 appears twice"),
            std::string::npos);
  EXPECT_NE(spec_error("e_seeds0", tiny_spec({{"seeds", {0}}})).find("seeds[0]: must be positive"), std::string::npos);
  EXPECT_NE(spec_error("e_steps", tiny_spec({{"steps", Json::array()}})).find("steps: expected a non-empty array"),
            std::string::npos);
  EXPECT_NE(spec_error("e_base", tiny_spec({{"baseline", "dense"}})).find("baseline: no arm named 'dense'"),
            std::string::npos);
  EXPECT_NE(spec_error("e_train", tiny_spec({{"train", {{"eval_batches", 2}}}})).find("train: unknown key 'eval_batches'"),
            std::string::npos);
  EXPECT_NE(spec_error("e_heldout", tiny_spec({{"train", {{"heldout", 1.5}}}})).find("train.heldout: must be in (0, 1)"),
            std::string::npos);
  Json patch = tiny_spec();
  patch["arms"][0]["config_patch"] = {{"ffn", {{"top_k", "two"}}}};
  EXPECT_NE(spec_error("e_patch", patch).find("arms[0].config"), std::string::npos);
  Json arm_train = tiny_spec();
  arm_train["arms"][1]["train"] = {{"batch", 0}};
  EXPECT_NE(spec_error("e_arm_train", arm_train).find("arms[1].train.batch: must be >= 1"), std::string::npos);
  EXPECT_NE(spec_error("e_plot", tiny_spec({{"plot_x", "depth"}})).find("plot_x: 'depth'"), std::string::npos);
  const std::string ok = write_spec("e_ok", tiny_spec());
  EXPECT_NE(test::error_of([&] { load_spec(ok, {"wiki=/tmp/x"}); }).find("has no corpus 'wiki'"), std::string::npos);
  EXPECT_NE(test::error_of([&] { load_spec(ok, {"kjv"}); }).find("expected NAME=PATH"), std::string::npos);
}

TEST(ExperimentSpec, ConfigPatchAndTrainMerge) {
  Json j = tiny_spec();
  j["arms"][1]["config_patch"] = {{"ffn", {{"n_experts", 2}}}};
  j["arms"][1]["train"] = {{"lr", 0.02}};
  const ExperimentSpec s = load_spec(write_spec("merge", j));
  EXPECT_EQ(s.arms[1].config["ffn"]["n_experts"], 2);
  EXPECT_EQ(s.arms[1].config["ffn"]["hidden"], 32);  // the rest of the object kept
  EXPECT_EQ(s.arms[1].train["lr"], 0.02);
  EXPECT_EQ(s.arms[1].train["batch"], 4);  // the spec's train under the arm's
  EXPECT_EQ(s.arms[0].train["lr"], 0.01);
  EXPECT_EQ(s.corpora[0].identity["bytes"], 120000);
}

TEST(ExperimentSpec, GridOrderBudgetsCorporaSeedsArms) {
  const ExperimentSpec s = load_spec(write_spec("grid", tiny_spec({{"steps", {5, 9}}, {"seeds", {3, 1}}})));
  std::vector<std::string> ids;
  for (const RunSpec& r : expand_grid(s)) ids.push_back(r.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"moe.kjv.5.s3", "engram.kjv.5.s3", "moe.kjv.5.s1", "engram.kjv.5.s1",
                                           "moe.kjv.9.s3", "engram.kjv.9.s3", "moe.kjv.9.s1", "engram.kjv.9.s1"}));
}

TEST(ExperimentParams, IsoCheckNamesArmAndCounts) {
  const ExperimentSpec loose = load_spec(write_spec("iso_loose", tiny_spec({{"iso_params", {{"rel_tol", 1.0}}}})));
  const std::vector<ArmParams> p = check_params(loose, test::tokenizer_path());
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].rho, 1.0);  // no tables: every sparse parameter is in experts
  EXPECT_GT(p[1].counts.engram_tables, 0);
  EXPECT_LT(p[1].rho, 1.0);
  EXPECT_GT(p[1].rho, 0.0);
  const ExperimentSpec strict = load_spec(write_spec("iso_strict", tiny_spec({{"iso_params", {{"rel_tol", 0}}}})));
  const std::string e = test::error_of([&] { check_params(strict, test::tokenizer_path()); });
  EXPECT_NE(e.find("arm engram on kjv: total " + std::to_string(p[1].counts.total) + " vs baseline moe's " +
                   std::to_string(p[0].counts.total)),
            std::string::npos)
      << e;
}

TEST(ExperimentReport, HeldoutAtWallInterpolates) {
  const Json run = {{"evals",
                     {{{"wall_s", 1.0}, {"heldout_loss", 5.0}},
                      {{"wall_s", 3.0}, {"heldout_loss", 4.0}},
                      {{"wall_s", 4.0}, {"heldout_loss", 3.0}}}}};
  EXPECT_TRUE(std::isnan(heldout_at_wall(run, 0.5)));  // before the first evaluation
  EXPECT_EQ(heldout_at_wall(run, 1.0), 5.0);
  EXPECT_DOUBLE_EQ(heldout_at_wall(run, 2.0), 4.5);
  EXPECT_DOUBLE_EQ(heldout_at_wall(run, 3.5), 3.5);
  EXPECT_EQ(heldout_at_wall(run, 4.0), 3.0);
  EXPECT_TRUE(std::isnan(heldout_at_wall(run, 4.5)));  // after the last
}

TEST(ExperimentRunner, GridReportRerunAndExactResume) {
  const ExperimentSpec spec = load_spec(write_spec("run", tiny_spec()));
  RunnerOptions whole = runner("exp_whole");
  fs::remove_all(whole.out_dir);
  const ExperimentSummary s = run_experiment(spec, whole);
  EXPECT_EQ(s.runs, 4u);
  EXPECT_EQ(s.trained, 4u);
  EXPECT_EQ(s.finished, 4u);
  EXPECT_FALSE(s.stopped);
  const std::vector<Json> res = results_of(s.results_path);
  ASSERT_EQ(res.size(), 4u);
  const std::vector<std::string> order = {"moe.kjv.12.s1", "engram.kjv.12.s1", "moe.kjv.12.s2", "engram.kjv.12.s2"};
  for (size_t i = 0; i < res.size(); ++i) {
    const Json& r = res[i];
    EXPECT_EQ(r["run"], order[i]);
    EXPECT_EQ(r["steps"], 12);
    EXPECT_EQ(r["tokens"], 12 * 4 * 32);
    EXPECT_GT(r["wall_s"].get<double>(), 0);
    EXPECT_GT(r["params_total"].get<int64_t>(), r["params_activated"].get<int64_t>());
    EXPECT_GT(r["heldout_tokens"].get<int64_t>(), 0);
    ASSERT_EQ(r["evals"].size(), 3u);  // steps 4, 8, 12
    EXPECT_EQ(r["evals"][2]["heldout_loss"], r["heldout_loss"]);
    EXPECT_LT(r["heldout_loss"].get<double>(), r["evals"][0]["heldout_loss"].get<double>());
    EXPECT_TRUE(std::isfinite(r["train_loss_last50"].get<double>()));
  }
  EXPECT_EQ(res[0]["params_sparse"].get<int64_t>() > 0, true);
  EXPECT_EQ(res[0]["table_params"], 0);
  EXPECT_GT(res[1]["table_params"].get<int64_t>(), 0);
  EXPECT_NE(res[0]["heldout_loss"], res[2]["heldout_loss"]);  // seeds differ

  const std::string md = read_file(s.report_path);
  EXPECT_NE(md.find("## kjv, 12 steps (1,536 tokens)"), std::string::npos) << md;
  EXPECT_NE(md.find("| engram | 2 | "), std::string::npos) << md;  // paired row with both seeds
  EXPECT_NE(md.find("equal wall clock"), std::string::npos);
  for (const char* svg : {"/plots/kjv-12-tokens.svg", "/plots/kjv-12-wall.svg"}) {
    const std::string plot = read_file(whole.out_dir + svg);
    EXPECT_NE(plot.find("<svg"), std::string::npos) << svg;
  }

  // A rerun trains nothing and rewrites the same results.
  const ExperimentSummary again = run_experiment(spec, whole);
  EXPECT_EQ(again.skipped, 4u);
  EXPECT_EQ(again.trained, 0u);
  EXPECT_EQ(read_file(again.results_path), read_file(s.results_path));

  // Interrupted after 18 grid steps (run 2 stopped at its step 6), then resumed.
  RunnerOptions cut = runner("exp_cut");
  fs::remove_all(cut.out_dir);
  cut.stop_after = 18;
  const ExperimentSummary first = run_experiment(spec, cut);
  EXPECT_TRUE(first.stopped);
  EXPECT_EQ(first.finished, 1u);
  EXPECT_EQ(results_of(first.results_path).size(), 1u);
  cut.stop_after = -1;
  RunnerOptions dry = cut;
  dry.dry_run = true;
  const ExperimentSummary plan = run_experiment(spec, dry);
  EXPECT_EQ(plan.grid[0], "moe.kjv.12.s1: finished");
  EXPECT_EQ(plan.grid[1], "engram.kjv.12.s1: resumes at step 6");
  EXPECT_EQ(plan.grid[2], "moe.kjv.12.s2: new");
  const ExperimentSummary rest = run_experiment(spec, cut);
  EXPECT_EQ(rest.skipped, 1u);
  EXPECT_EQ(rest.resumed, 1u);
  EXPECT_EQ(rest.trained, 2u);
  const std::vector<Json> resumed = results_of(rest.results_path);
  ASSERT_EQ(resumed.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(resumed[i]["run"], res[i]["run"]);
    // Bit-exact resume: the same held-out loss at every evaluation and the same train loss.
    EXPECT_EQ(resumed[i]["heldout_loss"].get<double>(), res[i]["heldout_loss"].get<double>()) << res[i]["run"];
    EXPECT_EQ(resumed[i]["train_loss_last50"].get<double>(), res[i]["train_loss_last50"].get<double>());
    for (size_t e = 0; e < 3; ++e)
      EXPECT_EQ(resumed[i]["evals"][e]["heldout_loss"], res[i]["evals"][e]["heldout_loss"]);
  }

  // A changed spec (another lr) on the same folder is refused, naming the run and the field.
  const ExperimentSpec other = load_spec(write_spec("run_lr", tiny_spec({{"train", {{"lr", 0.02}}}})));
  const std::string e = test::error_of([&] { run_experiment(other, whole); });
  EXPECT_NE(e.find("run 'moe.kjv.12.s1' was made by a different spec (its 'train' differs)"), std::string::npos) << e;

  // --report-only rebuilds the outputs from the finished runs alone.
  fs::remove(whole.out_dir + "/report.md");
  RunnerOptions rep = whole;
  rep.report_only = true;
  const ExperimentSummary r2 = run_experiment(spec, rep);
  EXPECT_EQ(r2.finished, 4u);
  EXPECT_EQ(read_file(r2.report_path), md);
}

}  // namespace engram::experiment
