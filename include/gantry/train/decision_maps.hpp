#pragma once
// A picture of what a U-Net discriminator decides (U-Net GAN, models/unetgan.hpp): for n real
// images, n generated ones and their CutMix mixes, D's per-pixel probability of "real"
// (sigmoid of the decoder's logits; white = real, black = fake), in eval mode. The grid has
// seven rows of n tiles: real images, D's maps of them; generated images, D's maps of them;
// CutMix masks (white: the real image's pixels), the mixes, D's maps of them. A trained D's
// maps are mostly white on the second row, dark on the fourth and follow the mask on the last. `gantry sample --decision-map FILE` writes this picture.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../io/grid.hpp"
#include "../losses/cutmix.hpp"
#include "evaluate.hpp"

namespace gantry::train {

struct DecisionMaps {
  Tensor<float, cpu> rows;  // [7n, C, H, W] in [-1, 1], the grid's tiles in row order
  double real_prob = 0, fake_prob = 0;  // mean per-pixel probability of "real" on real and generated images
  double mix_agreement = 0;             // share of mixed pixels where D's map (> 0.5) matches the mask
};

// `real`: [n, C, H, W] images in [-1, 1] with their labels (empty when unconditional). The
// fakes are drawn with the same labels; masks and noise come from `rng`.
template <class Model>
DecisionMaps decision_maps(Model& model, const Tensor<float, cpu>& real, const std::vector<int64_t>& labels, Rng& rng) {
  static_assert(Model::has_pixel, "gantry: decision_maps needs a discriminator with a per-pixel output (a U-Net D)");
  const int64_t n = real.dim(0), c = real.dim(1), h = real.dim(2), w = real.dim(3);
  const Tensor<float, cpu> fake = generate(model, n, rng, {.labels = labels});
  const Tensor<float, cpu> masks = cutmix_masks<float, cpu>(n, h, w, rng);
  const Tensor<float, cpu> mixed = cutmix_images(real, fake, masks);
  // Per-pixel probabilities as images in [-1, 1] with the images' channels.
  const auto map_of = [&](const Tensor<float, cpu>& x, double* mean_prob) {
    const Tensor<float, cpu> logits = model.decisions(x, labels).per_pixel.value();
    Tensor<float, cpu> out({n, c, h, w});
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t p = 0; p < h * w; ++p) {
        const float prob = 1.0f / (1.0f + std::exp(-logits.data()[i * h * w + p]));
        sum += prob;
        for (int64_t ch = 0; ch < c; ++ch) out.data()[(i * c + ch) * h * w + p] = 2 * prob - 1;
      }
    if (mean_prob) *mean_prob = sum / static_cast<double>(n * h * w);
    return out;
  };
  DecisionMaps d;
  const Tensor<float, cpu> real_map = map_of(real, &d.real_prob), fake_map = map_of(fake, &d.fake_prob);
  const Tensor<float, cpu> mix_map = map_of(mixed, nullptr);
  Tensor<float, cpu> mask_img({n, c, h, w});
  int64_t agree = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t p = 0; p < h * w; ++p) {
      const float m = masks.data()[i * h * w + p];
      agree += (mix_map.data()[i * c * h * w + p] > 0) == (m > 0.5f);
      for (int64_t ch = 0; ch < c; ++ch) mask_img.data()[(i * c + ch) * h * w + p] = 2 * m - 1;
    }
  d.mix_agreement = static_cast<double>(agree) / static_cast<double>(n * h * w);
  d.rows = ops::concat(std::vector<Tensor<float, cpu>>{real, real_map, fake, fake_map, mask_img, mixed, mix_map}, 0);
  return d;
}

// Writes decision_maps(...) as a grid of 7 rows of n tiles to `path`.
template <class Model>
DecisionMaps save_decision_maps(Model& model, const Tensor<float, cpu>& real, const std::vector<int64_t>& labels,
                                Rng& rng, const std::string& path) {
  DecisionMaps d = decision_maps(model, real, labels, rng);
  io::save_grid(d.rows, path, io::GridOptions{.nrow = real.dim(0)});
  return d;
}

}  // namespace gantry::train
