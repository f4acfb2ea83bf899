#pragma once
// The hinge loss of SAGAN, BigGAN, IC-GAN and ADC-GAN (SPECS §0):
//   D: mean(relu(1 - D(real))) + mean(relu(1 + D(fake)))     G: -mean(D(fake)).
#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../autograd/var.hpp"

namespace gantry {

struct Hinge {
  template <class T, class D>
  static Var<T, D> d_loss(const Var<T, D>& real, const Var<T, D>& fake) {
    return add(mean(relu(add_scalar(neg(real), T(1)))), mean(relu(add_scalar(fake, T(1)))));
  }
  template <class T, class D>
  static Var<T, D> g_loss(const Var<T, D>& fake) {
    return neg(mean(fake));
  }
};

}  // namespace gantry
