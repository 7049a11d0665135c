// Minimal SVG line charts (no plotting library needed): several named series on shared
// axes, with ticks, a legend and an optional log-scale x axis.
#pragma once

#include <string>
#include <vector>

namespace engram {

struct PlotSeries {
  std::string name;
  std::vector<double> x, y;
};

struct PlotSpec {
  std::string title, x_label, y_label;
  bool log_x = false;
  int width = 720, height = 440;
};

// Renders the chart as SVG text.
std::string render_line_plot(const PlotSpec& spec, const std::vector<PlotSeries>& series);
// Renders and writes atomically.
void write_line_plot(const std::string& path, const PlotSpec& spec, const std::vector<PlotSeries>& series);

}  // namespace engram
