#pragma once
// UpsampleNearest<Scale>: each pixel repeated into a Scale x Scale block (the papers' `up`,
// torch.nn.Upsample(scale_factor=Scale) / F.interpolate in nearest mode).
#include "../../autograd/ops/pool.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int Scale = 2>
struct UpsampleNearest {
  static_assert(Scale > 0, "gantry: UpsampleNearest needs a positive scale");
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<In::channels, In::height * Scale, In::width * Scale>;

  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return upsample_nearest2d(x, Scale); }
  };
};

}  // namespace gantry
