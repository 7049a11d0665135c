// `engram plot`: loss curves of one or more training runs (their metrics.jsonl) on one
// SVG chart: held-out loss and an EMA of the training loss per run.
#include <cmath>
#include <cstdio>
#include <sstream>

#include "commands.h"
#include "core/error.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/svg_plot.h"

namespace engram::cli {

void add_plot_command(CLI::App& app) {
  struct Flags {
    std::vector<std::string> runs;
    std::string out = "loss.svg", title = "Loss curves";
  };
  auto f = std::make_shared<Flags>();
  CLI::App* p = app.add_subcommand("plot", "Plot the loss curves of training runs (metrics.jsonl) into one SVG");
  p->add_option("runs", f->runs, "LABEL=path/to/metrics.jsonl, one per run")->required();
  p->add_option("--out", f->out, "output SVG")->capture_default_str();
  p->add_option("--title", f->title, "chart title")->capture_default_str();
  p->callback([f] {
    std::vector<PlotSeries> series;
    for (const auto& r : f->runs) {
      const auto eq = r.find('=');
      if (eq == std::string::npos) throw Error("plot: expected LABEL=metrics.jsonl, got '" + r + "'");
      const std::string label = r.substr(0, eq), path = r.substr(eq + 1);
      PlotSeries tr{label + " train (EMA)", {}, {}}, ev{label + " held-out", {}, {}};
      std::istringstream in(read_file(path));
      double ema = NAN;
      int line_no = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (line.empty()) continue;
        const std::string where = path + ":" + std::to_string(line_no);
        Json j = parse_json(line, where);
        const double step = json_number(json_field(j, "step", where), where + ": step") + 1;
        if (const Json* l = json_field_opt(j, "loss")) {
          const double v = json_number(*l, where + ": loss");
          ema = std::isnan(ema) ? v : 0.95 * ema + 0.05 * v;
          tr.x.push_back(step);
          tr.y.push_back(ema);
        }
        if (const Json* e = json_field_opt(j, "eval_loss")) {
          ev.x.push_back(step);
          ev.y.push_back(json_number(*e, where + ": eval_loss"));
        }
      }
      series.push_back(ev);
      series.push_back(tr);
    }
    write_line_plot(f->out, {f->title, "step", "cross-entropy (nats)"}, series);
    std::printf("wrote %s\n", f->out.c_str());
  });
}

}  // namespace engram::cli
