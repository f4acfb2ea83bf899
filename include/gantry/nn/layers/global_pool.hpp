#pragma once
// GlobalSumPool and GlobalMeanPool: an image to the vector of its per-channel sums (the
// projection discriminators' φ = Σ_hw h) or means (the WGAN-GP ResNet critic).
#include "../../autograd/ops/reduce.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

namespace detail {
template <bool Mean>
struct GlobalPool {
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Vector<In::channels>;

  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return Mean ? mean(x, {2, 3}) : sum(x, {2, 3}); }
  };
};
}  // namespace detail

using GlobalSumPool = detail::GlobalPool<false>;
using GlobalMeanPool = detail::GlobalPool<true>;

}  // namespace gantry
