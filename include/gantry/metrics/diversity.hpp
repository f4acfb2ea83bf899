#pragma once
// Sample diversity: the mean Euclidean distance between two different samples' features. On
// its own it depends on the feature scale, so compare it with the same number for real data
// (image_metrics reports the ratio): 1 is as varied as the data, 0 is one repeated image. It
// is what the truncation trick trades away (BigGAN §3.1) and what mode collapse lowers.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "precision_recall.hpp"

namespace gantry::metrics {

// Mean over all pairs i < j of |x_i - x_j| for the rows of features [N, F], N >= 2.
template <class T>
double mean_pairwise_distance(const Tensor<T, cpu>& features) {
  detail::check_features("mean_pairwise_distance", "features", features, 2);
  const MatrixD x = detail::to_double(features);
  const Eigen::VectorXd sq = x.rowwise().squaredNorm();
  const Eigen::Index n = x.rows();
  double sum = 0;
  MatrixD d;
  for (Eigen::Index lo = 0; lo < n; lo += detail::distance_block_rows) {
    const Eigen::Index rows = std::min(detail::distance_block_rows, n - lo);
    detail::block_sq_distances(x, sq, lo, rows, x, sq, d);
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index c = lo + r + 1; c < n; ++c) sum += std::sqrt(d(r, c));
  }
  return sum / (static_cast<double>(n) * static_cast<double>(n - 1) / 2);
}

}  // namespace gantry::metrics
