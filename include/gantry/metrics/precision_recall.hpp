#pragma once
// Improved precision and recall (Kynkäänniemi et al. 2019): each set's manifold is the union of
// balls around its samples with radius = distance to the sample's k-th nearest neighbour in the
// same set. Precision = share of fake samples inside the real manifold (quality); recall = share
// of real samples inside the fake manifold (coverage). Distances are exact, computed block by
// block as |a|^2 + |b|^2 - 2 a.b with a GEMM, so memory stays O(block * N).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../core/parallel.hpp"
#include "features.hpp"

namespace gantry::metrics {

struct PrecisionRecall {
  double precision = 0;
  double recall = 0;
};

namespace detail {

inline constexpr Eigen::Index distance_block_rows = 1024;

// Squared distances between rows [lo, lo + rows) of a and all rows of b, into out [rows, Nb].
inline void block_sq_distances(const MatrixD& a, const Eigen::VectorXd& a_sq, Eigen::Index lo, Eigen::Index rows,
                               const MatrixD& b, const Eigen::VectorXd& b_sq, MatrixD& out) {
  out.noalias() = -2.0 * a.middleRows(lo, rows) * b.transpose();
  out.colwise() += a_sq.segment(lo, rows);
  out.rowwise() += b_sq.transpose();
  out = out.cwiseMax(0.0);  // cancellation can leave tiny negatives for (near) equal rows
}

// Squared distance from each row of x to its k-th nearest other row of x.
inline Eigen::VectorXd knn_sq_radii(const MatrixD& x, const Eigen::VectorXd& x_sq, int64_t k) {
  const Eigen::Index n = x.rows();
  Eigen::VectorXd radii(n);
  MatrixD d;
  for (Eigen::Index lo = 0; lo < n; lo += distance_block_rows) {
    const Eigen::Index rows = std::min(distance_block_rows, n - lo);
    d.resize(rows, n);
    block_sq_distances(x, x_sq, lo, rows, x, x_sq, d);
    parallel_for(0, rows, 16, [&](int64_t r0, int64_t r1) {
      std::vector<double> row(static_cast<std::size_t>(n));
      for (int64_t r = r0; r < r1; ++r) {
        for (Eigen::Index j = 0; j < n; ++j) row[static_cast<std::size_t>(j)] = d(r, j);
        row[static_cast<std::size_t>(lo + r)] = 0.0;  // the sample itself, the 0-th neighbour
        std::nth_element(row.begin(), row.begin() + k, row.end());
        radii(lo + r) = row[static_cast<std::size_t>(k)];
      }
    });
  }
  return radii;
}

// Share of rows of `query` within the radius of at least one row of `ref`.
inline double share_inside(const MatrixD& query, const Eigen::VectorXd& query_sq, const MatrixD& ref,
                           const Eigen::VectorXd& ref_sq, const Eigen::VectorXd& ref_radii) {
  const Eigen::Index n = query.rows();
  int64_t inside = 0;
  MatrixD d;
  for (Eigen::Index lo = 0; lo < n; lo += distance_block_rows) {
    const Eigen::Index rows = std::min(distance_block_rows, n - lo);
    d.resize(rows, ref.rows());
    block_sq_distances(query, query_sq, lo, rows, ref, ref_sq, d);
    for (Eigen::Index r = 0; r < rows; ++r)
      if (((d.row(r).transpose().array() <= ref_radii.array())).any()) ++inside;
  }
  return static_cast<double>(inside) / static_cast<double>(n);
}

}  // namespace detail

// Both sets need more than k samples (the k-th neighbour must exist).
template <class T>
PrecisionRecall precision_recall(const Tensor<T, cpu>& real, const Tensor<T, cpu>& fake, int64_t k = 3) {
  check<Error>(k >= 1, "precision_recall: k must be >= 1, got ", k);
  detail::check_features("precision_recall", "real", real, k + 1);
  detail::check_features("precision_recall", "fake", fake, k + 1);
  detail::check_same_width("precision_recall", real, fake);
  const MatrixD x = detail::to_double(real), y = detail::to_double(fake);
  const Eigen::VectorXd x_sq = x.rowwise().squaredNorm(), y_sq = y.rowwise().squaredNorm();
  const Eigen::VectorXd rx = detail::knn_sq_radii(x, x_sq, k), ry = detail::knn_sq_radii(y, y_sq, k);
  PrecisionRecall pr;
  pr.precision = detail::share_inside(y, y_sq, x, x_sq, rx);
  pr.recall = detail::share_inside(x, x_sq, y, y_sq, ry);
  return pr;
}

}  // namespace gantry::metrics
