#pragma once
// Differentiable max, var and logsumexp over axes. max's gradient is split evenly among
// tied maxima (a constant weight, as torch.amax); var's and logsumexp's are written with
// differentiable ops, so their second derivatives are exact.
#include <vector>

#include "../backend.hpp"
#include "../var.hpp"
#include "elementwise.hpp"
#include "reduce.hpp"
#include "reshape.hpp"

namespace gantry {

// Max over `axes` (all when empty).
template <class T, class D>
Var<T, D> max(const Var<T, D>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const Shape kept = detail::keepdim_shape(x.shape(), axes, "max");
  return make_result<T, D>("max", ops::max(x.value(), axes, keepdim), {x}, [kept, axes](const BackwardArgs<T, D>& g) {
    // 1 / (number of maxima) at each maximum, 0 elsewhere.
    const auto hit = ops::eq(g.in[0].value(), g.out.value().reshape(kept.vec()));
    const auto w = ops::div(hit, ops::sum(hit, axes, true));
    return Grads<T, D>{mul(reshape(g.grad, kept.vec()), Var<T, D>::constant(w))};
  });
}

namespace detail {
// d var / dx = 2 (x - mean(x)) / divisor, times the incoming gradient (reduced axes kept).
template <class T, class D>
Var<T, D> var_backward(const Var<T, D>& x, const Var<T, D>& grad_kept, const std::vector<int>& axes, T divisor) {
  const auto centred = sub(x, mean(x, axes, true));
  return mul(mul_scalar(grad_kept, T(2) / divisor), centred);
}
}  // namespace detail

// Variance over `axes` (all when empty), divided by n - 1 when `unbiased` (torch.var's
// default), else by n.
template <class T, class D>
Var<T, D> var(const Var<T, D>& x, std::vector<int> axes = {}, bool unbiased = true, bool keepdim = false) {
  const Shape kept = detail::keepdim_shape(x.shape(), axes, "var");
  const int64_t n = kept.numel() ? x.numel() / kept.numel() : 0;
  const T divisor = static_cast<T>(n - (unbiased ? 1 : 0));
  return make_result<T, D>(
      "var", ops::var(x.value(), axes, unbiased, keepdim), {x}, [kept, axes, divisor](const BackwardArgs<T, D>& g) {
        return Grads<T, D>{detail::var_backward(g.in[0], reshape(g.grad, kept.vec()), axes, divisor)};
      });
}

// log(sum(exp(x))) over `axes`, stable for large |x|. Its gradient is the softmax
// exp(x - logsumexp(x)), written with the op itself.
template <class T, class D>
Var<T, D> logsumexp(const Var<T, D>& x, std::vector<int> axes = {}, bool keepdim = false) {
  const Shape kept = detail::keepdim_shape(x.shape(), axes, "logsumexp");
  return make_result<T, D>("logsumexp", ops::logsumexp(x.value(), axes, keepdim), {x},
                           [kept](const BackwardArgs<T, D>& g) {
                             const auto p = exp(sub(g.in[0], reshape(g.out, kept.vec())));
                             return Grads<T, D>{mul(reshape(g.grad, kept.vec()), p)};
                           });
}

}  // namespace gantry
