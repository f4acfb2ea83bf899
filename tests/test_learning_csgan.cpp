// CSGAN learns the built-in paired task edges <-> garments (data/fashion_edges.hpp) in a
// CI-sized run: the garments it draws from edge maps (500 test pairs) come close to the real
// ones (SSIM, PSNR, MSE well past the untrained translator's); the other direction's PSNR rises.
// Small nets (ngf 8, 3 residual blocks, a 2-layer PatchGAN), batch 8, lr 4e-4 (2x the paper's,
// for a short run), the first 6000 training pairs. GANTRY_LEARNING_STEPS and
// GANTRY_LEARNING_EVAL_EVERY help calibrate.
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

// Measured (a2b SSIM / PSNR / MSE, b2a PSNR): untrained 0.010 / 6.8 / 0.211, 5.8; 100 steps
// 0.35 / 13.3 / 0.055, 9.8; 250 steps 0.42 / 14.1 / 0.044, 9.7; 300 steps 0.45 / 14.4 / 0.040.
TEST_CASE("CSGAN on the Fashion-MNIST edges task: edges -> garments learns (SSIM, PSNR, MSE)") {
  namespace fs = std::filesystem;
  using Model = models::csgan<Image<1, 32, 32>, Image<1, 32, 32>, 8, 8, 3, 2>;
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

  const fs::path out = fs::temp_directory_path() / "gantry_learning_csgan";
  fs::remove_all(out);
  train::TrainerOptions o;
  o.steps = test::env_int("GANTRY_LEARNING_STEPS", 250);
  o.out_dir = out.string();
  o.show_progress = false;
  o.eval_every = test::env_int("GANTRY_LEARNING_EVAL_EVERY", 0);
  data::Batch preview;
  preview.images = ops::slice(test.a, 0, 0, 4).clone();
  preview.targets = ops::slice(test.b, 0, 0, 4).clone();
  model.set_preview(preview);
  train::Trainer trainer(model, loader, o);
  trainer.evaluate = [&](Model& m, int64_t step) {
    const auto r = train::translation_metrics(m, test);
    std::cout << "csgan step " << step;
    for (const auto& [k, v] : r) std::cout << ' ' << k << ' ' << v;
    std::cout << '\n';
    return r;
  };

  const train::Metrics before = train::translation_metrics(model, test);
  trainer.run();
  const train::Metrics after = train::translation_metrics(model, test);
  MESSAGE("untrained: a2b SSIM ", test::metric(before, "a2b_ssim"), " PSNR ", test::metric(before, "a2b_psnr"),
          " MSE ", test::metric(before, "a2b_mse"), "; b2a SSIM ", test::metric(before, "b2a_ssim"), " PSNR ",
          test::metric(before, "b2a_psnr"));
  MESSAGE("trained:   a2b SSIM ", test::metric(after, "a2b_ssim"), " PSNR ", test::metric(after, "a2b_psnr"), " MSE ",
          test::metric(after, "a2b_mse"), "; b2a SSIM ", test::metric(after, "b2a_ssim"), " PSNR ",
          test::metric(after, "b2a_psnr"));
  // Edges -> garments, the direction of the paper's sketch -> photo, learns fast.
  CHECK(test::metric(after, "a2b_ssim") > test::metric(before, "a2b_ssim") + 0.25);
  CHECK(test::metric(after, "a2b_psnr") > test::metric(before, "a2b_psnr") + 5.0);
  CHECK(test::metric(after, "a2b_mse") < 0.4 * test::metric(before, "a2b_mse"));
  // Garments -> edges: the edge maps are 89 % background, and with mu = 30 G_B settles on
  // near-background images first (docs/models/csgan.md); PSNR still rises from the untrained
  // net's noise to that baseline's (about 9.6 dB).
  CHECK(test::metric(after, "b2a_psnr") > test::metric(before, "b2a_psnr") + 2.5);
  fs::remove_all(out);
}
