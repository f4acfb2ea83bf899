#pragma once
// Reshape<C, H, W>: a vector to an image of the same size; Flatten: an image to a vector.
#include "../../autograd/ops/reshape.hpp"
#include "../framework/module.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

template <int C, int H, int W>
struct Reshape {
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (VectorShape<In>) return In::size == C * H * W;
    else return false;
  }();
  template <class In>
  using expects = VectorOfSize<C * H * W>;
  template <class In>
  using output = Image<C, H, W>;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return reshape(x, {x.dim(0), C, H, W}); }
  };
};

struct Flatten {
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Vector<In::channels * In::height * In::width>;
  template <class In, class T, class D>
  struct module : Stateless<T, D> {
    using Stateless<T, D>::Stateless;
    Var<T, D> forward(const Var<T, D>& x, Context<T, D>&) { return reshape(x, {x.dim(0), -1}); }
  };
};

}  // namespace gantry
