#pragma once
// A user's own 2-D point set for the toy nets: read from a CSV file (two numeric columns,
// x and y; an optional header line; blank lines and lines starting with '#' skipped; commas,
// semicolons, tabs or spaces between the columns), and streamed as batches drawn uniformly
// with replacement, so the stream's state is its Rng's, as ToyStream's.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "loader.hpp"

namespace gantry::data {

namespace detail {
inline bool parse_float(std::string_view s, float& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size() && std::isfinite(out);
}
// The fields of one line, split at commas, semicolons, tabs or runs of spaces.
inline std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ',' && line[j] != ';' && line[j] != '\t' && line[j] != ' ') ++j;
    out.push_back(line.substr(i, j - i));
    while (j < line.size() && line[j] == ' ') ++j;  // spaces around a separator
    if (j < line.size() && (line[j] == ',' || line[j] == ';' || line[j] == '\t')) ++j;
    i = j;
  }
  return out;
}
}  // namespace detail

// The points of a CSV file as [N, 2].
inline Tensor<float, cpu> read_points_csv(const std::string& path) {
  std::ifstream in(path);
  check<FormatError>(in.good(), "points: cannot open ", path);
  std::vector<float> xy;
  std::string line;
  int64_t number = 0;
  bool first_data_line = true;
  while (std::getline(in, line)) {
    ++number;
    std::string_view v(line);
    while (!v.empty() && (v.back() == '\r' || v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    if (v.empty() || v.front() == '#') continue;
    const auto fields = detail::split_fields(v);
    float x = 0, y = 0;
    const bool ok = fields.size() == 2 && detail::parse_float(fields[0], x) && detail::parse_float(fields[1], y);
    if (!ok && first_data_line && fields.size() == 2) {  // a header such as "x,y"
      first_data_line = false;
      continue;
    }
    check<FormatError>(ok, "points: ", path, " line ", number, ": expected two numbers (x, y), found '",
                       std::string(v.substr(0, 80)), "'");
    first_data_line = false;
    xy.push_back(x);
    xy.push_back(y);
  }
  check<FormatError>(xy.size() >= 2, "points: ", path, " holds no points (expected lines of two numbers, x and y)");
  return Tensor<float, cpu>::from(Shape{static_cast<int64_t>(xy.size() / 2), 2}, xy);
}

class PointStream {
 public:
  PointStream(Tensor<float, cpu> points, int64_t batch_size, Rng rng)
      : points_(std::move(points)), batch_(batch_size), rng_(rng) {
    check(batch_size >= 1, "data::PointStream: batch_size must be at least 1, found ", batch_size);
    check<ShapeError>(points_.rank() == 2 && points_.dim(1) == 2 && points_.dim(0) >= 1,
                      "data::PointStream: expected points [N, 2], found ", points_.shape());
  }
  Batch next() {
    Batch b;
    b.images = Tensor<float, cpu>(Shape{batch_, 2});
    const int64_t n = points_.dim(0);
    for (int64_t i = 0; i < batch_; ++i) {
      const int64_t k = std::min(n - 1, static_cast<int64_t>(rng_.uniform() * static_cast<double>(n)));
      b.images.data()[2 * i] = points_.data()[2 * k];
      b.images.data()[2 * i + 1] = points_.data()[2 * k + 1];
    }
    return b;
  }
  LoaderState state() const { return {0, 0, rng_.seed(), rng_.offset()}; }
  void restore(const LoaderState& st) { rng_ = Rng(st.seed, st.offset); }
  const Tensor<float, cpu>& points() const { return points_; }

 private:
  Tensor<float, cpu> points_;
  int64_t batch_;
  Rng rng_;
};

}  // namespace gantry::data
