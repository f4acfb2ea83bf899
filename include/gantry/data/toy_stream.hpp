#pragma once
// An endless stream of batches from a 2-D toy distribution (toy2d.hpp), with the Loader's
// interface (next / state / restore), so the trainer takes either. Every batch is fresh
// samples drawn from an Rng, so the state is the Rng's (seed, offset).
#include <cstdint>
#include <string>
#include <utility>

#include "../core/error.hpp"
#include "loader.hpp"
#include "toy2d.hpp"

namespace gantry::data {

enum class ToyDistribution { eight_gaussians, twentyfive_gaussians, swiss_roll };

inline ToyDistribution parse_toy_distribution(const std::string& name) {
  if (name == "8gaussians" || name == "eight-gaussians") return ToyDistribution::eight_gaussians;
  if (name == "25gaussians" || name == "twentyfive-gaussians") return ToyDistribution::twentyfive_gaussians;
  if (name == "swissroll" || name == "swiss-roll") return ToyDistribution::swiss_roll;
  fail<Error>("toy distribution: expected one of 8gaussians, 25gaussians, swissroll, found '", name, "'");
}

inline Tensor<float, cpu> toy_samples(ToyDistribution d, int64_t n, Rng& rng) {
  switch (d) {
    case ToyDistribution::eight_gaussians: return toy::eight_gaussians(n, rng);
    case ToyDistribution::twentyfive_gaussians: return toy::twentyfive_gaussians(n, rng);
    case ToyDistribution::swiss_roll: break;
  }
  return toy::swiss_roll(n, rng);
}

class ToyStream {
 public:
  ToyStream(ToyDistribution d, int64_t batch_size, Rng rng) : dist_(d), batch_(batch_size), rng_(rng) {
    check(batch_size >= 1, "data::ToyStream: batch_size must be at least 1, found ", batch_size);
  }
  Batch next() {
    Batch b;
    b.images = toy_samples(dist_, batch_, rng_);
    return b;
  }
  LoaderState state() const { return {0, 0, rng_.seed(), rng_.offset()}; }
  void restore(const LoaderState& st) { rng_ = Rng(st.seed, st.offset); }
  ToyDistribution distribution() const { return dist_; }

 private:
  ToyDistribution dist_;
  int64_t batch_;
  Rng rng_;
};

}  // namespace gantry::data
