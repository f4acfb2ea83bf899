#pragma once
// ReflectionPad2d<P>: P rows and columns on each side, reflected at the border without
// repeating the edge (torch.nn.ReflectionPad2d); P must be smaller than each side.
#include "../../autograd/ops/pad.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int P>
struct ReflectionPad2d {
  static_assert(P >= 0, "gantry: ReflectionPad2d needs a non-negative padding");
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return In::height > P && In::width > P;
    else return false;
  }();
  template <class In>
  using expects = ImageAtLeast<P + 1, P + 1>;
  template <class In>
  using output = Image<In::channels, In::height + 2 * P, In::width + 2 * P>;

  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return reflection_pad2d(x, P, P, P, P); }
  };
};

}  // namespace gantry
