#pragma once
// The 2-D toy distributions of the WGAN-GP paper (Gulrajani et al. 2017), with the scales
// of improved_wgan_training/gan_toy.py:
// - 8 gaussians: centres 2 (cos k pi/4, sin k pi/4), k = 0..7, chosen uniformly, noise
//   N(0, 0.02^2) per coordinate, everything divided by 1.414;
// - 25 gaussians: centres (2i, 2j), i, j in -2..2 (a grid from -4 to 4), noise
//   N(0, 0.05^2), everything divided by 2.828;
// - swiss roll: sklearn's make_swiss_roll(noise = 0.25) keeping coordinates (x, z):
//   t = 1.5 pi (1 + 2 u), u ~ U(0, 1], (x, z) = (t cos t, t sin t) + N(0, 0.25^2), / 7.5.
// gan_toy.py draws a fixed set of 100000 25-gaussian points once and cycles through it; here
// every sample is fresh (the same distribution). Samples come back as [n, 2] floats.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include "../core/philox.hpp"
#include "../core/tensor.hpp"

namespace gantry::toy {

// Mixture components, for mode-coverage metrics: the centres and the per-coordinate std
// of each component, in the same (scaled) coordinates as the samples.
struct Modes {
  std::vector<std::array<double, 2>> centres;
  double std = 0;
};

inline Modes eight_gaussians_modes() {
  Modes m;
  const double r = 1.0 / std::sqrt(2.0);
  const double unit[8][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {r, r}, {r, -r}, {-r, r}, {-r, -r}};
  for (const auto& c : unit) m.centres.push_back({2.0 * c[0] / 1.414, 2.0 * c[1] / 1.414});
  m.std = 0.02 / 1.414;
  return m;
}

inline Modes twentyfive_gaussians_modes() {
  Modes m;
  for (int i = -2; i <= 2; ++i)
    for (int j = -2; j <= 2; ++j) m.centres.push_back({2.0 * i / 2.828, 2.0 * j / 2.828});
  m.std = 0.05 / 2.828;
  return m;
}

namespace detail {
// Each sample uses three counters: the component choice and two normals.
inline Tensor<float, cpu> mixture(int64_t n, Rng& rng, const Modes& m) {
  Tensor<float, cpu> out(Shape{n, 2});
  float* p = out.data();
  const auto k = static_cast<double>(m.centres.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto c = std::min(static_cast<size_t>(rng.uniform() * k), m.centres.size() - 1);
    p[2 * i] = static_cast<float>(m.centres[c][0] + m.std * rng.normal());
    p[2 * i + 1] = static_cast<float>(m.centres[c][1] + m.std * rng.normal());
  }
  return out;
}
}  // namespace detail

inline Tensor<float, cpu> eight_gaussians(int64_t n, Rng& rng) {
  return detail::mixture(n, rng, eight_gaussians_modes());
}

inline Tensor<float, cpu> twentyfive_gaussians(int64_t n, Rng& rng) {
  return detail::mixture(n, rng, twentyfive_gaussians_modes());
}

inline Tensor<float, cpu> swiss_roll(int64_t n, Rng& rng) {
  Tensor<float, cpu> out(Shape{n, 2});
  float* p = out.data();
  for (int64_t i = 0; i < n; ++i) {
    const double t = 1.5 * std::numbers::pi * (1.0 + 2.0 * rng.uniform());
    p[2 * i] = static_cast<float>((t * std::cos(t) + 0.25 * rng.normal()) / 7.5);
    p[2 * i + 1] = static_cast<float>((t * std::sin(t) + 0.25 * rng.normal()) / 7.5);
  }
  return out;
}

}  // namespace gantry::toy
