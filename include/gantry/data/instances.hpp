#pragma once
// IC-GAN's conditioning set (Casanova et al. 2021; facebookresearch/ic_gan,
// data_utils/datasets_common.py): for every training sample i its L2-normalised features h_i,
// optionally the features of its mirror image (feature augmentation), its class label (cc-IC-GAN)
// and its k nearest neighbours N_k(i) (data/neighbours.hpp).
//
// Two draws use it, both counter-based from an Rng (so a run resumes bit for bit):
//   - a training pair for D (the loader, data/loader.hpp): instance i gives h_i, the real image
//     is a uniformly drawn neighbour j ∈ N_k(i), with j's label;
//   - G's conditioning (draw_instances, `sample_conditioning_instance_balance`): i uniform over
//     the set, h_i, and for cc-IC-GAN the label of a uniformly drawn neighbour of i.
// With feature augmentation h_i is the mirror image's features with probability 0.5, in both.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"
#include "neighbours.hpp"

namespace gantry::data {

struct Instances {
  Tensor<float, cpu> features;  // [N, F], rows L2-normalised
  Tensor<float, cpu> mirrored;  // [N, F] of the h-flipped images, or undefined
  std::vector<int64_t> labels;  // N class labels, or empty (unlabelled)
  Neighbours neighbours;        // N rows of k
  bool feature_augmentation = false;  // draw `mirrored` with probability 0.5 (needs it)
  std::string key;                    // what built it (train::instance_set's content hash), or empty

  int64_t size() const { return features.defined() ? features.dim(0) : 0; }
  int64_t feature_size() const { return features.defined() ? features.dim(1) : 0; }
  int64_t k() const { return neighbours.k; }

  // Throws naming the first inconsistency.
  void validate() const {
    check<ShapeError>(features.defined() && features.rank() == 2 && features.dim(0) > 1,
                      "Instances: expected features of shape [N, F] with N > 1, found ",
                      features.defined() ? features.shape().str() : std::string("none"));
    const int64_t n = size();
    check<ShapeError>(!mirrored.defined() || mirrored.shape() == features.shape(),
                      "Instances: mirrored features must have the features' shape ", features.shape(), ", found ",
                      mirrored.defined() ? mirrored.shape().str() : std::string("none"));
    check(!feature_augmentation || mirrored.defined(),
          "Instances: feature_augmentation draws the mirror images' features, but none were given");
    check<ShapeError>(labels.empty() || static_cast<int64_t>(labels.size()) == n, "Instances: expected ", n,
                      " labels (or none), found ", labels.size());
    check<ShapeError>(neighbours.count == n && neighbours.k >= 1 &&
                          static_cast<int64_t>(neighbours.ids.size()) == n * neighbours.k,
                      "Instances: expected neighbours of all ", n, " samples, found ", neighbours.count, " rows of ",
                      neighbours.k);
  }

  // h_i (the mirror image's when `mirror`) into out[0, F).
  void copy_features(int64_t i, bool mirror, float* out) const {
    const int64_t f = feature_size();
    const float* src = (mirror ? mirrored : features).data() + i * f;
    std::memcpy(out, src, static_cast<std::size_t>(f) * sizeof(float));
  }
  // The neighbour of i that a uniform u in (0, 1] picks.
  int64_t neighbour(int64_t i, double u) const {
    const int64_t k = neighbours.k;
    const int64_t slot = std::min<int64_t>(static_cast<int64_t>(u * static_cast<double>(k)), k - 1);
    return neighbours.ids[static_cast<std::size_t>(i * k + slot)];
  }
  // Whether a uniform u in (0, 1] picks the mirror image's features.
  bool mirror(double u) const { return feature_augmentation && u <= 0.5; }
};

// G's conditioning for n samples: features [n, F] and (labelled sets) n labels.
struct InstanceDraw {
  Tensor<float, cpu> features;
  std::vector<int64_t> labels;
  std::vector<int64_t> instances;  // the instance each row came from
};

// n draws of (instance i uniform, h_i, label of a random neighbour of i): three counters of
// `rng` per draw.
inline InstanceDraw draw_instances(const Instances& set, int64_t n, Rng& rng) {
  check(n >= 1, "draw_instances: n must be >= 1, found ", n);
  check(set.size() > 0, "draw_instances: the instance set is empty");
  const int64_t count = set.size(), f = set.feature_size();
  const std::uint64_t seed = rng.seed(), first = rng.advance(static_cast<std::uint64_t>(3 * n));
  InstanceDraw out;
  out.features = Tensor<float, cpu>(Shape{n, f});
  for (int64_t b = 0; b < n; ++b) {
    const std::uint64_t c = first + static_cast<std::uint64_t>(3 * b);
    const int64_t i =
        std::min<int64_t>(static_cast<int64_t>(Philox::uniform(seed, c) * static_cast<double>(count)), count - 1);
    set.copy_features(i, set.mirror(Philox::uniform(seed, c + 1)), out.features.data() + b * f);
    if (!set.labels.empty())
      out.labels.push_back(set.labels[static_cast<std::size_t>(set.neighbour(i, Philox::uniform(seed, c + 2)))]);
    out.instances.push_back(i);
  }
  return out;
}

// The rows of `features` [N, F] scaled to unit L2 norm (a zero row stays zero).
inline Tensor<float, cpu> l2_normalised(const Tensor<float, cpu>& features) {
  check<ShapeError>(features.defined() && features.rank() == 2, "l2_normalised: expected [N, F], found ",
                    features.defined() ? features.shape().str() : std::string("none"));
  Tensor<float, cpu> out = features.clone();
  const int64_t n = out.dim(0), f = out.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    float* r = out.data() + i * f;
    double s = 0;
    for (int64_t k = 0; k < f; ++k) s += static_cast<double>(r[k]) * r[k];
    if (s > 0) {
      const float inv = static_cast<float>(1.0 / std::sqrt(s));
      for (int64_t k = 0; k < f; ++k) r[k] *= inv;
    }
  }
  return out;
}

}  // namespace gantry::data
