#pragma once
// Differentiable softmax and log_softmax along one axis. The backward rules use the op's
// output (a Var on the tape), so differentiating them again is exact.
#include "../backend.hpp"
#include "../var.hpp"
#include "elementwise.hpp"
#include "reduce.hpp"

namespace gantry {

// exp(x) / sum(exp(x)) along `axis`. Gradient: y * (g - sum(g * y)).
template <class T, class D>
Var<T, D> softmax(const Var<T, D>& x, int axis) {
  return make_result<T, D>("softmax", ops::softmax(x.value(), axis), {x}, [axis](const BackwardArgs<T, D>& g) {
    const auto& y = g.out;
    return Grads<T, D>{mul(y, sub(g.grad, sum(mul(g.grad, y), {axis}, true)))};
  });
}

// x - logsumexp(x) along `axis`. Gradient: g - exp(y) * sum(g).
template <class T, class D>
Var<T, D> log_softmax(const Var<T, D>& x, int axis) {
  return make_result<T, D>("log_softmax", ops::log_softmax(x.value(), axis), {x}, [axis](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{sub(g.grad, mul(exp(g.out), sum(g.grad, {axis}, true)))};
  });
}

}  // namespace gantry
