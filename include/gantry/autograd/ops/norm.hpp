#pragma once
// Normalisation statistics and normalize(x, axes, eps) = (x - mean) / sqrt(var + eps) with
// the biased variance, as batch norm ({0, 2, 3} of NCHW), instance norm ({2, 3}) and layer
// norm ({1, 2, 3}) use. The forward pass is one fused kernel. The backward rule is the
// fused kernel when it is not being recorded; under create_graph it is the same formula in
// differentiable ops, so gradient penalties that differentiate through a norm are exact.
#include <type_traits>
#include <utility>
#include <vector>

#include "../backend.hpp"
#include "../var.hpp"
#include "broadcast.hpp"
#include "elementwise.hpp"
#include "reduce.hpp"
#include "reduce_extra.hpp"

namespace gantry {

// Mean and biased variance over `axes`, with the reduced axes kept as 1, from one kernel.
template <class T, class D>
std::pair<Var<T, D>, Var<T, D>> moments(const Var<T, D>& x, std::vector<int> axes) {
  auto [m, v] = ops::moments(x.value(), axes);
  const Shape kept = m.shape();
  const int64_t n = kept.numel() ? x.numel() / kept.numel() : 0;
  const T inv = n ? T(1) / static_cast<T>(n) : T(0);
  auto mean = make_result<T, D>("moments_mean", m, {x}, [inv](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{broadcast_to(mul_scalar(g.grad, inv), g.in[0].shape())};
  });
  auto var = make_result<T, D>("moments_var", v, {x}, [axes, n](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{detail::var_backward(g.in[0], g.grad, axes, static_cast<T>(n))};
  });
  return {mean, var};
}

// (x - mean) / sqrt(var + eps) over `axes` (biased variance, no affine transform).
template <class T, class D>
Var<T, D> normalize(const Var<T, D>& x, std::vector<int> axes, std::type_identity_t<T> eps) {
  auto st = ops::normalize_stats(x.value(), axes, eps);
  return make_result<T, D>("normalize", st.y, {x}, [axes, eps, rstd = st.rstd](const BackwardArgs<T, D>& g) {
    if (!grad_enabled())
      return Grads<T, D>{Var<T, D>::constant(ops::normalize_backward(g.out.value(), g.grad.value(), rstd, axes))};
    // rstd * (g - mean(g) - y * mean(g * y)), with rstd recomputed from x on the tape.
    const auto& y = g.out;
    const auto r = rsqrt(add_scalar(var(g.in[0], axes, false, true), eps));
    const auto centred = sub(sub(g.grad, mean(g.grad, axes, true)), mul(y, mean(mul(g.grad, y), axes, true)));
    return Grads<T, D>{mul(r, centred)};
  });
}

}  // namespace gantry
