#pragma once
// How well an instance-conditioned generator (IC-GAN) stays near its instance, for instances it
// has never seen: for each held-out image, its k nearest training images under the instance
// set's features are its real neighbourhood; the Fréchet distance (in a classifier's features)
// between that neighbourhood and samples conditioned on the image's features is set beside the
// distance between the neighbourhood and as many samples conditioned on instances drawn from
// the training set (what an unconditional model of the data would give). Both are averaged
// over the images; conditioned < unconditioned means the samples follow their instance.
#include <cstdint>
#include <vector>

#include "../data/instances.hpp"
#include "../data/neighbours.hpp"
#include "../metrics/frechet.hpp"
#include "evaluate.hpp"

namespace gantry::train {

struct InstanceFd {
  double conditioned = 0;    // mean FD(neighbourhood, samples around the image)
  double unconditioned = 0;  // mean FD(neighbourhood, samples around training instances)
  int64_t instances = 0;
};

struct InstanceFdOptions {
  int64_t k = 50;         // neighbourhood size (the instance set's k by default)
  int64_t samples = 200;  // generated per image
  std::uint64_t seed = 11;
  // cc-IC-GAN: the class each image's samples take (empty: the class of its nearest
  // training image, as a neighbour's class conditions G in training).
  std::vector<int64_t> labels = {};
};

// `extractor`: the instance set's feature extractor (L2-normalised features define the
// neighbourhoods); `judge`: the classifier whose features the FD is measured in (both may be
// the same object). `train_images` are the instance set's images, `held_out` the new ones
// ([N, C, H, W] in [-1, 1], as the GAN sees them).
template <class Model, class Extractor, class Judge>
InstanceFd instance_neighbourhood_fd(Model& model, Extractor& extractor, Judge& judge, const Tensor<float, cpu>& train_images,
                                     const Tensor<float, cpu>& held_out, InstanceFdOptions o = {}) {
  const data::Instances* set = model.nets.instances();
  check(set != nullptr, "instance_neighbourhood_fd: the model has no instance set (set_instances)");
  check<ShapeError>(train_images.dim(0) == set->size(), "instance_neighbourhood_fd: ", train_images.dim(0),
                    " training images for an instance set of ", set->size());
  check(o.samples >= 2 && o.k >= 2, "instance_neighbourhood_fd: needs samples >= 2 and k >= 2, found ", o.samples,
        " and ", o.k);
  constexpr int K = std::remove_reference_t<decltype(model.nets)>::num_classes;
  const Tensor<float, cpu> h = data::l2_normalised(extractor.features(held_out));
  const data::Neighbours nn = data::nearest_neighbours(h, set->features, o.k);
  const int64_t n = held_out.dim(0), f = h.dim(1);
  Rng rng(o.seed);
  InstanceFd out;
  for (int64_t i = 0; i < n; ++i) {
    // The neighbourhood's images, judged.
    const auto ids = nn.of(i);
    Tensor<float, cpu> hood(Shape{o.k, train_images.dim(1), train_images.dim(2), train_images.dim(3)});
    const int64_t per = train_images.numel() / train_images.dim(0);
    for (int64_t j = 0; j < o.k; ++j)
      std::copy_n(train_images.data() + ids[static_cast<std::size_t>(j)] * per, per, hood.data() + j * per);
    const metrics::FeatureStats real = metrics::feature_stats(judge.features(hood));
    // Samples around the image.
    Tensor<float, cpu> hs(Shape{o.samples, f});
    for (int64_t s = 0; s < o.samples; ++s) std::copy_n(h.data() + i * f, f, hs.data() + s * f);
    GenerateOptions g{.features = hs};
    if constexpr (K > 0) {
      const int64_t y = o.labels.empty() ? set->labels[static_cast<std::size_t>(ids[0])] : o.labels[static_cast<std::size_t>(i)];
      g.labels.assign(static_cast<std::size_t>(o.samples), y);
    }
    const Tensor<float, cpu> around = generate(model, o.samples, rng, g);
    const Tensor<float, cpu> anywhere = generate(model, o.samples, rng);
    out.conditioned += metrics::frechet_distance(real, metrics::feature_stats(judge.features(around)));
    out.unconditioned += metrics::frechet_distance(real, metrics::feature_stats(judge.features(anywhere)));
  }
  out.instances = n;
  out.conditioned /= static_cast<double>(n);
  out.unconditioned /= static_cast<double>(n);
  return out;
}

}  // namespace gantry::train
