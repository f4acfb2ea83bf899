#pragma once
// U-Net GAN's CutMix augmentation and consistency regularisation (Schönfeld et al., CVPR 2020;
// boschresearch/unetgan mixup.py and train_fns.py), as a policy of the step template
// (models/gan.hpp) for discriminators with a per-pixel output.
//
// Masks (cutmix_box, cutmix_masks): per image λ ~ Beta(1, 1) = U(0, 1); a box of side
// int(size · sqrt(1 - λ)) centred at a uniform pixel, spanning [c - side/2, c + side/2) (integer
// halves, as mixup.py) clipped to the image; M = 1 outside the box, 0 inside; with p = 0.5 M is
// inverted. Drawn from gantry's counter-based Rng, so runs stay reproducible.
//
// With the real batch x, the fakes G(z) (off the tape) and M:
//   x_mix  = M ⊙ x + (1 - M) ⊙ G(z)
//   L_mix  = BCE(D_dec(x_mix), M) + c · BCE(D_enc(x_mix), 0)     (decoder: real where M = 1;
//                                                                 encoder: the mix is fake)
//   L_cons = c · w · mean (D_dec(x_mix) - [M ⊙ D_dec(x) + (1 - M) ⊙ D_dec(G(z))])²
// both added to D's loss; nothing is detached in L_cons (as the official code). c is the
// schedule's coefficient; as in train_fns.py it scales the encoder term and the consistency
// term but not the decoder's CutMix term. w = `consistency` (1 in every official script).
//
// Schedules (the official scripts' flags):
//   every       CelebA: --unet_mixup --consistency_loss_and_augmentation; c = 1, every D step
//   warmup      --slow_mixup alone: c = min(1, g_step / warmup_steps), every D step
//   full_batch  FFHQ, COCO-Animals: --slow_mixup --full_batch_mixup; c = 1, and a D step is a
//               "mixed batch" with probability r = 0.5 min(1, g_step / warmup_steps) (0.5 when
//               warmup_steps = 0): then the ordinary real/fake terms are dropped and only
//               L_mix + L_cons remain; otherwise no CutMix at all
// The official code counts the warm-up in epochs; gantry counts G steps (epochs × dataset size
// / batch size), so the ramp is smooth instead of one stair per epoch. In a mixing step a
// class-conditional G draws its fakes with the real images' labels (the mix is of one class).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>

#include "../autograd/ops/elementwise.hpp"
#include "../autograd/ops/reduce.hpp"
#include "../core/error.hpp"
#include "../core/philox.hpp"
#include "non_saturating.hpp"

namespace gantry {

enum class CutMixSchedule { every, warmup, full_batch };

inline const char* to_string(CutMixSchedule s) {
  switch (s) {
    case CutMixSchedule::every: return "every";
    case CutMixSchedule::warmup: return "warmup";
    case CutMixSchedule::full_batch: return "full-batch";
  }
  return "?";
}

inline CutMixSchedule parse_cutmix_schedule(const std::string& s) {
  if (s == "every") return CutMixSchedule::every;
  if (s == "warmup") return CutMixSchedule::warmup;
  if (s == "full-batch" || s == "full_batch") return CutMixSchedule::full_batch;
  throw Error("CutMix schedule: expected every, warmup or full-batch, found '" + s + "'");
}

// One image's box: rows [y1, y2), columns [x1, x2) (clipped), λ as drawn and whether M is inverted.
struct CutMixBox {
  int64_t y1 = 0, y2 = 0, x1 = 0, x2 = 0;
  double lambda = 0;
  bool inverted = false;
  // M's value at (row, col).
  float at(int64_t row, int64_t col) const {
    const bool in = row >= y1 && row < y2 && col >= x1 && col < x2;
    return (in != inverted) ? 0.0f : 1.0f;
  }
};

// Draws one box for an image of `height` x `width` (mixup.py random_boundingbox and CutMix).
inline CutMixBox cutmix_box(int64_t height, int64_t width, Rng& rng) {
  CutMixBox b;
  b.lambda = rng.uniform();
  const double r = std::sqrt(1.0 - b.lambda);
  const auto h = static_cast<int64_t>(static_cast<double>(height) * r);
  const auto w = static_cast<int64_t>(static_cast<double>(width) * r);
  const int64_t cy = std::min<int64_t>(static_cast<int64_t>(rng.uniform() * static_cast<double>(height)), height - 1);
  const int64_t cx = std::min<int64_t>(static_cast<int64_t>(rng.uniform() * static_cast<double>(width)), width - 1);
  b.y1 = std::clamp<int64_t>(cy - h / 2, 0, height);
  b.y2 = std::clamp<int64_t>(cy + h / 2, 0, height);
  b.x1 = std::clamp<int64_t>(cx - w / 2, 0, width);
  b.x2 = std::clamp<int64_t>(cx + w / 2, 0, width);
  b.inverted = rng.uniform() < 0.5;
  return b;
}

// n masks [n, 1, height, width], one box each.
template <class T, class D>
Tensor<T, D> cutmix_masks(int64_t n, int64_t height, int64_t width, Rng& rng) {
  static_assert(std::is_same_v<D, cpu>, "gantry: cutmix_masks draws on the CPU (the step template trains on the CPU)");
  check(n >= 0 && height > 0 && width > 0, "cutmix_masks: expected n >= 0 and a positive image size, found n = ", n,
        ", ", height, " x ", width);
  Tensor<T, cpu> m({n, 1, height, width});
  T* p = m.data();
  for (int64_t i = 0; i < n; ++i) {
    const CutMixBox b = cutmix_box(height, width, rng);
    for (int64_t r = 0; r < height; ++r)
      for (int64_t c = 0; c < width; ++c) *p++ = static_cast<T>(b.at(r, c));
  }
  return m;
}

// M ⊙ real + (1 - M) ⊙ fake for images [n, C, H, W] and masks [n, 1, H, W] (off the tape).
template <class T, class D>
Tensor<T, D> cutmix_images(const Tensor<T, D>& real, const Tensor<T, D>& fake, const Tensor<T, D>& masks) {
  check<ShapeError>(real.shape() == fake.shape() && real.rank() == 4, "cutmix_images: expected real and fake images of "
                    "one shape [n, C, H, W], found ", real.shape().str(), " and ", fake.shape().str());
  check<ShapeError>(masks.shape() == Shape{real.dim(0), 1, real.dim(2), real.dim(3)}, "cutmix_images: expected masks [",
                    real.dim(0), ", 1, ", real.dim(2), ", ", real.dim(3), "], found ", masks.shape().str());
  return ops::add(ops::mul(masks, real), ops::mul(ops::add_scalar(ops::neg(masks), T(1)), fake));
}

struct CutMix {
  static constexpr const char* log_name = "cutmix";
  CutMixSchedule schedule = CutMixSchedule::every;
  int64_t warmup_steps = 0;  // G steps of the ramp (warmup, full_batch)
  double consistency = 1.0;  // w: the consistency term's weight (0: CutMix augmentation only)

  void validate() const {
    check(warmup_steps >= 0, "CutMix: warmup_steps must be >= 0, found ", warmup_steps);
    check(schedule != CutMixSchedule::warmup || warmup_steps > 0,
          "CutMix: the warmup schedule needs warmup_steps > 0 (the ramp's length in G steps), found ", warmup_steps);
    check(consistency >= 0, "CutMix: consistency must be >= 0, found ", consistency);
  }

  double ramp(int64_t g_step) const {
    return warmup_steps > 0 ? std::min(1.0, static_cast<double>(g_step) / static_cast<double>(warmup_steps)) : 1.0;
  }
  // c: the weight of the encoder's CutMix term and of the consistency term at G step g_step.
  double coefficient(int64_t g_step) const { return schedule == CutMixSchedule::warmup ? ramp(g_step) : 1.0; }
  // The probability that a D step mixes: 1 unless full_batch.
  double mix_probability(int64_t g_step) const {
    return schedule == CutMixSchedule::full_batch ? 0.5 * ramp(g_step) : 1.0;
  }
  // Whether a mixing D step drops the ordinary real/fake terms.
  bool replaces_batch() const { return schedule == CutMixSchedule::full_batch; }

  // L_mix from D's outputs on x_mix: the decoder's per-pixel logits [n, 1, H, W] and the
  // encoder's logits [n, 1].
  template <class T, class D>
  static Var<T, D> mix_loss(const Var<T, D>& pixel_mix, const Var<T, D>& enc_mix, const Tensor<T, D>& masks, double c) {
    return add(bce_with_logits(pixel_mix, masks), mul_scalar(bce_with_logits(enc_mix, T(0)), static_cast<T>(c)));
  }

  // L_cons (with c · w) from the decoder's logits on x_mix, x and G(z).
  template <class T, class D>
  Var<T, D> consistency_loss(const Var<T, D>& pixel_mix, const Var<T, D>& pixel_real, const Var<T, D>& pixel_fake,
                             const Tensor<T, D>& masks, double c) const {
    const auto m = Var<T, D>::constant(masks);
    const auto target = add(mul(m, pixel_real), mul(Var<T, D>::constant(ops::add_scalar(ops::neg(masks), T(1))), pixel_fake));
    const auto d = sub(pixel_mix, target);
    return mul_scalar(mean(mul(d, d)), static_cast<T>(c * consistency));
  }
};

}  // namespace gantry
