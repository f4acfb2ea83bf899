#pragma once
// Evaluating a model while or after it trains: generate samples (eval mode, the EMA generator
// when there is one) and measure them.
// - toy_metrics: modes covered and the share of high-quality samples (metrics/modes.hpp).
// - image_metrics: in the feature space of a classifier (any `Features` with
//   features(images) -> [N, F] and logits(images) -> [N, K]): Fréchet distance against the
//   real features' statistics, KID, k-NN precision/recall, and the share of the most and least
//   frequent predicted class (mode dropping shows as a class near 0), the diversity (mean
//   pairwise feature distance of the samples over that of real images), and for a class-
//   conditional generator the class consistency: how often the classifier names the class
//   the generator was asked for, and, given the real images' labels, the intra-class FD (each
//   class's generated images against its real ones, averaged; ADC-GAN's Intra-FID).
#include <algorithm>
#include <optional>
#include <type_traits>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/factories.hpp"
#include "../core/philox.hpp"
#include "../data/toy2d.hpp"
#include "../metrics.hpp"
#include "../models/truncation.hpp"
#include "progress.hpp"
#include "trainer.hpp"

namespace gantry::train {

struct GenerateOptions {
  std::vector<int64_t> labels = {};  // one per sample; empty: uniform over the classes
  // Instance features [n, F] for an instance-conditioned G (IC-GAN); undefined: drawn from its
  // instance set (with the labels of the draws unless `labels` are given).
  Tensor<float, cpu> features = {};
  int64_t batch = 500;
  double truncation = 0;            // > 0: z from the normal truncated to [-t, t] (BigGAN §3.1)
  int latent_steps = 0;             // > 0: that many latent optimisation steps first (LOGAN)
  std::vector<int64_t>* used = nullptr;  // receives the labels used, when given
  std::string progress = {};        // non-empty: a progress bar with this label (on stderr)
};

// n samples from the model, batch by batch (eval mode, the EMA generator when there is one).
// Uses counters of `rng` only.
template <class Model>
Tensor<float, cpu> generate(Model& model, int64_t n, Rng& rng, const GenerateOptions& o = {}) {
  check(n >= 1, "generate: n must be >= 1, found ", n);
  check(o.labels.empty() || static_cast<int64_t>(o.labels.size()) == n, "generate: ", o.labels.size(),
        " labels for ", n, " samples");
  check(o.truncation >= 0, "generate: truncation must be >= 0 (0: none), found ", o.truncation);
  check(o.latent_steps >= 0, "generate: latent_steps must be >= 0 (0: none), found ", o.latent_steps);
  check<ShapeError>(!o.features.defined() || (o.features.rank() == 2 && o.features.dim(0) == n),
                    "generate: expected instance features of shape [", n, ", F], found ",
                    o.features.defined() ? o.features.shape().str() : std::string("none"));
  using Cond = typename std::remove_reference_t<decltype(model.nets)>::Cond;
  constexpr bool optimises = requires(const Tensor<typename std::remove_reference_t<decltype(model.nets)>::value_type,
                                                   cpu>& z, const Cond& y, Rng& r) {
    model.optimise_latents(z, y, 1, r);
  };
  check(o.latent_steps == 0 || optimises, "generate: latent_steps = ", o.latent_steps,
        " needs a model with latent optimisation (LOGAN); this one has none");
  using T = typename std::remove_reference_t<decltype(model.nets)>::value_type;
  std::vector<Tensor<float, cpu>> parts;
  std::optional<Progress> bar;
  if (!o.progress.empty()) bar.emplace(n, o.progress);
  for (int64_t lo = 0; lo < n; lo += o.batch) {
    const int64_t m = std::min(o.batch, n - lo);
    Cond y;
    if (o.features.defined())
      y.features = cast<T>(o.features.narrow0(lo, lo + m).clone());
    else if (model.nets.feature_size > 0 || o.labels.empty())
      y = model.nets.random_condition(m, rng);
    if (!o.labels.empty()) y.labels.assign(o.labels.begin() + lo, o.labels.begin() + lo + m);
    if (o.used) o.used->insert(o.used->end(), y.labels.begin(), y.labels.end());
    Tensor<T, cpu> z = o.truncation > 0 ? models::truncated_noise<T>(m, model.nets.latent_size, o.truncation, rng)
                                        : model.nets.noise(m, rng);
    if constexpr (optimises)
      if (o.latent_steps > 0) z = model.optimise_latents(z, y, o.latent_steps, rng);
    parts.push_back(cast<float>(model.sample(z, y)));
    if (bar) bar->update(lo + m);
  }
  if (bar) bar->finish();
  Shape s = parts[0].shape();
  s[0] = n;
  Tensor<float, cpu> out(s);
  int64_t off = 0;
  for (const auto& p : parts) {
    std::copy(p.data(), p.data() + p.numel(), out.data() + off);
    off += p.numel();
  }
  return out;
}

template <class Model>
Metrics toy_metrics(Model& model, const toy::Modes& modes, int64_t n, std::uint64_t seed) {
  Rng rng(seed);
  const Tensor<float, cpu> s = generate(model, n, rng);
  std::vector<float> centres;
  for (const auto& c : modes.centres) centres.insert(centres.end(), {static_cast<float>(c[0]), static_cast<float>(c[1])});
  const auto m = Tensor<float, cpu>::from(Shape{static_cast<int64_t>(modes.centres.size()), 2}, centres);
  const metrics::ModeCoverage cov = metrics::mode_coverage(s, m, modes.std);
  return {{"modes", static_cast<double>(cov.modes_covered)}, {"high_quality", cov.high_quality}};
}

// The real side of image_metrics, computed once.
struct RealFeatures {
  Tensor<float, cpu> features;  // [N, F]
  metrics::FeatureStats stats;
  std::vector<int64_t> labels;  // the images' classes, for the intra-class FD (empty: none)
};

template <class Features>
RealFeatures real_features(Features& f, const Tensor<float, cpu>& images, std::vector<int64_t> labels = {}) {
  check(labels.empty() || static_cast<int64_t>(labels.size()) == images.dim(0), "real_features: ", images.dim(0),
        " images but ", labels.size(), " labels");
  RealFeatures r;
  r.features = f.features(images);
  r.stats = metrics::feature_stats(r.features);
  r.labels = std::move(labels);
  return r;
}

struct ImageMetricOptions {
  int64_t samples = 2000;        // generated images
  int64_t kid_subset = 1000;     // KID subset size (at most samples and real count)
  int64_t kid_subsets = 50;
  int64_t pr_samples = 2000;     // images on each side of precision/recall (k = 3)
  std::uint64_t seed = 0;
  double truncation = 0;         // > 0: truncated z (generate)
  int latent_steps = 0;          // > 0: latent optimisation steps first (generate; LOGAN)
  bool per_class_fd = false;     // also intra_fd_<k>, each class's FD (class-conditional models)
  bool show_progress = false;    // a progress bar while generating (the longest part)
};

template <class Model, class Features>
Metrics image_metrics(Model& model, Features& f, const RealFeatures& real, ImageMetricOptions opt = {}) {
  Rng rng(opt.seed);
  std::vector<int64_t> labels;
  const Tensor<float, cpu> images = generate(model, opt.samples, rng,
                                            {.truncation = opt.truncation, .latent_steps = opt.latent_steps, .used = &labels,
                                             .progress = opt.show_progress ? "generating" : ""});
  const Tensor<float, cpu> fake = f.features(images);
  Metrics out;
  out.emplace_back("fd", metrics::frechet_distance(real.stats, metrics::feature_stats(fake)));
  const int64_t subset = std::min({opt.kid_subset, opt.samples, real.features.shape()[0]});
  out.emplace_back("kid", metrics::kid(real.features, fake, rng, opt.kid_subsets, subset).mean);
  const int64_t k = std::min({opt.pr_samples, opt.samples, real.features.shape()[0]});
  const auto pr = metrics::precision_recall(real.features.narrow0(0, k), fake.narrow0(0, k));
  out.emplace_back("precision", pr.precision);
  out.emplace_back("recall", pr.recall);
  out.emplace_back("diversity", metrics::mean_pairwise_distance(fake.narrow0(0, k)) /
                                    metrics::mean_pairwise_distance(real.features.narrow0(0, k)));
  const Tensor<float, cpu> logits = f.logits(images);
  const auto hist = metrics::class_histogram(logits);
  const auto [lo, hi] = std::minmax_element(hist.fraction.begin(), hist.fraction.end());
  out.emplace_back("rarest_class", *lo);
  out.emplace_back("commonest_class", *hi);
  constexpr int K = std::remove_reference_t<decltype(model.nets)>::num_classes;
  if constexpr (K > 0) {
    out.emplace_back("class_consistency", metrics::class_consistency(logits, labels));
    if (!real.labels.empty()) {
      const auto intra = metrics::intra_class_frechet_distance(real.features, real.labels, fake, labels, K);
      out.emplace_back("intra_fd", intra.mean);
      if (opt.per_class_fd)
        for (int k = 0; k < K; ++k) out.emplace_back("intra_fd_" + std::to_string(k), intra.per_class[static_cast<std::size_t>(k)]);
    }
  }
  return out;
}

}  // namespace gantry::train
