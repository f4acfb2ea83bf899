// WGAN-GP learns Fashion-MNIST: a CI-sized run (the paper's ResNet at width 16, 28x28,
// batch 32, GANTRY_LEARNING_STEPS generator steps, default 500, lr 1e-3 decayed to 0) brings the Fréchet distance
// in a Fashion-MNIST classifier's features below a quarter of the untrained generator's.
// The classifier is trained here once (a short run) unless GANTRY_CACHE holds one.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "gantry/data/fashion_mnist.hpp"
#include "gantry/train/fashion_classifier.hpp"
#include "gantry/models/wgan_gp.hpp"
#include "gantry/models/wgan_nets.hpp"
#include "gantry/train/evaluate.hpp"
#include "gantry/train/trainer.hpp"
#include "learning_support.hpp"

using namespace gantry;
namespace fs = std::filesystem;

TEST_CASE("WGAN-GP on Fashion-MNIST: FD falls below a quarter of the untrained generator's") {
  if (!fs::exists(data::fashion_mnist_default_dir)) {
    MESSAGE("skipped: ", data::fashion_mnist_default_dir, " is absent (scripts/setup installs it)");
    return;
  }
  const char* env_steps = std::getenv("GANTRY_LEARNING_STEPS");
  const int64_t steps = env_steps ? std::atoll(env_steps) : 500;
  auto features = test::learning_test_classifier();
  MESSAGE("classifier ", features.path(), ": test accuracy ", features.test_accuracy());

  const auto real = train::real_features(features, train::fashion_mnist_images("test", 28));

  auto h = models::WganGpHyper{};
  h.batch_size = h.g_batch_size = 32;
  h.decay_steps = steps;
  const char* env_lr = std::getenv("GANTRY_LEARNING_LR");
  h.lr = env_lr ? std::atof(env_lr) : 1e-3;
  models::wgan_gp<Image<1, 28, 28>, Width<16>> model(h, train::derive_seed(3, train::init_stream));
  data::LoaderOptions lo;
  lo.batch_size = h.batch_size;
  data::Loader loader(data::fashion_mnist("train"), lo, Rng(train::derive_seed(3, train::data_stream)));

  const train::ImageMetricOptions mo{.samples = 2000, .kid_subset = 1000, .kid_subsets = 20, .pr_samples = 2000, .seed = 5};
  const auto before = train::image_metrics(model, features, real, mo);
  const fs::path dir = fs::temp_directory_path() / "gantry_test_learning_fashion";
  fs::remove_all(dir);
  train::TrainerOptions o;
  o.steps = steps;
  o.out_dir = dir.string();
  o.seed = 3;
  o.show_progress = false;
  train::Trainer trainer(model, loader, o);
  const auto r = trainer.run();
  const auto after = train::image_metrics(model, features, real, mo);
  MESSAGE("FD untrained ", before[0].second, ", after ", steps, " steps ", after[0].second, " (", r.seconds,
          " s); KID ", before[1].second, " -> ", after[1].second, "; recall ", before[3].second, " -> ",
          after[3].second);
  CHECK(after[0].second < before[0].second / 4);
  CHECK(fs::exists(dir / "samples.png"));
  fs::remove_all(dir);
}
