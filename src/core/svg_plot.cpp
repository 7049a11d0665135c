#include "core/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/file.h"

namespace engram {

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

std::string num(double v) {
  char b[32];
  const double a = std::fabs(v);
  if (a != 0 && (a >= 1e5 || a < 1e-3)) std::snprintf(b, sizeof b, "%.2g", v);
  else std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// "Nice" tick step for a range split into about n parts.
double nice_step(double range, int n) {
  const double raw = range / n;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"};

}  // namespace

std::string render_line_plot(const PlotSpec& spec, const std::vector<PlotSeries>& series) {
  const double L = 70, R = 20, Tm = 40, Bm = 55;
  const double W = spec.width, H = spec.height, pw = W - L - R, ph = H - Tm - Bm;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  auto tx = [&](double x) { return spec.log_x ? std::log10(std::max(x, 1e-300)) : x; };
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, tx(s.x[i]));
      x1 = std::max(x1, tx(s.x[i]));
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  auto px = [&](double x) { return L + (tx(x) - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return Tm + (1 - (y - y0) / (y1 - y0)) * ph; };
  std::string o;
  char b[512];
  std::snprintf(b, sizeof b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
                spec.width, spec.height);
  o += b;
  std::snprintf(b, sizeof b, "<text x=\"%g\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">%s</text>\n", W / 2,
                esc(spec.title).c_str());
  o += b;
  // y ticks
  const double ys = nice_step(y1 - y0, 6);
  for (double v = std::ceil(y0 / ys) * ys; v <= y1; v += ys) {
    std::snprintf(b, sizeof b,
                  "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#ddd\"/><text x=\"%g\" y=\"%g\" "
                  "text-anchor=\"end\">%s</text>\n",
                  L, py(v), L + pw, py(v), L - 6, py(v) + 4, num(v).c_str());
    o += b;
  }
  // x ticks
  const double xs = spec.log_x ? 1.0 : nice_step(x1 - x0, 6);
  for (double v = std::ceil(x0 / xs) * xs; v <= x1 + 1e-9; v += xs) {
    const double xv = spec.log_x ? std::pow(10.0, v) : v;
    const double X = L + (v - x0) / (x1 - x0) * pw;
    std::snprintf(b, sizeof b,
                  "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#ddd\"/><text x=\"%g\" y=\"%g\" "
                  "text-anchor=\"middle\">%s</text>\n",
                  X, Tm, X, Tm + ph, X, Tm + ph + 16, num(xv).c_str());
    o += b;
  }
  std::snprintf(b, sizeof b,
                "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#333\"/>\n"
                "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n"
                "<text x=\"16\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 16 %g)\">%s</text>\n",
                L, Tm, pw, ph, L + pw / 2, H - 12, esc(spec.x_label).c_str(), Tm + ph / 2, Tm + ph / 2,
                esc(spec.y_label).c_str());
  o += b;
  for (size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    const char* col = kColors[si % 8];
    std::string pts;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      std::snprintf(b, sizeof b, "%.1f,%.1f ", px(s.x[i]), py(s.y[i]));
      pts += b;
    }
    o += "<polyline fill=\"none\" stroke=\"" + std::string(col) + "\" stroke-width=\"1.8\" points=\"" + pts + "\"/>\n";
    if (s.x.size() <= 40)
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
        if (!std::isfinite(s.y[i])) continue;
        std::snprintf(b, sizeof b, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>\n", px(s.x[i]), py(s.y[i]), col);
        o += b;
      }
    std::snprintf(b, sizeof b,
                  "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%g\" "
                  "y=\"%g\">%s</text>\n",
                  L + pw - 190, Tm + 16 + 18.0 * si, L + pw - 165, Tm + 16 + 18.0 * si, col, L + pw - 160,
                  Tm + 20 + 18.0 * si, esc(s.name).c_str());
    o += b;
  }
  o += "</svg>\n";
  return o;
}

void write_line_plot(const std::string& path, const PlotSpec& spec, const std::vector<PlotSeries>& series) {
  write_file_atomic(path, render_line_plot(spec, series));
}

}  // namespace engram
