// SAGAN, BigGAN and BigGAN-deep learn Fashion-MNIST (zero-padded to 32x32) class-
// conditionally: CI-sized runs (Ch 8, batch 32, the papers' other hyper-parameters, with
// raised learning rates where that learns faster in a few hundred steps) bring the Fréchet
// distance in a Fashion-MNIST classifier's features well below the untrained generator's, and
// SAGAN's samples already show their class more often than chance (class consistency; the
// longer runs in docs/models/ measure it for all three). The classifier is trained here once (a short run)
// unless GANTRY_CACHE holds one. For calibrating these sizes: GANTRY_LEARNING_STEPS overrides
// every run's steps, GANTRY_LEARNING_LR_SCALE multiplies both learning rates and
// GANTRY_LEARNING_EVAL_EVERY logs the metrics along the way.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gantry/data/fashion_mnist.hpp"
#include "gantry/models/biggan.hpp"
#include "gantry/models/biggan_deep.hpp"
#include "gantry/models/sagan.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/train/trainer.hpp"
#include "learning_support.hpp"

using namespace gantry;
namespace fs = std::filesystem;

namespace {

double metric(const train::Metrics& m, const std::string& key) {
  for (const auto& [k, v] : m)
    if (k == key) return v;
  FAIL("no metric ", key);
  return 0;
}

int64_t env_int(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoll(v) : fallback;
}

struct Expect {
  int64_t steps;
  double fd_ratio;           // FD after < ratio * FD untrained
  double class_consistency = 0;  // after, at least (0.1 is chance)
};

template <class Model>
void learns(const std::string& name, models::HingeGanHyper h, Expect e) {
  if (!fs::exists(data::fashion_mnist_default_dir)) {
    MESSAGE("skipped: ", data::fashion_mnist_default_dir, " is absent (scripts/setup installs it)");
    return;
  }
  const int64_t steps = env_int("GANTRY_LEARNING_STEPS", e.steps);
  if (const char* scale = std::getenv("GANTRY_LEARNING_LR_SCALE")) {
    h.g_lr *= std::atof(scale);
    h.d_lr *= std::atof(scale);
  }
  auto features = test::learning_test_classifier();
  const auto real = train::real_features(features, train::fashion_mnist_images("test", 32));

  Model model(h, train::derive_seed(3, train::init_stream));
  data::LoaderOptions lo;
  lo.batch_size = h.batch_size;
  lo.pad_to = 32;
  data::Loader loader(data::fashion_mnist("train"), lo, Rng(train::derive_seed(3, train::data_stream)));

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
      MESSAGE(name, " step ", step, ": FD ", metric(r, "fd"), ", class consistency ", metric(r, "class_consistency"));
      return r;
    };
  const auto r = trainer.run();
  const auto after = train::image_metrics(model, features, real, mo);
  MESSAGE(name, ": FD untrained ", metric(before, "fd"), ", after ", steps, " steps ", metric(after, "fd"), " (",
          r.seconds, " s); KID ", metric(before, "kid"), " -> ", metric(after, "kid"), "; class consistency ",
          metric(before, "class_consistency"), " -> ", metric(after, "class_consistency"));
  CHECK(metric(after, "fd") < e.fd_ratio * metric(before, "fd"));
  if (e.class_consistency > 0) CHECK(metric(after, "class_consistency") >= e.class_consistency);
  CHECK(fs::exists(dir / "samples.png"));
  fs::remove_all(dir);
}

}  // namespace

// Sizes measured here (FD untrained -> after, class consistency): SAGAN 1050 -> 350 and 0.27 at
// 300 steps with 4x the paper's learning rates (the paper's: 554 at 400, still 0.11); BigGAN at
// the paper's 2e-4 1004 -> 446 at 100 steps, 407 at 150 (5x: 584 at 150); BigGAN-deep with 4x
// its rates 1044 -> 568 at 300 (the paper's: 648 at 300, 620 at 400).
TEST_CASE("SAGAN on Fashion-MNIST: FD falls and samples start to show their class") {
  auto h = models::sagan_hyper();
  h.batch_size = 32;
  h.g_lr *= 4;  // 4e-4 and 1.6e-3: a CI-sized run
  h.d_lr *= 4;
  learns<models::sagan<Image<1, 32, 32>, 10, 8>>("sagan", h, {.steps = 300, .fd_ratio = 0.6, .class_consistency = 0.15});
}

TEST_CASE("BigGAN on Fashion-MNIST: FD falls") {
  auto h = models::biggan_hyper();
  h.batch_size = 32;
  learns<models::biggan<models::biggan_nets<Image<1, 32, 32>, 10, 8>>>("biggan", h,
                                                                       {.steps = 120, .fd_ratio = 0.6});
}

TEST_CASE("BigGAN-deep on Fashion-MNIST: FD falls") {
  auto h = models::biggan_deep_hyper();
  h.batch_size = 32;
  h.g_lr *= 4;  // 4e-4 and 1.6e-3
  h.d_lr *= 4;
  learns<models::biggan_deep<models::biggan_deep_nets<Image<1, 32, 32>, 10, 8>>>("biggan_deep", h,
                                                                                 {.steps = 500, .fd_ratio = 0.6});
}
