#pragma once
// Weight clipping (WGAN, Arjovsky et al. 2017): every parameter of the critic is clamped to
// [-c, c] in place after each optimiser step.
#include <algorithm>
#include <string>

#include "params.hpp"

namespace gantry {

template <class T, class D = cpu, class M>
void clip_parameters(M& module, double c) {
  static_assert(std::is_same_v<D, cpu>, "gantry: clip_parameters clamps cpu parameters");
  check(c >= 0, "clip_parameters: the bound c must be >= 0, got ", c);
  const T hi = static_cast<T>(c), lo = -hi;
  no_grad guard;
  for (auto& p : named_parameters<T, D>(module)) {
    T* x = p.var.value().data();
    const int64_t n = p.var.numel();
    for (int64_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], lo, hi);
  }
}

}  // namespace gantry
