#pragma once
// What the learning tests share: the Fashion-MNIST classifier whose features their FD is
// measured in (from $GANTRY_CACHE when set, the examples' cache; otherwise trained once, one
// epoch, about a minute, into the system temp directory and reused), and one run on
// Fashion-MNIST zero-padded to 32x32 measured before and after (learns_fashion).
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gantry/data/fashion_mnist.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/train/trainer.hpp"

namespace gantry::test {

inline train::FashionFeatures learning_test_classifier() {
  namespace fs = std::filesystem;
  const char* cache = std::getenv("GANTRY_CACHE");
  const fs::path clf = cache ? fs::path(cache) / train::fashion_classifier_file
                             : fs::temp_directory_path() / "gantry_test_cache" / train::fashion_classifier_file;
  train::FashionClassifierOptions copt;
  copt.epochs = 1;
  return train::load_or_train_fashion_classifier(clf.string(), false, copt);
}


inline double metric(const train::Metrics& m, const std::string& key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  FAIL("no metric ", key);
  return 0;
}

inline int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoll(v) : fallback;
}

struct Expect {
  int64_t steps;
  double fd_ratio;           // FD after < ratio * FD untrained
  double class_consistency = 0;  // after, at least (0.1 is chance)
  int64_t train_images = 0;  // > 0: train on the first this many training images only
};

// What a model needs before it trains besides its hyper-parameters: called with the model, the
// loader, the classifier and the training images as the model sees them ([N, 1, 32, 32] in
// [-1, 1]) with their labels (IC-GAN builds its instance set here).
struct NoPrepare {
  template <class Model>
  void operator()(Model&, data::Loader&, train::FashionFeatures&, const Tensor<float, cpu>&,
                  const std::vector<int64_t>&) const {}
};


// GANTRY_LEARNING_STEPS overrides the steps of every run, GANTRY_LEARNING_EVAL_EVERY logs the
// metrics along the way (for calibrating the sizes).
// And what to check on the trained model besides FD: called with the model, the classifier and
// the training images as above.
struct NoCheck {
  template <class Model>
  void operator()(Model&, train::FashionFeatures&, const Tensor<float, cpu>&) const {}
};

template <class Model, class Prepare = NoPrepare, class Check = NoCheck>
void learns_fashion(const std::string& name, const typename Model::Hyper& h, Expect e, const Prepare& prepare = {},
                    const Check& check_trained = {}) {
  namespace fs = std::filesystem;
  if (!fs::exists(data::fashion_mnist_default_dir)) {
    MESSAGE("skipped: ", data::fashion_mnist_default_dir, " is absent (scripts/setup installs it)");
    return;
  }
  const int64_t steps = env_int("GANTRY_LEARNING_STEPS", e.steps);
  auto features = learning_test_classifier();
  const auto real = train::real_features(features, train::fashion_mnist_images("test", 32), data::fashion_mnist("test").labels);

  constexpr bool conditional = Model::Pair::num_classes > 0;
  const auto consistency = [&](const train::Metrics& m) {
    return conditional ? "; class consistency " + std::to_string(metric(m, "class_consistency")) : std::string();
  };
  Model model(h, train::derive_seed(3, train::init_stream));
  data::LoaderOptions lo;
  lo.batch_size = model.batch_size();
  lo.pad_to = 32;
  data::LabeledImages train_set = data::fashion_mnist("train");
  if (e.train_images > 0) {
    train_set.images = train_set.images.narrow0(0, e.train_images).clone();
    train_set.labels.resize(static_cast<std::size_t>(e.train_images));
  }
  data::Loader loader(train_set, lo, Rng(train::derive_seed(3, train::data_stream)));
  Tensor<float, cpu> seen = train::fashion_mnist_images("train", 32);
  if (e.train_images > 0) seen = seen.narrow0(0, e.train_images).clone();
  prepare(model, loader, features, seen, train_set.labels);

  const train::ImageMetricOptions mo{.samples = 2000, .kid_subset = 1000, .kid_subsets = 20, .pr_samples = 2000, .seed = 5};
  const auto before = train::image_metrics(model, features, real, mo);
  const fs::path dir = fs::temp_directory_path() / ("gantry_test_learning_" + name);
  fs::remove_all(dir);
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = dir.string();
  o.seed = 3;
  o.show_progress = false;
  o.eval_every = env_int("GANTRY_LEARNING_EVAL_EVERY", 0);
  train::Trainer trainer(model, loader, o);
  if (o.eval_every > 0)
    trainer.evaluate = [&](Model& m, int64_t step) {
      auto r = train::image_metrics(m, features, real, mo);
      MESSAGE(name, " step ", step, ": FD ", metric(r, "fd"), consistency(r));
      return r;
    };
  const auto r = trainer.run();
  const auto after = train::image_metrics(model, features, real, mo);
  MESSAGE(name, ": FD untrained ", metric(before, "fd"), ", after ", steps, " steps ", metric(after, "fd"), " (",
          r.seconds, " s); KID ", metric(before, "kid"), " -> ", metric(after, "kid"), consistency(before),
          std::string(conditional ? " ->" : ""), consistency(after));
  CHECK(metric(after, "fd") < e.fd_ratio * metric(before, "fd"));
  if (e.class_consistency > 0) CHECK(metric(after, "class_consistency") >= e.class_consistency);
  CHECK(fs::exists(dir / "samples.png"));
  check_trained(model, features, seen);
  fs::remove_all(dir);
}

}  // namespace gantry::test
