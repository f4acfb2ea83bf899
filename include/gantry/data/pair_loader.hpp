#pragma once
// Mini-batches of image-to-image pairs (pix2pix, CycleGAN, CSGAN) from an in-memory ImagePairs
// set: Batch::images is domain A, Batch::targets domain B, both mapped [0, 1] -> [-1, 1];
// Batch::labels is empty. The jitter is the official pytorch-CycleGAN-and-pix2pix
// resize_and_crop after its resize: the stored images are already load_size x load_size
// (image_pairs.hpp), so a batch takes a random fine_size x fine_size crop (offsets uniform in
// [0, H - fine_size] and [0, W - fine_size]) and then mirrors it left-right with probability
// 0.5. Aligned sets (pix2pix's aligned dataset) use the same crop offset and flip for A and B,
// so pairs stay pairs. Unaligned sets (CycleGAN's unaligned dataset) crop and flip A and B
// independently, and B's index is drawn uniformly from [0, Nb) for every sample.
//
// An epoch has size() samples: N for aligned sets, max(Na, Nb) for unaligned ones, sample s
// of the permutation then taking A's image s mod Na (CycleGAN's __len__ and __getitem__).
// shuffle = false is the official --serial_batches: samples in order and, unaligned, B's index
// s mod Nb instead of a random draw.
//
// Evaluation (a deterministic pass over a test set): PairLoaderOptions::evaluation(fine_size,
// batch_size), that is {.shuffle = false, .drop_last = false, .random_crop = false,
// .random_flip = false}: every sample once, in order (batch k holds samples k B ... k B + B - 1,
// so ImagePairs::names[s] names them for aligned sets), the centre crop when fine_size is
// smaller than the stored size, no flips. No counter of the stream is used.
//
// Randomness is counter-based as in data::Loader, so a run resumes bit for bit from
// LoaderState {epoch, position, seed, offset}:
// - the permutation of epoch e is a pure function of (seed, e): Loader's Fisher-Yates driven by
//   Philox under a key derived from the seed, counters (e << 32) + i;
// - each batch of B samples reserves, from the Rng stream (seed, offset), in this order:
//   1. unaligned with shuffle: B counters for B's indices, sample b: counter first + b,
//      index floor((1 - u) Nb) with u the uniform (0, 1] draw;
//   2. random_crop with a crop smaller than the stored images: 2 V B counters, with V = 1
//      (aligned: one crop for both) or 2 (unaligned: view v = 0 for A, 1 for B); sample b, view
//      v uses first + 2 (b V + v) for the top offset and the next counter for the left one,
//      offset floor((1 - u) (H - fine_size + 1)) (likewise with W);
//   3. random_flip: V B counters, sample b, view v flipped when the draw at first + b V + v
//      is <= 0.5.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

#include "../core/error.hpp"
#include "../core/parallel.hpp"
#include "../core/philox.hpp"
#include "../core/tensor.hpp"
#include "image_pairs.hpp"
#include "loader.hpp"

namespace gantry::data {

struct PairLoaderOptions {
  int64_t batch_size = 1;  // CycleGAN's and pix2pix's default
  bool shuffle = true;     // false: --serial_batches (in order; unaligned B is sample s mod Nb)
  bool drop_last = true;   // false: the last batch of an epoch may be smaller
  int64_t fine_size = 0;   // crop size; 0, or the stored size: no crop
  bool random_crop = true;  // false: the centre crop (torchvision's CenterCrop offsets), for evaluation
  bool random_flip = true;  // mirror left-right with probability 0.5 (the official default; --no_flip turns it off)

  // A deterministic pass over every sample once, in order, centre-cropped, no flips.
  static PairLoaderOptions evaluation(int64_t fine_size = 0, int64_t batch_size = 1) {
    return {.batch_size = batch_size, .shuffle = false, .drop_last = false, .fine_size = fine_size,
            .random_crop = false, .random_flip = false};
  }
};

class PairLoader {
 public:
  PairLoader(ImagePairs data, PairLoaderOptions opt, Rng rng) : data_(std::move(data)), opt_(opt), rng_(rng) {
    data_.validate();
    const int64_t h = data_.a.dim(2), w = data_.a.dim(3);
    if (opt_.batch_size < 1) fail<Error>("data::PairLoader: batch_size must be at least 1, found ", opt_.batch_size);
    if (opt_.drop_last && opt_.batch_size > size())
      fail<Error>("data::PairLoader: batch_size ", opt_.batch_size, " exceeds the epoch's ", size(),
                  " samples with drop_last (no batch would ever be produced)");
    if (opt_.fine_size < 0 || opt_.fine_size > h || opt_.fine_size > w)
      fail<ShapeError>("data::PairLoader: expected fine_size in [0, ", std::min(h, w), "] (a crop of the stored ", h,
                       " x ", w, " images; 0: no crop), found ", opt_.fine_size);
    out_h_ = opt_.fine_size ? opt_.fine_size : h;
    out_w_ = opt_.fine_size ? opt_.fine_size : w;
    make_permutation();
  }

  // Samples per epoch: N (aligned) or max(Na, Nb) (unaligned).
  int64_t size() const { return data_.aligned ? data_.size_a() : std::max(data_.size_a(), data_.size_b()); }
  int64_t batches_per_epoch() const {
    const int64_t n = size(), b = opt_.batch_size;
    return opt_.drop_last ? n / b : (n + b - 1) / b;
  }
  int64_t epoch() const { return epoch_; }
  const PairLoaderOptions& options() const { return opt_; }
  const ImagePairs& data() const { return data_; }
  // The sample order of the current epoch.
  const std::vector<int64_t>& permutation() const { return perm_; }
  // The batches' H and W (fine_size, or the stored size).
  int64_t height() const { return out_h_; }
  int64_t width() const { return out_w_; }

  LoaderState state() const { return {epoch_, position_, rng_.seed(), rng_.offset()}; }
  void restore(const LoaderState& st) {
    if (st.position < 0 || st.position > size())
      fail<Error>("data::PairLoader::restore: position ", st.position, " is outside the epoch of ", size(), " samples");
    epoch_ = st.epoch;
    position_ = st.position;
    rng_ = Rng(st.seed, st.offset);
    make_permutation();
  }

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
  // data::Loader's permutation: the same key and counters.
  void make_permutation() { epoch_permutation(perm_, size(), opt_.shuffle, rng_.seed(), epoch_); }

  // floor((1 - u) n) for the uniform (0, 1] draw u at counter c: uniform over [0, n).
  static int64_t draw_index(std::uint64_t seed, std::uint64_t c, int64_t n) {
    const double u = 1.0 - Philox::uniform(seed, c);  // [0, 1)
    return std::min<int64_t>(n - 1, static_cast<int64_t>(u * static_cast<double>(n)));
  }

  Batch gather(int64_t start, int64_t count) {
    const bool aligned = data_.aligned;
    const int64_t h = data_.a.dim(2), w = data_.a.dim(3), ho = out_h_, wo = out_w_;
    const int64_t na = data_.size_a(), nb = data_.size_b();
    const int64_t ca = data_.a.dim(1), cb = data_.b.dim(1);
    const auto views = static_cast<std::uint64_t>(aligned ? 1 : 2);
    const auto n = static_cast<std::uint64_t>(count);
    const bool draw_b = !aligned && opt_.shuffle;
    const bool random_crop = opt_.random_crop && (ho < h || wo < w);
    const std::uint64_t seed = rng_.seed();
    const std::uint64_t pick0 = draw_b ? rng_.advance(n) : 0;
    const std::uint64_t crop0 = random_crop ? rng_.advance(2 * views * n) : 0;
    const std::uint64_t flip0 = opt_.random_flip ? rng_.advance(views * n) : 0;
    const int64_t centre_top = detail::centre_offset(h, ho), centre_left = detail::centre_offset(w, wo);

    Batch out;
    out.images = Tensor<float, cpu>(Shape{count, ca, ho, wo});
    out.targets = Tensor<float, cpu>(Shape{count, cb, ho, wo});
    // One view's crop of image `in` ([c, h, w]), flipped or not, mapped to [-1, 1].
    auto copy = [&](const float* in, int64_t c, int64_t top, int64_t left, bool flip, float* o) {
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < ho; ++y) {
          const float* row = in + (ch * h + top + y) * w + left;
          float* dst = o + (ch * ho + y) * wo;
          for (int64_t x = 0; x < wo; ++x) dst[x] = 2.0f * row[flip ? wo - 1 - x : x] - 1.0f;
        }
    };
    parallel_for(0, count, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) {
        const int64_t s = perm_[static_cast<size_t>(start + b)];
        const int64_t ia = s % na;
        const int64_t ib = aligned ? s : draw_b ? draw_index(seed, pick0 + static_cast<std::uint64_t>(b), nb) : s % nb;
        int64_t top[2] = {centre_top, centre_top}, left[2] = {centre_left, centre_left};
        bool flip[2] = {false, false};
        for (std::uint64_t v = 0; v < views; ++v) {
          const std::uint64_t k = static_cast<std::uint64_t>(b) * views + v;
          if (random_crop) {
            top[v] = draw_index(seed, crop0 + 2 * k, h - ho + 1);
            left[v] = draw_index(seed, crop0 + 2 * k + 1, w - wo + 1);
          }
          if (opt_.random_flip) flip[v] = Philox::uniform(seed, flip0 + k) <= 0.5;
        }
        const int vb = aligned ? 0 : 1;
        copy(data_.a.data() + ia * ca * h * w, ca, top[0], left[0], flip[0], out.images.data() + b * ca * ho * wo);
        copy(data_.b.data() + ib * cb * h * w, cb, top[vb], left[vb], flip[vb], out.targets.data() + b * cb * ho * wo);
      }
    });
    return out;
  }

  ImagePairs data_;
  PairLoaderOptions opt_;
  Rng rng_;
  int64_t out_h_ = 0, out_w_ = 0;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  std::vector<int64_t> perm_;
};

}  // namespace gantry::data
