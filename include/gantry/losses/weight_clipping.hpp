#pragma once
// Weight clipping (WGAN, Arjovsky et al. 2017; SPECS §1d): every parameter of the critic is
// clamped to [-c, c] in place. As a regulariser policy (regulariser.hpp) it runs before each
// critic update, as WassersteinGAN's main.py clamps at the top of its critic loop.
#include <algorithm>
#include <string>

#include "../autograd/var.hpp"
#include "../core/error.hpp"
#include "../nn/framework/model.hpp"

namespace gantry {

template <class T, class D = cpu, class M>
void clip_parameters(M& module, double c) {
  static_assert(std::is_same_v<D, cpu>, "gantry: clip_parameters clamps cpu parameters");
  check(c >= 0, "clip_parameters: the bound c must be >= 0, got ", c);
  const T hi = static_cast<T>(c), lo = -hi;
  no_grad guard;
  for_each_parameter<T, D>(module, [&](const std::string&, Var<T, D>& p) {
    T* x = p.value().data();
    const int64_t n = p.numel();
    for (int64_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], lo, hi);
  });
}

struct WeightClipping {
  double clip = 0.01;

  template <class DModule>
  void before_d_step(DModule& d) const {
    clip_parameters<typename DModule::value_type, typename DModule::device_type>(d, clip);
  }
};

}  // namespace gantry
