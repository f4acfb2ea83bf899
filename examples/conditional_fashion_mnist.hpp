#pragma once
// What examples/{sagan,biggan,biggan_deep}_fashion_mnist.cpp share: train a class-conditional
// hinge-loss GAN (models/hinge_gan.hpp) on Fashion-MNIST zero-padded to 32x32, with the
// metrics before and after (FD, KID, precision/recall, diversity, and class consistency: how
// often the Fashion-MNIST classifier names the class the generator was asked for), a sample
// grid with one row per class, the loss curves and a checkpoint.
//
//   <example> [--steps N] [--out DIR] [--threads T] [--resume]
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>

#include "gantry/core/parallel.hpp"
#include "gantry/data/fashion_mnist.hpp"
#include "gantry/data/loader.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/train/trainer.hpp"

namespace example {

using namespace gantry;

inline void print(const char* when, const train::Metrics& m) {
  std::cout << when << ':';
  for (const auto& [k, v] : m) std::cout << ' ' << k << ' ' << v;
  std::cout << '\n';
}

struct Options {
  int64_t steps = 0;
  std::string out;
  bool resume = false;
};

// Reads [--steps N] [--out DIR] [--threads T] [--resume] over the defaults; exits 2 with the
// usage on anything else.
inline Options parse(int argc, char** argv, const char* program, Options o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--resume") {
      o.resume = true;
    } else if ((a == "--steps" || a == "--out" || a == "--threads") && i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--steps") o.steps = std::atoll(v.c_str());
      if (a == "--out") o.out = v;
      if (a == "--threads") set_num_threads(std::atoi(v.c_str()));
    } else {
      std::cerr << "usage: " << program << " [--steps N] [--out DIR] [--threads T] [--resume]\n";
      std::exit(2);
    }
  }
  if (o.steps < 1) {
    std::cerr << program << ": --steps must be >= 1, found " << o.steps << '\n';
    std::exit(2);
  }
  return o;
}

// `after(model, out_dir)` runs once training is done (e.g. to draw more pictures).
struct Nothing {
  template <class M>
  void operator()(M&, const std::string&) const {}
};

// `before(model, loader, classifier)` runs once the classifier is loaded, before training
// (IC-GAN builds its instance set there).
struct NothingBefore {
  template <class M, class L, class F>
  void operator()(M&, L&, F&) const {}
};

template <class Model, class After = Nothing, class Before = NothingBefore>
int train_conditional(const char* program, const Options& opt, const typename Model::Hyper& h, After after = {},
                      Before before = {}) {
  try {
    Model model(h, train::derive_seed(0, train::init_stream));
    data::LoaderOptions lo;
    lo.batch_size = h.batch_size;
    lo.pad_to = 32;
    data::Loader loader(data::fashion_mnist("train"), lo, Rng(train::derive_seed(0, train::data_stream)));

    auto features = train::load_or_train_fashion_classifier();
    std::cout << "Fashion-MNIST classifier for the metrics: " << features.path() << " (test accuracy "
              << 100 * features.test_accuracy() << "%)\n";
    const auto real = train::real_features(features, train::fashion_mnist_images("test", 32), data::fashion_mnist("test").labels);
    const train::ImageMetricOptions mo{.samples = 2000, .kid_subset = 1000, .kid_subsets = 50, .pr_samples = 2000,
                                       .seed = 5};
    train::TrainerOptions o;
    o.steps = opt.steps;
    o.out_dir = opt.out;
    o.resume = opt.resume;
    o.sample_every = std::max<int64_t>(1, opt.steps / 4);
    o.checkpoint_every = std::max<int64_t>(1, opt.steps / 4);
    // Constructed first: it refuses a used --out (or resumes) before minutes of measuring.
    train::Trainer trainer(model, loader, o, io::json::Object{{"data", "fashion-mnist"}, {"program", program}});
    before(model, loader, features);
    if (!opt.resume) print("untrained generator", train::image_metrics(model, features, real, mo));
    const auto r = trainer.run();
    print("trained generator", train::image_metrics(model, features, real, mo));
    after(model, opt.out);
    std::cout << "trained " << r.step << " generator steps in " << r.seconds << " s\n"
              << (Model::Pair::feature_size > 0  ? "samples (one row per instance): "
                  : Model::Pair::num_classes > 0 ? "samples (one row per class): "
                                                 : "samples: ")
              << opt.out << "/samples.png, loss curves: " << opt.out
              << "/losses.png, checkpoint: " << r.checkpoint
              << "\n(FD here is in the classifier's 128 features, not Inception FID; see docs/metrics.md)\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return 1;
  }
}

}  // namespace example
