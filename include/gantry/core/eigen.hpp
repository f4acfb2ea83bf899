#pragma once
// Zero-copy Eigen views of CPU tensors, for math inside gantry and for users.
#include <Eigen/Core>

#include "tensor.hpp"

namespace gantry {

template <class T>
using EigenArray = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>, Eigen::Aligned64>;
template <class T>
using EigenMatrix = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

// All elements as a flat Eigen array.
template <class T>
Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> as_array(Tensor<T, cpu>& t) {
  return {t.data(), t.numel()};
}
template <class T>
Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> as_array(const Tensor<T, cpu>& t) {
  return {t.data(), t.numel()};
}
// A rank-2 tensor as a row-major Eigen matrix; higher ranks fold all leading axes into rows.
template <class T>
EigenMatrix<T> as_matrix(Tensor<T, cpu>& t) {
  check<ShapeError>(t.rank() >= 1, "as_matrix: needs rank >= 1, found shape ", t.shape());
  const int64_t cols = t.dim(-1);
  return {t.data(), cols ? t.numel() / cols : 0, cols};
}
template <class T>
Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> as_matrix(
    const Tensor<T, cpu>& t) {
  check<ShapeError>(t.rank() >= 1, "as_matrix: needs rank >= 1, found shape ", t.shape());
  const int64_t cols = t.dim(-1);
  return {t.data(), cols ? t.numel() / cols : 0, cols};
}

}  // namespace gantry
