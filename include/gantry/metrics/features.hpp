#pragma once
// Shared input handling of metrics/: feature matrices [N, F] (float or double, cpu) are checked
// and copied to double, because covariances and kernel sums lose too much in float.
#include <Eigen/Core>
#include <cstdint>

#include "../core/eigen.hpp"
#include "../core/error.hpp"
#include "../core/tensor.hpp"

namespace gantry::metrics {

using MatrixD = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace detail {

// Checks that `t` is a defined rank-2 [N, F] tensor with at least `min_rows` rows.
template <class T>
void check_features(const char* op, const char* what, const Tensor<T, cpu>& t, int64_t min_rows) {
  check<ShapeError>(t.defined(), op, ": ", what, " is an undefined tensor");
  check<ShapeError>(t.rank() == 2, op, ": ", what, " must be a feature matrix [N, F], found shape ", t.shape());
  check<ShapeError>(t.dim(0) >= min_rows, op, ": ", what, " has ", t.dim(0), " samples (shape ", t.shape(),
                    "), needs at least ", min_rows);
}

// Checks that two feature matrices have the same feature width F.
template <class T>
void check_same_width(const char* op, const Tensor<T, cpu>& a, const Tensor<T, cpu>& b) {
  check<ShapeError>(a.dim(1) == b.dim(1), op, ": feature widths differ: shapes ", a.shape(), " and ", b.shape(),
                    " (", a.dim(1), " vs ", b.dim(1), " features)");
}

template <class T>
MatrixD to_double(const Tensor<T, cpu>& t) {
  return as_matrix(t).template cast<double>();
}

}  // namespace detail
}  // namespace gantry::metrics
