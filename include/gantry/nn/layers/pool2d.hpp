#pragma once
// Window pooling parts, as torch.nn's (floor output size):
//   AvgPool2d<K, Stride, Pad>: mean over K x K windows, zero padding counted in the divisor;
//                              AvgPool2d<2> is the papers' avgpool2.
//   MaxPool2d<K, Stride, Pad>: max over K x K windows; padding never wins; the gradient goes
//                              to the first maximum of a window.
#include "../../autograd/ops/pool.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

namespace detail {
struct avg_window {
  template <class V> static V apply(const V& x, int k, int s, int p) { return avg_pool2d(x, k, s, p); }
};
struct max_window {
  template <class V> static V apply(const V& x, int k, int s, int p) { return max_pool2d(x, k, s, p); }
};

template <class Window, int K, int Stride, int Pad>
struct Pool2d {
  static_assert(K > 0 && Stride > 0 && Pad >= 0, "gantry: a pooling part needs positive K and Stride");
  static_assert(2 * Pad <= K, "gantry: a pooling part needs Pad <= K / 2 (as PyTorch)");
  static constexpr int out_size(int n) { return (n + 2 * Pad - K) / Stride + 1; }

  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return In::height + 2 * Pad >= K && In::width + 2 * Pad >= K;
    else return false;
  }();
  template <class In>
  using expects = ImageAtLeast<K - 2 * Pad, K - 2 * Pad>;
  template <class In>
  using output = Image<In::channels, out_size(In::height), out_size(In::width)>;

  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return Window::apply(x, K, Stride, Pad); }
  };
};
}  // namespace detail

template <int K, int Stride = K, int Pad = 0>
using AvgPool2d = detail::Pool2d<detail::avg_window, K, Stride, Pad>;
template <int K, int Stride = K, int Pad = 0>
using MaxPool2d = detail::Pool2d<detail::max_window, K, Stride, Pad>;

}  // namespace gantry
