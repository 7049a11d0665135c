#include "experiment/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "core/file.h"
#include "core/stats.h"
#include "core/svg_plot.h"

namespace engram::experiment {

namespace {

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string thousands(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v), o;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) o += ',';
    o += s[i];
  }
  return (v < 0 ? "-" : "") + o;
}

std::string verdict(const PairedInterval& p) {
  if (p.n < 2) return "one seed: no interval";
  if (p.hi < 0) return "**lower** (interval below 0)";
  if (p.lo > 0) return "**higher** (interval above 0)";
  return "within noise (interval holds 0)";
}

std::string interval(const PairedInterval& p) {
  if (p.n < 2) return "-";
  return "[" + fmt("%+.4f", p.lo) + ", " + fmt("%+.4f", p.hi) + "]";
}

double num(const Json& r, const char* k) { return r[k].get<double>(); }

// Mean over an arm's runs of `key` at each evaluation all of them have.
PlotSeries eval_series(const std::string& name, const std::vector<const Json*>& runs, const char* x_key) {
  PlotSeries s{name, {}, {}};
  size_t n = SIZE_MAX;
  for (const Json* r : runs) n = std::min(n, (*r)["evals"].size());
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> xs, ys;
    for (const Json* r : runs) {
      xs.push_back((*r)["evals"][i][x_key].get<double>());
      ys.push_back((*r)["evals"][i]["heldout_loss"].get<double>());
    }
    s.x.push_back(mean(xs));
    s.y.push_back(mean(ys));
  }
  return s;
}

}  // namespace

double heldout_at_wall(const Json& run, double w) {
  const Json& ev = run["evals"];
  for (size_t i = 0; i < ev.size(); ++i) {
    const double wi = ev[i]["wall_s"].get<double>(), li = ev[i]["heldout_loss"].get<double>();
    if (w <= wi) {
      if (i == 0) return w == wi ? li : NAN;
      const double w0 = ev[i - 1]["wall_s"].get<double>(), l0 = ev[i - 1]["heldout_loss"].get<double>();
      return wi > w0 ? l0 + (li - l0) * (w - w0) / (wi - w0) : li;
    }
  }
  return NAN;
}

void write_report(const ExperimentSpec& spec, const std::vector<Json>& results, size_t grid_runs,
                  const std::string& out_dir) {
  std::filesystem::create_directories(out_dir + "/plots");
  std::string md = "# Experiment `" + spec.experiment + "`\n\n";
  if (!spec.description.empty()) md += spec.description + "\n\n";
  md += "Spec `" + spec.path + "`; " + std::to_string(results.size()) + " of " + std::to_string(grid_runs) +
        " runs finished. Arms:";
  for (const ArmSpec& a : spec.arms) md += " `" + a.name + "`" + (a.name == spec.baseline ? " (baseline)" : "");
  md += "; seeds:";
  for (uint64_t s : spec.seeds) md += " " + std::to_string(s);
  md += ".\n\nHeld-out loss: mean cross-entropy (nats) over the whole held-out split, token-weighted. Wall: "
        "training seconds, held-out evaluations excluded. A difference is arm minus baseline on the same seed "
        "(paired); its interval is the two-sided 95% Student t interval over the pairs. Equal wall clock: both "
        "runs of a pair compared at the shorter one's training time, the longer one's held-out loss interpolated "
        "between its evaluations.\n\n";

  // Parameters, from the first finished run of each arm on each corpus.
  md += "## Parameters\n\n| corpus | arm | total | activated | sparse | rho | table params | total vs baseline | "
        "activated vs baseline |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const CorpusSpec& c : spec.corpora) {
    const Json* base = nullptr;
    for (const Json& r : results)
      if (r["corpus"] == c.name && r["arm"] == spec.baseline) base = base ? base : &r;
    for (const ArmSpec& a : spec.arms) {
      const Json* first = nullptr;
      for (const Json& r : results)
        if (!first && r["corpus"] == c.name && r["arm"] == a.name) first = &r;
      if (!first) continue;
      const Json& r = *first;
      auto rel = [&](const char* k) {
        return base ? fmt("%+.2e", num(r, k) / num(*base, k) - 1) : std::string("-");
      };
      md += "| " + c.name + " | " + a.name + " | " + thousands(r["params_total"].get<int64_t>()) + " | " +
            thousands(r["params_activated"].get<int64_t>()) + " | " + thousands(r["params_sparse"].get<int64_t>()) +
            " | " + fmt("%.3f", num(r, "rho")) + " | " + thousands(r["table_params"].get<int64_t>()) + " | " +
            rel("params_total") + " | " + rel("params_activated") + " |\n";
    }
  }
  if (spec.iso_rel_tol >= 0)
    md += "\nIso-parameter check (before training): total and activated within a relative " +
          fmt("%.1e", spec.iso_rel_tol) + " of the baseline on every corpus.\n";

  std::vector<PlotSeries> by_x;
  std::string x_table;
  for (int64_t steps : spec.steps)
    for (const CorpusSpec& c : spec.corpora) {
      std::map<std::string, std::vector<const Json*>> arm_runs;
      for (const Json& r : results)
        if (r["corpus"] == c.name && r["steps"].get<int64_t>() == steps) arm_runs[r["arm"]].push_back(&r);
      if (arm_runs.empty()) continue;
      const int64_t tokens = (*arm_runs.begin()->second[0])["tokens"].get<int64_t>();
      md += "\n## " + c.name + ", " + std::to_string(steps) + " steps (" + thousands(tokens) + " tokens)\n\n";
      md += "| arm | seeds | held-out mean | std | train loss (last 50 steps) | wall s | tokens/s |\n"
            "|---|---|---|---|---|---|---|\n";
      PlotSeries xs{c.name + ", " + std::to_string(steps) + " steps", {}, {}};
      std::vector<std::pair<double, double>> xy;
      for (const ArmSpec& a : spec.arms) {
        const auto it = arm_runs.find(a.name);
        if (it == arm_runs.end()) continue;
        std::vector<double> h, tl, w;
        for (const Json* r : it->second) {
          h.push_back(num(*r, "heldout_loss"));
          tl.push_back(num(*r, "train_loss_last50"));
          w.push_back(num(*r, "wall_s"));
        }
        md += "| " + a.name + " | " + std::to_string(h.size()) + " | " + fmt("%.4f", mean(h)) + " | " +
              (h.size() > 1 ? fmt("%.4f", sample_std(h)) : std::string("-")) + " | " + fmt("%.4f", mean(tl)) + " | " +
              fmt("%.1f", mean(w)) + " | " + fmt("%.0f", static_cast<double>(tokens) / mean(w)) + " |\n";
        if (!spec.plot_x.empty()) xy.emplace_back(num(*it->second[0], spec.plot_x.c_str()), mean(h));
      }
      const auto bit = arm_runs.find(spec.baseline);
      if (bit != arm_runs.end() && arm_runs.size() > 1) {
        md += "\nAgainst `" + spec.baseline + "` (arm minus baseline, same seed):\n\n"
              "| arm | pairs | equal steps: mean diff | 95% interval | verdict | equal wall clock: pairs | mean diff "
              "| 95% interval | verdict |\n|---|---|---|---|---|---|---|---|---|\n";
        std::map<uint64_t, const Json*> base_by_seed;
        for (const Json* r : bit->second) base_by_seed[(*r)["seed"].get<uint64_t>()] = r;
        for (const ArmSpec& a : spec.arms) {
          const auto it = arm_runs.find(a.name);
          if (a.name == spec.baseline || it == arm_runs.end()) continue;
          std::vector<double> av, bv, at, bt;
          for (const Json* r : it->second) {
            const auto b = base_by_seed.find((*r)["seed"].get<uint64_t>());
            if (b == base_by_seed.end()) continue;
            av.push_back(num(*r, "heldout_loss"));
            bv.push_back(num(*b->second, "heldout_loss"));
            const double t = std::min(num(*r, "wall_s"), num(*b->second, "wall_s"));
            const double la = heldout_at_wall(*r, t), lb = heldout_at_wall(*b->second, t);
            if (std::isnan(la) || std::isnan(lb)) continue;
            at.push_back(la);
            bt.push_back(lb);
          }
          if (av.empty()) continue;
          const PairedInterval ps = paired_interval(av, bv);
          md += "| " + a.name + " | " + std::to_string(ps.n) + " | " + fmt("%+.4f", ps.mean) + " | " + interval(ps) +
                " | " + verdict(ps) + " | ";
          if (at.empty()) {
            md += "0 | - | - | no common evaluation time |\n";
          } else {
            const PairedInterval pt = paired_interval(at, bt);
            md += std::to_string(pt.n) + " | " + fmt("%+.4f", pt.mean) + " | " + interval(pt) + " | " + verdict(pt) +
                  " |\n";
          }
        }
      }
      std::vector<PlotSeries> st, sw;
      for (const ArmSpec& a : spec.arms) {
        const auto it = arm_runs.find(a.name);
        if (it == arm_runs.end()) continue;
        st.push_back(eval_series(a.name, it->second, "tokens"));
        sw.push_back(eval_series(a.name, it->second, "wall_s"));
      }
      const std::string stem = c.name + "-" + std::to_string(steps);
      write_line_plot(out_dir + "/plots/" + stem + "-tokens.svg",
                      {c.name + ", held-out loss (mean over seeds)", "tokens trained", "held-out loss"}, st);
      write_line_plot(out_dir + "/plots/" + stem + "-wall.svg",
                      {c.name + ", held-out loss (mean over seeds)", "training wall clock (s)", "held-out loss"}, sw);
      md += "\n![held-out vs tokens](plots/" + stem + "-tokens.svg)\n![held-out vs wall clock](plots/" + stem +
            "-wall.svg)\n";
      if (!xy.empty()) {
        std::sort(xy.begin(), xy.end());
        for (auto [x, y] : xy) {
          xs.x.push_back(x);
          xs.y.push_back(y);
          x_table += "| " + c.name + " | " + std::to_string(steps) + " | " +
                     (spec.plot_x == "rho" ? fmt("%.3f", x) : thousands(static_cast<int64_t>(x))) + " | " +
                     fmt("%.4f", y) + " |\n";
        }
        by_x.push_back(std::move(xs));
      }
    }
  if (!by_x.empty()) {
    const bool rho = spec.plot_x == "rho";
    const std::string label = rho ? "rho (share of sparse parameters in routed experts)" : "table parameters";
    write_line_plot(out_dir + "/plots/" + spec.plot_x + ".svg",
                    {"final held-out loss (mean over seeds) against " + spec.plot_x, label, "held-out loss", !rho},
                    by_x);
    md += "\n## Final held-out loss against " + spec.plot_x + "\n\n| corpus | steps | " + spec.plot_x +
          " | held-out mean |\n|---|---|---|---|\n" + x_table + "\n![against " + spec.plot_x + "](plots/" +
          spec.plot_x + ".svg)\n";
  }
  write_file_atomic(out_dir + "/report.md", md);
}

}  // namespace engram::experiment
