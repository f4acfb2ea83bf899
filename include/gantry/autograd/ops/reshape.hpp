#pragma once
// Differentiable reshape (a view of the same data); its gradient is the reverse reshape.
#include <vector>

#include "../var.hpp"

namespace gantry {

template <class T, class D>
Var<T, D> reshape(const Var<T, D>& x, const std::vector<int64_t>& dims) {
  const Shape from = x.shape();
  return make_result<T, D>("reshape", x.value().reshape(dims), {x}, [from](const BackwardArgs<T, D>& g) {
    return std::vector<Var<T, D>>{reshape(g.grad, from.vec())};
  });
}

// All elements as one axis.
template <class T, class D>
Var<T, D> flatten(const Var<T, D>& x) {
  return reshape(x, std::vector<int64_t>{x.numel()});
}

}  // namespace gantry
