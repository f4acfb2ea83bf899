#pragma once
// Mini-batches from an in-memory labelled image set, with the transforms GAN training
// uses: zero padding (28 -> 32 for Fashion-MNIST), scaling [0, 1] -> [-1, 1], random
// horizontal flips and the dequantisation of improved_wgan_training.
//
// Randomness is counter-based, so a run resumes bit for bit from four integers:
// - the permutation of epoch e is a pure function of (seed, e): Fisher-Yates driven by
//   Philox under a key derived from the seed, counters (e << 32) + i;
// - flips and dequantisation noise come from an Rng stream (seed, offset); each batch
//   reserves B counters for flips (when enabled) and then B * C * H * W counters for the
//   noise (when enabled), sample b, element k using counter first + b * (C * H * W) + k.
// LoaderState {epoch, position, seed, offset} is therefore everything a checkpoint stores.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"
#include "fashion_mnist.hpp"
#include "instances.hpp"

namespace gantry::data {

// How pixel values in [0, 1] are mapped after padding and flipping.
enum class PixelRange {
  unit,       // unchanged: [0, 1]
  symmetric,  // x -> 2x - 1: [-1, 1]
  // improved_wgan_training (gan_cifar_resnet.py): the byte q = round(255 x) becomes
  // 2 (q / 256 - 0.5) + u with u ~ U[0, 1/128): values in [-1, 1), the byte's bin of
  // width 1/128 filled uniformly. Padding bytes are 0, so pads become -1 + u.
  dequantized,
};

struct LoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = true;        // false: the last batch of an epoch may be smaller
  int64_t pad_to = 0;           // 0: no padding; else zero-pad H and W (centred) to this size
  PixelRange range = PixelRange::symmetric;
  bool random_flip = false;     // mirror each image left-right with probability 0.5
};

struct LoaderState {
  int64_t epoch = 0;
  int64_t position = 0;  // index into the epoch's permutation of the next sample
  std::uint64_t seed = 0;
  std::uint64_t offset = 0;  // the augmentation stream's counter
  friend bool operator==(const LoaderState&, const LoaderState&) = default;
};

// The sample order of epoch `epoch` over n samples: 0 .. n-1, or with `shuffle` their
// Fisher-Yates shuffle driven by Philox under a key derived from `seed`, counters
// (epoch << 32) + i, so that an epoch's order is a pure function of (seed, epoch).
inline void epoch_permutation(std::vector<int64_t>& perm, int64_t n, bool shuffle, std::uint64_t seed, int64_t epoch) {
  perm.resize(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t{0});
  if (!shuffle) return;
  const std::uint64_t key = seed ^ 0x5DEECE66DA3B9F17ull;  // distinct from the augmentation stream
  const std::uint64_t base = static_cast<std::uint64_t>(epoch) << 32;
  for (int64_t i = n - 1; i > 0; --i) {
    std::uint32_t w[4];
    Philox::generate(key, base + static_cast<std::uint64_t>(i), w);
    const std::uint64_t r = (std::uint64_t{w[0]} << 32) | w[1];
    std::swap(perm[static_cast<size_t>(i)], perm[static_cast<size_t>(r % static_cast<std::uint64_t>(i + 1))]);
  }
}

struct Batch {
  Tensor<float, cpu> images;  // [B, C, H', W'] (or [B, 2] points for the toy streams)
  std::vector<int64_t> labels;  // empty for unlabelled data
  Tensor<float, cpu> features;  // [B, F] instance features (IC-GAN pairs), else undefined
  Tensor<float, cpu> targets;  // [B, C', H, W] the other domain's images (image-to-image pairs), else undefined
  int64_t size() const { return images.defined() ? images.shape()[0] : 0; }
};

class Loader {
 public:
  Loader(LabeledImages data, LoaderOptions opt, Rng rng)
      : data_(std::move(data)), opt_(opt), rng_(rng) {
    const Shape& s = data_.images.shape();
    if (s.rank() != 4)
      fail<ShapeError>("data::Loader: expected images of shape [N, C, H, W], found ", s);
    if (s[0] != data_.size())
      fail<ShapeError>("data::Loader: ", s[0], " images but ", data_.size(), " labels");
    if (s[0] == 0) fail<Error>("data::Loader: the dataset is empty");
    if (opt_.batch_size < 1) fail<Error>("data::Loader: batch_size must be at least 1, found ", opt_.batch_size);
    if (opt_.drop_last && opt_.batch_size > s[0])
      fail<Error>("data::Loader: batch_size ", opt_.batch_size, " exceeds the dataset size ", s[0],
                  " with drop_last (no batch would ever be produced)");
    if (opt_.pad_to != 0 && (opt_.pad_to < s[2] || opt_.pad_to < s[3]))
      fail<ShapeError>("data::Loader: pad_to ", opt_.pad_to, " is smaller than the images ", s);
    make_permutation();
  }

  int64_t size() const { return data_.size(); }
  int64_t batches_per_epoch() const {
    const int64_t n = size(), b = opt_.batch_size;
    return opt_.drop_last ? n / b : (n + b - 1) / b;
  }
  int64_t epoch() const { return epoch_; }
  const LoaderOptions& options() const { return opt_; }
  // The sample order of the current epoch.
  const std::vector<int64_t>& permutation() const { return perm_; }

  LoaderState state() const { return {epoch_, position_, rng_.seed(), rng_.offset()}; }
  void restore(const LoaderState& st) {
    if (st.position < 0 || st.position > size())
      fail<Error>("data::Loader::restore: position ", st.position, " is outside the dataset of ", size(), " samples");
    epoch_ = st.epoch;
    position_ = st.position;
    rng_ = Rng(st.seed, st.offset);
    make_permutation();
  }

  // IC-GAN's training pairs (data/instances.hpp): sample i of the permutation then gives the
  // image and label of a uniformly drawn neighbour j ∈ N_k(i) and, in Batch::features, h_i
  // (its mirror image's with probability 0.5 under feature augmentation). Each batch reserves
  // 2B counters of the augmentation stream for these draws, before the flips.
  void pair_with_neighbours(std::shared_ptr<const Instances> set) {
    check(set != nullptr, "data::Loader::pair_with_neighbours: no instance set");
    set->validate();
    check<ShapeError>(set->size() == size(), "data::Loader::pair_with_neighbours: the instance set has ",
                      set->size(), " samples, the dataset ", size());
    instances_ = std::move(set);
  }
  const Instances* instances() const { return instances_.get(); }

  // The next batch; an exhausted epoch rolls over to a new permutation, so this never ends.
  Batch next() {
    const int64_t n = size();
    if (position_ >= n || (opt_.drop_last && position_ + opt_.batch_size > n)) {
      ++epoch_;
      position_ = 0;
      make_permutation();
    }
    const int64_t count = std::min(opt_.batch_size, n - position_);
    Batch out = gather(position_, count);
    position_ += count;
    return out;
  }

 private:
  void make_permutation() { epoch_permutation(perm_, size(), opt_.shuffle, rng_.seed(), epoch_); }

  Batch gather(int64_t start, int64_t count) {
    const Shape& s = data_.images.shape();
    const int64_t C = s[1], H = s[2], W = s[3];
    const int64_t Ho = opt_.pad_to ? opt_.pad_to : H, Wo = opt_.pad_to ? opt_.pad_to : W;
    const int64_t top = (Ho - H) / 2, left = (Wo - W) / 2;
    const int64_t per = C * Ho * Wo;
    const std::uint64_t seed = rng_.seed();
    const std::uint64_t pair0 = instances_ ? rng_.advance(static_cast<std::uint64_t>(2 * count)) : 0;
    const std::uint64_t flip0 = opt_.random_flip ? rng_.advance(static_cast<std::uint64_t>(count)) : 0;
    const bool deq = opt_.range == PixelRange::dequantized;
    const std::uint64_t noise0 = deq ? rng_.advance(static_cast<std::uint64_t>(count * per)) : 0;

    Batch out;
    out.images = Tensor<float, cpu>(Shape{count, C, Ho, Wo});
    out.labels.resize(static_cast<size_t>(count));
    if (instances_) out.features = Tensor<float, cpu>(Shape{count, instances_->feature_size()});
    const float* src = data_.images.data();
    float* dst = out.images.data();
    parallel_for(0, count, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) {
        int64_t idx = perm_[static_cast<size_t>(start + b)];
        if (instances_) {
          const std::uint64_t c = pair0 + static_cast<std::uint64_t>(2 * b);
          instances_->copy_features(idx, instances_->mirror(Philox::uniform(seed, c + 1)),
                                    out.features.data() + b * instances_->feature_size());
          idx = instances_->neighbour(idx, Philox::uniform(seed, c));
        }
        out.labels[static_cast<size_t>(b)] = data_.labels[static_cast<size_t>(idx)];
        const bool flip =
            opt_.random_flip && Philox::uniform(seed, flip0 + static_cast<std::uint64_t>(b)) <= 0.5;
        const float* in = src + idx * C * H * W;
        float* o = dst + b * per;
        for (int64_t c = 0; c < C; ++c)
          for (int64_t y = 0; y < Ho; ++y)
            for (int64_t x = 0; x < Wo; ++x) {
              const int64_t iy = y - top, ix0 = x - left;
              const int64_t ix = flip ? W - 1 - ix0 : ix0;
              const float v = (iy >= 0 && iy < H && ix0 >= 0 && ix0 < W) ? in[(c * H + iy) * W + ix] : 0.0f;
              const int64_t k = (c * Ho + y) * Wo + x;
              o[k] = map(v, seed, noise0 + static_cast<std::uint64_t>(b * per + k));
            }
      }
    });
    return out;
  }

  float map(float v, std::uint64_t seed, std::uint64_t ctr) const {
    switch (opt_.range) {
      case PixelRange::unit:
        return v;
      case PixelRange::symmetric:
        return 2.0f * v - 1.0f;
      case PixelRange::dequantized: {
        const double q = std::nearbyint(static_cast<double>(v) * 255.0);
        const double u = 1.0 - Philox::uniform(seed, ctr);  // [0, 1)
        return static_cast<float>(2.0 * (q / 256.0 - 0.5) + u / 128.0);
      }
    }
    return v;
  }

  LabeledImages data_;
  LoaderOptions opt_;
  Rng rng_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  std::vector<int64_t> perm_;
  std::shared_ptr<const Instances> instances_;
};

}  // namespace gantry::data
