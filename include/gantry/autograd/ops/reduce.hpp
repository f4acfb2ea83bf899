#pragma once
// Differentiable sum and mean over axes. Their gradient broadcasts back over the reduced axes.
#include <vector>

#include "../backend.hpp"
#include "../var.hpp"
#include "broadcast.hpp"
#include "elementwise.hpp"
#include "reshape.hpp"

namespace gantry {

namespace detail {
// The shape of a reduction's result with the reduced axes kept as 1.
inline Shape keepdim_shape(const Shape& s, std::vector<int> axes, const char* op) {
  return ops::detail::reduced_shape(s, ops::detail::reduce_axes(s, std::move(axes), op), true);
}
}  // namespace detail

// Sum over `axes` (all when empty).
template <class T, class D>
Var<T, D> sum(const Var<T, D>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const Shape kept = detail::keepdim_shape(x.shape(), axes, "sum");
  return make_result<T, D>("sum", ops::sum(x.value(), axes, keepdim), {x}, [kept](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{broadcast_to(reshape(g.grad, kept.vec()), g.in[0].shape())};
  });
}

template <class T, class D>
Var<T, D> mean(const Var<T, D>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const Shape kept = detail::keepdim_shape(x.shape(), axes, "mean");
  const int64_t count = kept.numel() ? x.numel() / kept.numel() : 0;
  return mul_scalar(sum(x, std::move(axes), keepdim), count ? T(1) / static_cast<T>(count) : T(0));
}

}  // namespace gantry
