#pragma once
// The truncation trick (BigGAN, Brock et al. 2019 §3.1): sample z from a truncated normal to
// trade variety for fidelity; the smaller the threshold, the closer samples stay to the mode.
#include <cmath>
#include <cstdint>

#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"

namespace gantry::models {

// z [n, latent] from N(0, 1) truncated to [-threshold, threshold] by redrawing (BigGAN's
// truncation trick, utils.sample with truncated z). Element i takes counter `first + i` of
// the rng's stream; its k-th redraw reads the same counter of a stream whose seed is moved
// by k, so every element depends only on the rng state and its index.
template <class T = float>
Tensor<T, cpu> truncated_noise(int64_t n, int64_t latent, double threshold, Rng& rng) {
  check(n >= 0 && latent > 0, "truncated_noise: n must be >= 0 and latent > 0, found ", n, " and ", latent);
  check(threshold > 0, "truncated_noise: threshold must be > 0, found ", threshold);
  const std::uint64_t seed = rng.seed(), first = rng.advance(static_cast<std::uint64_t>(n * latent));
  Tensor<T, cpu> z = Tensor<T, cpu>::empty(Shape{n, latent});
  T* out = z.data();
  for (int64_t i = 0; i < n * latent; ++i) {
    double v = Philox::normal(seed, first + static_cast<std::uint64_t>(i));
    for (std::uint64_t k = 1; std::abs(v) > threshold; ++k)
      v = Philox::normal(seed + k * 0x9E3779B97F4A7C15ull, first + static_cast<std::uint64_t>(i));
    out[i] = static_cast<T>(v);
  }
  return z;
}

}  // namespace gantry::models
