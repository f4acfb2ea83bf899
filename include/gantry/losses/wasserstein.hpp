#pragma once
// The Wasserstein critic loss (WGAN, WGAN-GP; SPECS §1d), on raw critic outputs:
//   D: mean(D(fake)) - mean(D(real))     G: -mean(D(fake)).
// WGAN-GP adds GradientPenalty (gradient_penalty.hpp) to the critic's loss; plain WGAN
// clips the critic's weights instead (WeightClipping, weight_clipping.hpp).
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"

namespace gantry {

struct Wasserstein {
  // -d_loss = E[D(real)] - E[D(fake)], the critic's estimate of the distance, is logged so.
  static constexpr const char* d_estimate = "wasserstein";
  template <class T, class D>
  static Var<T, D> d_loss(const Var<T, D>& real, const Var<T, D>& fake) {
    return sub(mean(fake), mean(real));
  }
  template <class T, class D>
  static Var<T, D> g_loss(const Var<T, D>& fake) {
    return neg(mean(fake));
  }
};

}  // namespace gantry
