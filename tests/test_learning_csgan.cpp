// CSGAN and CycleGAN learn the built-in paired task edges <-> garments (data/fashion_edges.hpp)
// in CI-sized runs: small nets (ngf 8, 3 residual blocks, a 2-layer PatchGAN), batch 8, lr 4e-4
// (2x the paper's, for a short run), the first 6000 training pairs, 500 test pairs. CSGAN's
// garments drawn from edge maps come close to the real ones; CycleGAN learns both directions
// (CSGAN's garments -> edges generator settles on near-blank maps on this task:
// docs/models/csgan.md). GANTRY_LEARNING_STEPS and GANTRY_LEARNING_EVAL_EVERY help calibrate.
#include <doctest/doctest.h>

#include <filesystem>
#include <iostream>

#include "gantry/data/fashion_edges.hpp"
#include "gantry/data/pair_loader.hpp"
#include "gantry/models/csgan.hpp"
#include "gantry/train/trainer.hpp"
#include "gantry/train/translation_metrics.hpp"
#include "learning_support.hpp"

using namespace gantry;

namespace {

struct Learned {
  train::Metrics before, after;
};

// `steps` iterations of Model (ngf 8, 3 residual blocks, a 2-layer PatchGAN) on the first 6000
// training pairs, batch 8, lr 4e-4; metrics on 500 test pairs before and after.
template <class Model>
Learned learn(const char* name, int64_t steps) {
  namespace fs = std::filesystem;
  models::CycleHyper h = Model::paper_hyper();
  h.batch_size = 8;
  h.lr = 4e-4;
  Model model(h, train::derive_seed(0, train::init_stream));

  data::ImagePairs all = data::fashion_mnist_edges("train");
  data::ImagePairs subset{ops::slice(all.a, 0, 0, 6000).clone(), ops::slice(all.b, 0, 0, 6000).clone(), true, {}};
  all = {};
  data::PairLoaderOptions lo;
  lo.batch_size = h.batch_size;
  data::PairLoader loader(std::move(subset), lo, Rng(train::derive_seed(0, train::data_stream)));
  const train::TranslationPairs test = train::translation_pairs(data::fashion_mnist_edges("test"), 500);

  const fs::path out = fs::temp_directory_path() / (std::string("gantry_learning_") + name);
  fs::remove_all(out);
  train::TrainerOptions o;
  o.steps = test::env_int("GANTRY_LEARNING_STEPS", steps);
  o.out_dir = out.string();
  o.show_progress = false;
  o.eval_every = test::env_int("GANTRY_LEARNING_EVAL_EVERY", 0);
  train::Trainer trainer(model, loader, o);
  trainer.evaluate = [&](Model& m, int64_t step) {
    const auto r = train::translation_metrics(m, test);
    std::cout << name << " step " << step;
    for (const auto& [k, v] : r) std::cout << ' ' << k << ' ' << v;
    std::cout << '\n';
    return r;
  };
  Learned l;
  l.before = train::translation_metrics(model, test);
  trainer.run();
  l.after = train::translation_metrics(model, test);
  for (const auto* m : {&l.before, &l.after})
    MESSAGE(std::string(name), m == &l.before ? " untrained:" : " trained:  ", " a2b SSIM ", test::metric(*m, "a2b_ssim"), " PSNR ",
            test::metric(*m, "a2b_psnr"), " MSE ", test::metric(*m, "a2b_mse"), "; b2a SSIM ",
            test::metric(*m, "b2a_ssim"), " PSNR ", test::metric(*m, "b2a_psnr"), " MSE ", test::metric(*m, "b2a_mse"));
  fs::remove_all(out);
  return l;
}

using Nets = models::cycle_nets<Image<1, 32, 32>, Image<1, 32, 32>, 8, 8, 3, 2>;

}  // namespace

// Measured (a2b SSIM / PSNR / MSE): untrained 0.012 / 6.8 / 0.213; 150 steps 0.34 / 13.3 / 0.055;
// 250 steps 0.34 / 13.1 / 0.057; 300 steps 0.40 / 14.1 / 0.044.
TEST_CASE("CSGAN on the Fashion-MNIST edges task: edges -> garments learns (SSIM, PSNR, MSE)") {
  const Learned l = learn<models::Translation<Nets, models::CsganPaper>>("csgan", 250);
  const auto& [before, after] = l;
  CHECK(test::metric(after, "a2b_ssim") > test::metric(before, "a2b_ssim") + 0.25);
  CHECK(test::metric(after, "a2b_psnr") > test::metric(before, "a2b_psnr") + 5.0);
  CHECK(test::metric(after, "a2b_mse") < 0.4 * test::metric(before, "a2b_mse"));
}

// Measured (a2b SSIM / MSE, b2a SSIM / MSE): untrained 0.012 / 0.213, 0.006 / 0.259; 150 steps
// 0.20 / 0.098, 0.15 / 0.187; 250 steps 0.20 / 0.097, 0.11 / 0.213; 300 steps 0.17 / 0.100, 0.14 /
// 0.205 (at this size the curves are noisy: the limits leave room).
TEST_CASE("CycleGAN on the Fashion-MNIST edges task: both directions learn") {
  const Learned l = learn<models::Translation<Nets, models::CycleganPaper>>("cyclegan", 250);
  const auto& [before, after] = l;
  CHECK(test::metric(after, "a2b_ssim") > test::metric(before, "a2b_ssim") + 0.12);
  CHECK(test::metric(after, "b2a_ssim") > test::metric(before, "b2a_ssim") + 0.08);
  CHECK(test::metric(after, "a2b_mse") < 0.6 * test::metric(before, "a2b_mse"));
  CHECK(test::metric(after, "b2a_mse") < 0.9 * test::metric(before, "b2a_mse"));
}
