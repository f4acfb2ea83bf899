#pragma once
// The least-squares GAN loss as CycleGAN / CSGAN use it (SPECS §4c: GANLoss with
// use_lsgan, an MSE to a target map of 1 or 0, averaged over the patch map):
//   D: 0.5 [mean((D(real) - 1)^2) + mean(D(fake)^2)]     G: mean((D(fake) - 1)^2).
// The 0.5 is part of d_loss because backward_D_basic applies it to the sum of both terms
// (it halves the discriminator's learning rate relative to G's); g_loss has no factor.
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"

namespace gantry {

struct LeastSquares {
  template <class T, class D>
  static Var<T, D> d_loss(const Var<T, D>& real, const Var<T, D>& fake) {
    const auto r = mean(pow_scalar(add_scalar(real, T(-1)), T(2)));
    const auto f = mean(pow_scalar(fake, T(2)));
    return mul_scalar(add(r, f), T(0.5));
  }
  template <class T, class D>
  static Var<T, D> g_loss(const Var<T, D>& fake) {
    return mean(pow_scalar(add_scalar(fake, T(-1)), T(2)));
  }
};

}  // namespace gantry
