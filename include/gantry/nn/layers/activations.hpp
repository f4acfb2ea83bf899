#pragma once
// Parameter-free elementwise parts: ReLU, LeakyReLU, Tanh, Sigmoid. They take any shape.
#include <ratio>

#include "../../autograd/ops/elementwise.hpp"
#include "../framework/module.hpp"

namespace gantry {

namespace detail {
template <class F>
struct Elementwise {
  template <class In>
  static constexpr bool accepts = true;
  template <class In>
  using expects = In;
  template <class In>
  using output = In;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return F::apply(x); }
  };
};
struct relu_fn {
  template <class V> static V apply(const V& x) { return relu(x); }
};
struct tanh_fn {
  template <class V> static V apply(const V& x) { return tanh(x); }
};
struct sigmoid_fn {
  template <class V> static V apply(const V& x) { return sigmoid(x); }
};
template <class Slope>
struct leaky_relu_fn {
  template <class V> static V apply(const V& x) {
    using T = typename V::value_type;
    return leaky_relu(x, static_cast<T>(Slope::num) / static_cast<T>(Slope::den));
  }
};
}  // namespace detail

using ReLU = detail::Elementwise<detail::relu_fn>;
using Tanh = detail::Elementwise<detail::tanh_fn>;
using Sigmoid = detail::Elementwise<detail::sigmoid_fn>;
// LeakyReLU<std::ratio<1, 5>> is slope 0.2 (the default).
template <class Slope = std::ratio<1, 5>>
using LeakyReLU = detail::Elementwise<detail::leaky_relu_fn<Slope>>;

// A block's non-linearity as a template argument (ReLU, LeakyReLU<...>, ...): activate<Act>(x)
// applies it inside the block. Anything but an elementwise part is refused here.
template <class Act>
struct activation_of {
  static_assert(sizeof(Act) == 0, "gantry: a block's activation must be an elementwise part (ReLU, LeakyReLU<>, Tanh)");
};
template <class F>
struct activation_of<detail::Elementwise<F>> {
  template <class V>
  static V apply(const V& x) { return F::apply(x); }
};
template <class Act, class V>
V activate(const V& x) {
  return activation_of<Act>::apply(x);
}

}  // namespace gantry
