#pragma once
// Differentiable elementwise ops. Every backward rule is written with differentiable ops
// (masks that are piecewise constant enter as constants), so second derivatives are exact.
#include "../backend.hpp"
#include "../var.hpp"
#include "broadcast.hpp"

namespace gantry {

template <class T, class D>
using Grads = std::vector<Var<T, D>>;

// ---- binary, with broadcasting ---------------------------------------------------------
template <class T, class D>
Var<T, D> add(const Var<T, D>& a, const Var<T, D>& b) {
  return make_result<T, D>("add", ops::add(a.value(), b.value()), {a, b}, [](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{g.need(0) ? sum_to(g.grad, g.in[0].shape()) : Var<T, D>(),
                       g.need(1) ? sum_to(g.grad, g.in[1].shape()) : Var<T, D>()};
  });
}

template <class T, class D>
Var<T, D> neg(const Var<T, D>& a);

template <class T, class D>
Var<T, D> sub(const Var<T, D>& a, const Var<T, D>& b) {
  return make_result<T, D>("sub", ops::sub(a.value(), b.value()), {a, b}, [](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{g.need(0) ? sum_to(g.grad, g.in[0].shape()) : Var<T, D>(),
                       g.need(1) ? neg(sum_to(g.grad, g.in[1].shape())) : Var<T, D>()};
  });
}

template <class T, class D>
Var<T, D> mul(const Var<T, D>& a, const Var<T, D>& b) {
  return make_result<T, D>("mul", ops::mul(a.value(), b.value()), {a, b}, [](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{g.need(0) ? sum_to(mul(g.grad, g.in[1]), g.in[0].shape()) : Var<T, D>(),
                       g.need(1) ? sum_to(mul(g.grad, g.in[0]), g.in[1].shape()) : Var<T, D>()};
  });
}

template <class T, class D>
Var<T, D> div(const Var<T, D>& a, const Var<T, D>& b) {
  return make_result<T, D>("div", ops::div(a.value(), b.value()), {a, b}, [](const BackwardArgs<T, D>& g) {
    // d(a/b)/db = -(a/b)/b
    return Grads<T, D>{g.need(0) ? sum_to(div(g.grad, g.in[1]), g.in[0].shape()) : Var<T, D>(),
                       g.need(1) ? neg(sum_to(div(mul(g.grad, g.out), g.in[1]), g.in[1].shape())) : Var<T, D>()};
  });
}

template <class T, class D>
Var<T, D> log(const Var<T, D>& a);

// a^b for positive a (the gradient with respect to b uses log a).
template <class T, class D>
Var<T, D> pow(const Var<T, D>& a, const Var<T, D>& b);

// ---- with a scalar ---------------------------------------------------------------------
template <class T, class D>
Var<T, D> add_scalar(const Var<T, D>& a, T s) {
  return make_result<T, D>("add_scalar", ops::add_scalar(a.value(), s), {a},
                           [](const BackwardArgs<T, D>& g) { return Grads<T, D>{g.grad}; });
}

template <class T, class D>
Var<T, D> mul_scalar(const Var<T, D>& a, T s) {
  return make_result<T, D>("mul_scalar", ops::mul_scalar(a.value(), s), {a},
                           [s](const BackwardArgs<T, D>& g) { return Grads<T, D>{mul_scalar(g.grad, s)}; });
}

template <class T, class D>
Var<T, D> pow_scalar(const Var<T, D>& a, T p) {
  return make_result<T, D>("pow_scalar", ops::pow_scalar(a.value(), p), {a}, [p](const BackwardArgs<T, D>& g) {
    if (p == T(1)) return Grads<T, D>{g.grad};
    return Grads<T, D>{mul(g.grad, mul_scalar(pow_scalar(g.in[0], p - T(1)), p))};
  });
}

// ---- unary -------------------------------------------------------------------------------
template <class T, class D>
Var<T, D> neg(const Var<T, D>& a) {
  return make_result<T, D>("neg", ops::neg(a.value()), {a},
                           [](const BackwardArgs<T, D>& g) { return Grads<T, D>{neg(g.grad)}; });
}

template <class T, class D>
Var<T, D> exp(const Var<T, D>& a) {
  return make_result<T, D>("exp", ops::exp(a.value()), {a},
                           [](const BackwardArgs<T, D>& g) { return Grads<T, D>{mul(g.grad, g.out)}; });
}

template <class T, class D>
Var<T, D> log(const Var<T, D>& a) {
  return make_result<T, D>("log", ops::log(a.value()), {a},
                           [](const BackwardArgs<T, D>& g) { return Grads<T, D>{div(g.grad, g.in[0])}; });
}

template <class T, class D>
Var<T, D> pow(const Var<T, D>& a, const Var<T, D>& b) {
  return make_result<T, D>("pow", ops::pow(a.value(), b.value()), {a, b}, [](const BackwardArgs<T, D>& g) {
    // d/da = b a^(b-1) = b (a^b) / a;  d/db = a^b log a
    return Grads<T, D>{
        g.need(0) ? sum_to(mul(g.grad, div(mul(g.in[1], g.out), g.in[0])), g.in[0].shape()) : Var<T, D>(),
        g.need(1) ? sum_to(mul(g.grad, mul(g.out, log(g.in[0]))), g.in[1].shape()) : Var<T, D>()};
  });
}

template <class T, class D>
Var<T, D> sqrt(const Var<T, D>& a) {
  return make_result<T, D>("sqrt", ops::sqrt(a.value()), {a}, [](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{div(mul_scalar(g.grad, T(0.5)), g.out)};
  });
}

template <class T, class D>
Var<T, D> rsqrt(const Var<T, D>& a) {
  return make_result<T, D>("rsqrt", ops::rsqrt(a.value()), {a}, [](const BackwardArgs<T, D>& g) {
    // d(a^-1/2)/da = -0.5 a^-1/2 / a
    return Grads<T, D>{div(mul(mul_scalar(g.grad, T(-0.5)), g.out), g.in[0])};
  });
}

template <class T, class D>
Var<T, D> abs(const Var<T, D>& a) {
  return make_result<T, D>("abs", ops::abs(a.value()), {a}, [](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{mul(g.grad, Var<T, D>::constant(ops::sign(g.in[0].value())))};
  });
}

template <class T, class D>
Var<T, D> tanh(const Var<T, D>& a) {
  return make_result<T, D>("tanh", ops::tanh(a.value()), {a}, [](const BackwardArgs<T, D>& g) {
    // 1 - tanh^2
    return Grads<T, D>{mul(g.grad, add_scalar(neg(mul(g.out, g.out)), T(1)))};
  });
}

template <class T, class D>
Var<T, D> sigmoid(const Var<T, D>& a) {
  return make_result<T, D>("sigmoid", ops::sigmoid(a.value()), {a}, [](const BackwardArgs<T, D>& g) {
    // s (1 - s)
    return Grads<T, D>{mul(g.grad, mul(g.out, add_scalar(neg(g.out), T(1))))};
  });
}

template <class T, class D>
Var<T, D> relu(const Var<T, D>& a) {
  return make_result<T, D>("relu", ops::relu(a.value()), {a}, [](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{mul(g.grad, Var<T, D>::constant(ops::gt_scalar(g.in[0].value(), T(0))))};
  });
}

template <class T, class D>
Var<T, D> leaky_relu(const Var<T, D>& a, T slope) {
  return make_result<T, D>("leaky_relu", ops::leaky_relu(a.value(), slope), {a},
                           [slope](const BackwardArgs<T, D>& g) {
                             return Grads<T, D>{mul(
                                 g.grad, Var<T, D>::constant(ops::leaky_relu_slope(g.in[0].value(), slope)))};
                           });
}

template <class T, class D>
Var<T, D> clamp(const Var<T, D>& a, T lo, T hi) {
  return make_result<T, D>("clamp", ops::clamp(a.value(), lo, hi), {a}, [lo, hi](const BackwardArgs<T, D>& g) {
    return Grads<T, D>{mul(g.grad, Var<T, D>::constant(ops::in_range(g.in[0].value(), lo, hi)))};
  });
}

// cond ? a : b (cond is data: nonzero means true).
template <class T, class D>
Var<T, D> where(const Tensor<T, D>& cond, const Var<T, D>& a, const Var<T, D>& b) {
  return make_result<T, D>("where", ops::where(cond, a.value(), b.value()), {a, b},
                           [cond](const BackwardArgs<T, D>& g) {
                             const auto zero = Var<T, D>::constant(Tensor<T, D>::zeros(Shape{1}));
                             return Grads<T, D>{
                                 g.need(0) ? sum_to(where(cond, g.grad, zero), g.in[0].shape()) : Var<T, D>(),
                                 g.need(1) ? sum_to(where(cond, zero, g.grad), g.in[1].shape()) : Var<T, D>()};
                           });
}

// ---- operators ---------------------------------------------------------------------------
template <class T, class D> Var<T, D> operator+(const Var<T, D>& a, const Var<T, D>& b) { return add(a, b); }
template <class T, class D> Var<T, D> operator-(const Var<T, D>& a, const Var<T, D>& b) { return sub(a, b); }
template <class T, class D> Var<T, D> operator*(const Var<T, D>& a, const Var<T, D>& b) { return mul(a, b); }
template <class T, class D> Var<T, D> operator/(const Var<T, D>& a, const Var<T, D>& b) { return div(a, b); }
template <class T, class D> Var<T, D> operator-(const Var<T, D>& a) { return neg(a); }
template <class T, class D> Var<T, D> operator+(const Var<T, D>& a, std::type_identity_t<T> s) { return add_scalar(a, s); }
template <class T, class D> Var<T, D> operator+(std::type_identity_t<T> s, const Var<T, D>& a) { return add_scalar(a, s); }
template <class T, class D> Var<T, D> operator-(const Var<T, D>& a, std::type_identity_t<T> s) { return add_scalar(a, -s); }
template <class T, class D> Var<T, D> operator-(std::type_identity_t<T> s, const Var<T, D>& a) { return add_scalar(neg(a), s); }
template <class T, class D> Var<T, D> operator*(const Var<T, D>& a, std::type_identity_t<T> s) { return mul_scalar(a, s); }
template <class T, class D> Var<T, D> operator*(std::type_identity_t<T> s, const Var<T, D>& a) { return mul_scalar(a, s); }
template <class T, class D> Var<T, D> operator/(const Var<T, D>& a, std::type_identity_t<T> s) { return mul_scalar(a, T(1) / s); }

}  // namespace gantry
