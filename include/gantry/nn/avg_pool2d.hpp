#pragma once
// AvgPool2d<K, Stride, Pad>: mean over K x K windows, as torch.nn.AvgPool2d (floor output
// size, zero padding counted in the divisor). AvgPool2d<2> is the papers' avgpool2.
#include "../autograd/ops/pool.hpp"
#include "module.hpp"
#include "shapes.hpp"

namespace gantry {

template <int K, int Stride = K, int Pad = 0>
struct AvgPool2d {
  static_assert(K > 0 && Stride > 0 && Pad >= 0, "gantry: AvgPool2d needs positive K, Stride");
  static_assert(2 * Pad <= K, "gantry: AvgPool2d needs Pad <= K / 2 (as PyTorch)");
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
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return avg_pool2d(x, K, Stride, Pad); }
  };
};

}  // namespace gantry
