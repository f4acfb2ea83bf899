#pragma once
// Zero-copy xtensor views of CPU tensors, for users who prefer xtensor's API.
// Not included by <gantry/gantry.hpp>: include it where you want it.
#include <vector>
#include <xtensor/xadapt.hpp>

#include "tensor.hpp"

namespace gantry {

template <class T>
auto as_xtensor(Tensor<T, cpu>& t) {
  std::vector<std::size_t> shape;
  for (int i = 0; i < t.rank(); ++i) shape.push_back(static_cast<std::size_t>(t.dim(i)));
  return xt::adapt(t.data(), static_cast<std::size_t>(t.numel()), xt::no_ownership(), shape);
}

}  // namespace gantry
