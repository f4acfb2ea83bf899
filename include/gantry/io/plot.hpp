#pragma once
// Diagnostic plots as PNG, drawn by hand (no plotting library in a header-only package):
// scatter plots of real vs generated 2-D toy data, and loss curves from a JSONL log.
// Canvas is a tiny RGB rasteriser: pixels, Bresenham lines, discs and a 5x7 bitmap font
// (digits, lowercase letters, a few symbols; uppercase is drawn as lowercase) for tick
// labels and legends.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/tensor.hpp"
#include "json.hpp"
#include "jsonl_log.hpp"
#include "png.hpp"

namespace gantry::io {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

// Matplotlib's default cycle (tab10): distinct and readable on white.
inline constexpr std::array<Rgb, 10> palette{{{31, 119, 180},
                                              {255, 127, 14},
                                              {44, 160, 44},
                                              {214, 39, 40},
                                              {148, 103, 189},
                                              {140, 86, 75},
                                              {227, 119, 194},
                                              {127, 127, 127},
                                              {188, 189, 34},
                                              {23, 190, 207}}};

namespace detail {

// 7 rows of 5 bits (bit 4 = leftmost column), HD44780-style glyphs.
inline const uint8_t* glyph(char ch) {
  struct G {
    char c;
    uint8_t rows[7];
  };
  static const G table[] = {
      {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}}, {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
      {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}}, {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
      {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}}, {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
      {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}}, {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
      {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}}, {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
      {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}}, {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
      {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}}, {'_', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}},
      {':', {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}}, {'/', {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
      {' ', {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}}, {'a', {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F}},
      {'b', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}}, {'c', {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E}},
      {'d', {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}}, {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
      {'f', {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}}, {'g', {0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
      {'h', {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}}, {'i', {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}},
      {'j', {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C}}, {'k', {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}},
      {'l', {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}}, {'m', {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}},
      {'n', {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}}, {'o', {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}},
      {'p', {0x00, 0x00, 0x1E, 0x11, 0x1E, 0x10, 0x10}}, {'q', {0x00, 0x00, 0x0D, 0x13, 0x0F, 0x01, 0x01}},
      {'r', {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}}, {'s', {0x00, 0x00, 0x0E, 0x10, 0x0E, 0x01, 0x1E}},
      {'t', {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}}, {'u', {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D}},
      {'v', {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}}, {'w', {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A}},
      {'x', {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}}, {'y', {0x00, 0x00, 0x11, 0x11, 0x0F, 0x01, 0x0E}},
      {'z', {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}},
  };
  static const uint8_t box[7] = {0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F};  // a character without a glyph
  const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const G& g : table)
    if (g.c == c) return g.rows;
  return box;
}

// Tick values: a 1-2-5 step giving about `count` ticks over [lo, hi].
inline std::vector<double> nice_ticks(double lo, double hi, int count) {
  const double raw = (hi - lo) / std::max(count, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  const double step = (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
  std::vector<double> t;
  // Multiples of the step, computed each (not accumulated, which would drift).
  for (double i = std::ceil(lo / step - 1e-9); i * step <= hi + step * 1e-9; i += 1) t.push_back(i * step + 0.0);  // + 0.0: no "-0" label
  return t;
}

inline std::string tick_label(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace detail

class Canvas {
 public:
  Canvas(int64_t width, int64_t height, Rgb background = {255, 255, 255}) : img_(width, height, 3) {
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) set(x, y, background);
  }
  int64_t width() const { return img_.width; }
  int64_t height() const { return img_.height; }
  const Image8& image() const { return img_; }

  // Pixels outside the canvas are ignored (shapes may be clipped).
  void set(int64_t x, int64_t y, Rgb c) {
    if (x < 0 || y < 0 || x >= img_.width || y >= img_.height) return;
    uint8_t* p = img_.at(y, x);
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  Rgb get(int64_t x, int64_t y) const {
    const uint8_t* p = img_.at(y, x);
    return {p[0], p[1], p[2]};
  }
  void line(int64_t x0, int64_t y0, int64_t x1, int64_t y1, Rgb c) {
    const int64_t dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    int64_t err = dx + dy;
    for (;;) {
      set(x0, y0, c);
      if (x0 == x1 && y0 == y1) break;
      const int64_t e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  void disc(int64_t cx, int64_t cy, int64_t r, Rgb c) {
    for (int64_t y = -r; y <= r; ++y)
      for (int64_t x = -r; x <= r; ++x)
        if (x * x + y * y <= r * r + r) set(cx + x, cy + y, c);
  }
  // Text with its top-left corner at (x, y); 6 pixels per character at scale 1.
  void text(int64_t x, int64_t y, std::string_view s, Rgb c, int scale = 1) {
    for (char ch : s) {
      const uint8_t* rows = detail::glyph(ch);
      for (int r = 0; r < 7; ++r)
        for (int k = 0; k < 5; ++k)
          if (rows[r] & (0x10 >> k))
            for (int a = 0; a < scale; ++a)
              for (int b = 0; b < scale; ++b) set(x + k * scale + b, y + r * scale + a, c);
      x += 6 * scale;
    }
  }
  static int64_t text_width(std::string_view s, int scale = 1) { return static_cast<int64_t>(s.size()) * 6 * scale; }

  void save(const std::string& path) const { write_png(path, img_); }

 private:
  Image8 img_;
};

// The data rectangle of a plot.
struct Extent {
  double xmin = 0, xmax = 0, ymin = 0, ymax = 0;
  bool empty() const { return !(xmax > xmin && ymax > ymin); }
};

struct ScatterOptions {
  int64_t size = 512;             // square image, pixels
  int64_t radius = 2;             // point radius, pixels
  Rgb real{31, 119, 180};         // blue
  Rgb fake{255, 127, 14};         // orange, drawn over the real points
  Rgb axes{210, 210, 210};        // x = 0 and y = 0 lines
};

// Pixel column/row of a data point in a size x size image over `e` (y grows upwards).
inline std::pair<int64_t, int64_t> scatter_pixel(double x, double y, const Extent& e, int64_t size) {
  const double px = (x - e.xmin) / (e.xmax - e.xmin) * static_cast<double>(size - 1);
  const double py = (e.ymax - y) / (e.ymax - e.ymin) * static_cast<double>(size - 1);
  return {std::llround(px), std::llround(py)};
}

// Real [N, 2] and generated [M, 2] points of a 2-D toy distribution over `extent`
// (an empty extent: the points' bounding box plus 5%). Points outside are clipped.
template <class T>
void scatter_plot(const std::string& path, const Tensor<T, cpu>& real, const Tensor<T, cpu>& fake, Extent extent = {},
                  ScatterOptions opt = {}) {
  for (const auto* t : {&real, &fake})
    check<ShapeError>(t->shape().rank() == 2 && t->shape()[1] == 2, "scatter_plot: points shape ", t->shape(),
                      " is not [N, 2]");
  if (extent.empty()) {
    double lo[2] = {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity()};
    double hi[2] = {-lo[0], -lo[1]};
    for (const auto* t : {&real, &fake})
      for (int64_t i = 0; i < t->numel(); ++i) {
        const double v = t->data()[i];
        if (!std::isfinite(v)) continue;
        lo[i % 2] = std::min(lo[i % 2], v);
        hi[i % 2] = std::max(hi[i % 2], v);
      }
    for (int k = 0; k < 2; ++k) {
      if (!(hi[k] >= lo[k])) lo[k] = -1, hi[k] = 1;
      const double pad = hi[k] > lo[k] ? 0.05 * (hi[k] - lo[k]) : 1.0;
      lo[k] -= pad, hi[k] += pad;
    }
    extent = {lo[0], hi[0], lo[1], hi[1]};
  }
  Canvas c(opt.size, opt.size);
  const auto [ox, oy] = scatter_pixel(0, 0, extent, opt.size);
  if (extent.xmin <= 0 && extent.xmax >= 0) c.line(ox, 0, ox, opt.size - 1, opt.axes);
  if (extent.ymin <= 0 && extent.ymax >= 0) c.line(0, oy, opt.size - 1, oy, opt.axes);
  auto draw = [&](const Tensor<T, cpu>& pts, Rgb col) {
    const T* p = pts.data();
    for (int64_t i = 0; i < pts.shape()[0]; ++i) {
      if (!std::isfinite(double(p[2 * i])) || !std::isfinite(double(p[2 * i + 1]))) continue;
      const auto [x, y] = scatter_pixel(p[2 * i], p[2 * i + 1], extent, opt.size);
      c.disc(x, y, opt.radius, col);
    }
  };
  draw(real, opt.real);
  draw(fake, opt.fake);
  c.save(path);
}

struct LossPlotOptions {
  std::string x_key = "step";  // the horizontal axis' field
  std::string y_label;         // the vertical axis' title ("" : "loss" for the default keys, else "value")
  int64_t width = 800, height = 480;
  int64_t left = 64, right = 16, top = 16, bottom = 32;  // margins around the plot area (and the axis titles)
};

// A learning rate among a log's fields or a model's hyper-parameters: lr, lr_*, *_lr (g_lr, d_lr).
inline bool is_learning_rate_key(const std::string& k) {
  return k == "lr" || k.rfind("lr_", 0) == 0 || (k.size() > 3 && k.compare(k.size() - 3, 3, "_lr") == 0);
}

// The fields a loss plot draws by default: the numbers of a trainer's step records (those
// with "seconds"), but not the x key, the seconds or the learning rates, which are on other
// scales; a log without step records (an evaluation sweep): every numeric field but the x key.
inline std::vector<std::string> default_plot_keys(const std::vector<json::Value>& recs, const std::string& x_key) {
  std::vector<std::string> keys;
  bool steps = false;
  for (const auto& r : recs) steps = steps || (r.is_object() && r.find("seconds") != nullptr);
  for (const auto& r : recs) {
    if (!r.is_object() || (steps && r.find("seconds") == nullptr)) continue;
    for (const auto& [k, v] : r.as_object()) {
      if (k == x_key || !v.is_number() || (steps && (k == "seconds" || is_learning_rate_key(k)))) continue;
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    }
  }
  return keys;
}

// Curves of `keys` (default_plot_keys when empty) against opt.x_key ("step") from a JSONL
// log, with tick-marked, titled axes and a legend. Records without a key (or with null, a
// diverged value) leave a gap in its curve; a single point is drawn as a dot. Records are
// drawn in file order, so a sweep's log should list its x values in order.
inline void plot_losses(const std::string& jsonl_path, const std::string& png_path, std::vector<std::string> keys = {},
                        LossPlotOptions opt = {}) {
  const std::vector<json::Value> recs = read_jsonl(jsonl_path);
  const bool default_keys = keys.empty();
  if (default_keys) keys = default_plot_keys(recs, opt.x_key);
  if (opt.y_label.empty()) opt.y_label = default_keys ? "loss" : "value";
  check<Error>(!keys.empty(), "plot_losses: ", jsonl_path, " has no numeric fields to plot");
  // Per key: segments of consecutive (step, value) points.
  std::vector<std::vector<std::vector<std::pair<double, double>>>> curves(keys.size());
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    curves[k].emplace_back();
    for (const auto& r : recs) {
      const json::Value* s = r.is_object() ? r.find(opt.x_key) : nullptr;
      if (!s || !s->is_number()) continue;
      const json::Value* v = r.find(keys[k]);
      if (!v) continue;
      if (!v->is_number() || !std::isfinite(v->as_double())) {
        if (!curves[k].back().empty()) curves[k].emplace_back();
        continue;
      }
      const double x = s->as_double(), y = v->as_double();
      curves[k].back().emplace_back(x, y);
      x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
  }
  check<Error>(x0 <= x1, "plot_losses: ", jsonl_path, " has no records with \"", opt.x_key,
               "\" and a numeric value of the keys");
  if (x1 == x0) x0 -= 1, x1 += 1;
  if (y1 == y0) {
    const double d = y0 == 0 ? 1.0 : std::fabs(y0) * 0.1;
    y0 -= d, y1 += d;
  }
  const double ypad = 0.05 * (y1 - y0);
  y0 -= ypad, y1 += ypad;

  Canvas c(opt.width, opt.height);
  const int64_t L = opt.left, R = opt.width - 1 - opt.right, T = opt.top, B = opt.height - 1 - opt.bottom;
  check<Error>(R > L && B > T, "plot_losses: ", opt.width, "x", opt.height, " leaves no room inside the margins");
  auto px = [&](double x) { return L + std::llround((x - x0) / (x1 - x0) * double(R - L)); };
  auto py = [&](double y) { return B - std::llround((y - y0) / (y1 - y0) * double(B - T)); };
  const Rgb ink{0, 0, 0}, grid{235, 235, 235};

  for (double t : detail::nice_ticks(y0, y1, 6)) {
    const int64_t y = py(t);
    c.line(L + 1, y, R, y, grid);
    c.line(L - 4, y, L, y, ink);
    const std::string s = detail::tick_label(t);
    c.text(L - 6 - Canvas::text_width(s), y - 3, s, ink);
  }
  for (double t : detail::nice_ticks(x0, x1, 8)) {
    const int64_t x = px(t);
    c.line(x, T, x, B - 1, grid);
    c.line(x, B, x, B + 4, ink);
    const std::string s = detail::tick_label(t);
    c.text(x - Canvas::text_width(s) / 2, B + 8, s, ink);
  }
  c.line(L, T, L, B, ink);
  c.line(L, B, R, B, ink);
  // Axis titles: x under the tick labels at the right end, y above the axis.
  c.text(R - Canvas::text_width(opt.x_key), B + 19, opt.x_key, ink);
  c.text(std::max<int64_t>(2, L - Canvas::text_width(opt.y_label) / 2), std::max<int64_t>(0, T - 13), opt.y_label, ink);

  for (std::size_t k = 0; k < keys.size(); ++k) {
    const Rgb col = palette[k % palette.size()];
    for (const auto& seg : curves[k]) {
      for (std::size_t i = 0; i < seg.size(); ++i) {
        const auto [a, b] = seg[i];
        if (seg.size() == 1) c.disc(px(a), py(b), 1, col);
        if (i == 0) continue;
        c.line(px(seg[i - 1].first), py(seg[i - 1].second), px(a), py(b), col);
      }
    }
  }
  // Legend, top right inside the plot area: a colour swatch and the key per line.
  int64_t widest = 0;
  for (const auto& k : keys) widest = std::max(widest, Canvas::text_width(k));
  const int64_t lx = R - widest - 28;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const int64_t ly = T + 6 + static_cast<int64_t>(k) * 12;
    const Rgb col = palette[k % palette.size()];
    for (int64_t d = 0; d < 2; ++d) c.line(lx, ly + 3 + d, lx + 16, ly + 3 + d, col);
    c.text(lx + 22, ly, keys[k], ink);
  }
  c.save(png_path);
}

}  // namespace gantry::io
