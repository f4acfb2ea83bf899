#pragma once
// broadcast_to and sum_to: each is the other's gradient.
#include "../backend.hpp"
#include "../var.hpp"

namespace gantry {

template <class T, class D>
Var<T, D> broadcast_to(const Var<T, D>& x, const Shape& shape);

// Sums x down to `shape` (x's shape must be a broadcast of it).
template <class T, class D>
Var<T, D> sum_to(const Var<T, D>& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const Shape from = x.shape();
  return make_result<T, D>("sum_to", ops::sum_to(x.value(), shape), {x},
                           [from](const BackwardArgs<T, D>& a) -> std::vector<Var<T, D>> {
                             return {broadcast_to(a.grad, from)};
                           });
}

template <class T, class D>
Var<T, D> broadcast_to(const Var<T, D>& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const Shape from = x.shape();
  return make_result<T, D>("broadcast_to", ops::broadcast_to(x.value(), shape), {x},
                           [from](const BackwardArgs<T, D>& a) -> std::vector<Var<T, D>> {
                             return {sum_to(a.grad, from)};
                           });
}

}  // namespace gantry
