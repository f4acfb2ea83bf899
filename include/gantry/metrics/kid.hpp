#pragma once
// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs"), as torch-fidelity
// computes it: the unbiased MMD^2 estimate with the polynomial kernel k(x, y) = (x.y / d + 1)^3,
// averaged over `subsets` random pairs of subsets of `subset_size` samples drawn without
// replacement from each set. Unlike FID it is unbiased in the sample size, so values from
// small sample counts are comparable; it can be slightly negative when the sets match.
#include <cmath>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "../core/philox.hpp"
#include "features.hpp"

namespace gantry::metrics {

struct KidResult {
  double mean = 0;
  double std = 0;  // population std (ddof 0) over the subsets, as torch-fidelity
};

namespace detail {

// Unbiased MMD^2 between two equally sized sets (rows of x and y) with the cubic kernel.
inline double mmd2_polynomial(const MatrixD& x, const MatrixD& y) {
  const double m = static_cast<double>(x.rows());
  const double gamma = 1.0 / static_cast<double>(x.cols());
  auto kernel = [gamma](const MatrixD& a, const MatrixD& b) -> Eigen::MatrixXd {
    Eigen::MatrixXd k = (a * b.transpose()) * gamma;
    return (k.array() + 1.0).cube().matrix();
  };
  const Eigen::MatrixXd kxx = kernel(x, x), kyy = kernel(y, y), kxy = kernel(x, y);
  const double xx = kxx.sum() - kxx.trace(), yy = kyy.sum() - kyy.trace();  // off-diagonal sums
  return (xx + yy) / (m * (m - 1.0)) - 2.0 * kxy.sum() / (m * m);
}

// `count` distinct row indices out of [0, n), by a partial Fisher-Yates shuffle driven by rng.
inline std::vector<int64_t> choose_rows(int64_t n, int64_t count, Rng& rng) {
  std::vector<int64_t> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), int64_t{0});
  for (int64_t i = 0; i < count; ++i) {
    const auto span = static_cast<double>(n - i);
    int64_t j = i + static_cast<int64_t>(rng.uniform() * span);  // uniform() is in (0, 1]
    if (j >= n) j = n - 1;
    std::swap(idx[static_cast<std::size_t>(i)], idx[static_cast<std::size_t>(j)]);
  }
  idx.resize(static_cast<std::size_t>(count));
  return idx;
}

inline MatrixD gather_rows(const MatrixD& x, const std::vector<int64_t>& rows) {
  MatrixD out(static_cast<Eigen::Index>(rows.size()), x.cols());
  for (std::size_t i = 0; i < rows.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = x.row(rows[i]);
  return out;
}

}  // namespace detail

// KID between real and fake features [N, F]. subset_size must not exceed either set's size;
// with subset_size equal to both sizes every subset is the whole set and the result is exact.
template <class T>
KidResult kid(const Tensor<T, cpu>& real, const Tensor<T, cpu>& fake, Rng& rng, int64_t subsets = 100,
              int64_t subset_size = 1000) {
  check<Error>(subsets >= 1, "kid: subsets must be >= 1, got ", subsets);
  check<Error>(subset_size >= 2, "kid: subset_size must be >= 2 (the unbiased estimate needs pairs), got ",
               subset_size);
  detail::check_features("kid", "real", real, subset_size);
  detail::check_features("kid", "fake", fake, subset_size);
  detail::check_same_width("kid", real, fake);
  const MatrixD x = detail::to_double(real), y = detail::to_double(fake);
  std::vector<double> mmds;
  mmds.reserve(static_cast<std::size_t>(subsets));
  for (int64_t s = 0; s < subsets; ++s) {
    const MatrixD xs = detail::gather_rows(x, detail::choose_rows(x.rows(), subset_size, rng));
    const MatrixD ys = detail::gather_rows(y, detail::choose_rows(y.rows(), subset_size, rng));
    mmds.push_back(detail::mmd2_polynomial(xs, ys));
  }
  KidResult r;
  r.mean = std::accumulate(mmds.begin(), mmds.end(), 0.0) / static_cast<double>(mmds.size());
  double var = 0;
  for (double v : mmds) var += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(var / static_cast<double>(mmds.size()));
  return r;
}

}  // namespace gantry::metrics
