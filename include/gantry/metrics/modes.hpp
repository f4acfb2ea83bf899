#pragma once
// Toy-distribution evaluation of WGAN-GP / VEEGAN-style experiments (mixtures of Gaussians on a
// ring or grid): each sample is assigned to its nearest mode; it is "high quality" when that
// mode is within 3 sigma, and a mode is covered when at least 1% of all samples are high-quality
// samples assigned to it. Works for any sample dimension (usually 2).
#include <cstdint>
#include <vector>

#include "features.hpp"

namespace gantry::metrics {

struct ModeCoverage {
  int64_t modes_covered = 0;
  double high_quality = 0;            // share of samples within 3 sigma of some mode
  std::vector<int64_t> mode_counts;   // high-quality samples assigned to each mode
};

template <class T>
ModeCoverage mode_coverage(const Tensor<T, cpu>& samples, const Tensor<T, cpu>& modes, double sigma) {
  check<Error>(sigma > 0, "mode_coverage: sigma must be > 0, got ", sigma);
  detail::check_features("mode_coverage", "samples", samples, 1);
  detail::check_features("mode_coverage", "modes", modes, 1);
  detail::check_same_width("mode_coverage", samples, modes);
  const MatrixD x = detail::to_double(samples), m = detail::to_double(modes);
  const double limit_sq = 9.0 * sigma * sigma;
  ModeCoverage out;
  out.mode_counts.assign(static_cast<std::size_t>(m.rows()), 0);
  int64_t high = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    Eigen::Index nearest = 0;
    const double d_sq = (m.rowwise() - x.row(i)).rowwise().squaredNorm().minCoeff(&nearest);
    if (d_sq <= limit_sq) {
      ++high;
      ++out.mode_counts[static_cast<std::size_t>(nearest)];
    }
  }
  const double n = static_cast<double>(x.rows());
  out.high_quality = static_cast<double>(high) / n;
  for (int64_t c : out.mode_counts)
    if (static_cast<double>(c) >= 0.01 * n) ++out.modes_covered;
  return out;
}

}  // namespace gantry::metrics
