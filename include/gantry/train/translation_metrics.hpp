#pragma once
// How well a two-domain translator (models/translation.hpp: CSGAN, CycleGAN) reproduces the
// paired targets of a test set, per direction, with the CSGAN paper's measures
// (metrics/image_similarity.hpp): for aligned pairs (a_i, b_i), G_A(a_i) against b_i
// ("a2b_*") and G_B(b_i) against a_i ("b2a_*"), each MSE, PSNR (dB) and SSIM, computed on
// images in [0, 1] (data range 1; PSNR and SSIM are those of 8-bit images up to rounding), as
// means over the first n pairs. Translations run in eval mode in batches of 50.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../autograd/ops/layout.hpp"
#include "../core/error.hpp"
#include "../data/image_pairs.hpp"
#include "../metrics/image_similarity.hpp"
#include "progress.hpp"

namespace gantry::train {

// The test pairs in [-1, 1] (the range the translators see): a [n, Ca, H, W] and b.
struct TranslationPairs {
  Tensor<float, cpu> a, b;
};

// The first n pairs (all with n <= 0) of an aligned set, mapped [0, 1] -> [-1, 1].
inline TranslationPairs translation_pairs(const data::ImagePairs& p, int64_t n = 0) {
  p.validate();
  check(p.aligned, "translation_pairs: the metrics compare translations with their paired targets; this set is "
                   "unpaired (use paired folders or side-by-side images)");
  const int64_t count = n <= 0 ? p.size_a() : std::min(n, p.size_a());
  const auto scaled = [&](const Tensor<float, cpu>& t) {
    Tensor<float, cpu> out = ops::slice(t, 0, 0, count).clone();
    float* d = out.data();
    for (int64_t i = 0; i < out.numel(); ++i) d[i] = 2.0f * d[i] - 1.0f;
    return out;
  };
  return {scaled(p.a), scaled(p.b)};
}

namespace detail {
inline Tensor<float, cpu> to_unit(const Tensor<float, cpu>& t) {
  Tensor<float, cpu> out = t.clone();
  float* d = out.data();
  for (int64_t i = 0; i < out.numel(); ++i) d[i] = std::clamp(0.5f * (d[i] + 1.0f), 0.0f, 1.0f);
  return out;
}
}  // namespace detail

// The model's translations of the pairs, in [-1, 1]: G_A(a) and G_B(b).
template <class Model>
std::pair<Tensor<float, cpu>, Tensor<float, cpu>> translate_pairs(Model& model, const TranslationPairs& p) {
  const int64_t n = p.a.dim(0), batch = 50;
  std::vector<Tensor<float, cpu>> fb, fa;
  for (int64_t s = 0; s < n; s += batch) {
    const int64_t e = std::min(n, s + batch);
    fb.push_back(cast<float>(model.translate_a(cast<typename Model::value_type>(ops::slice(p.a, 0, s, e)))));
    fa.push_back(cast<float>(model.translate_b(cast<typename Model::value_type>(ops::slice(p.b, 0, s, e)))));
  }
  return {ops::concat(fb, 0), ops::concat(fa, 0)};
}

template <class Model>
Metrics translation_metrics(Model& model, const TranslationPairs& p) {
  check<ShapeError>(p.a.defined() && p.b.defined() && p.a.dim(0) == p.b.dim(0) && p.a.dim(0) > 0,
                    "translation_metrics: expected as many (non-zero) a as b images");
  const auto [fake_b, fake_a] = translate_pairs(model, p);
  const metrics::ImageSimilarity ab = metrics::image_similarity(detail::to_unit(fake_b), detail::to_unit(p.b), 1.0);
  const metrics::ImageSimilarity ba = metrics::image_similarity(detail::to_unit(fake_a), detail::to_unit(p.a), 1.0);
  return {{"a2b_mse", ab.mse}, {"a2b_psnr", ab.psnr}, {"a2b_ssim", ab.ssim},
          {"b2a_mse", ba.mse}, {"b2a_psnr", ba.psnr}, {"b2a_ssim", ba.ssim}};
}

}  // namespace gantry::train
