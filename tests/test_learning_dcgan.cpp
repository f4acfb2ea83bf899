// The step template's presets learn Fashion-MNIST (zero-padded to 32x32): DCGAN (the
// non-saturating loss) and LSGAN (least squares) on the DCGAN nets at half width (NGF = NDF
// = 32), the papers' Adam settings (lr 2e-4, beta1 0.5) at batch 64. CI-sized runs bring the
// Fréchet distance in a Fashion-MNIST classifier's features well below the untrained
// generator's; GANTRY_LEARNING_STEPS, GANTRY_LEARNING_EVAL_EVERY and (LSGAN)
// GANTRY_LEARNING_LR help calibrate.
#include <doctest/doctest.h>

#include <cstdlib>

#include "gantry/models/dcgan.hpp"
#include "learning_support.hpp"

using namespace gantry;

namespace {
models::AdamGanHyper ci_sized() {
  models::AdamGanHyper h;
  h.batch_size = 64;
  return h;
}
}  // namespace

// Measured: DCGAN FD 1134 -> 888 / 613 / 471 at 100 / 200 / 300 steps.
TEST_CASE("DCGAN on Fashion-MNIST: FD falls") {
  test::learns_fashion<models::dcgan<Image<1, 32, 32>, Latent<100>, Width<32>>>("dcgan", ci_sized(), {.steps = 300, .fd_ratio = 0.6});
}

TEST_CASE("LSGAN on Fashion-MNIST: FD falls") {
  auto h = ci_sized();
  // 5x: at 2e-4 LSGAN moves slowly in a CI-sized run. Measured FD 1134 -> at 300 steps:
  // 887 (lr 2e-4), 670 (5e-4), 657 (1e-3), 620 (2e-3); still falling steadily.
  const char* lr = std::getenv("GANTRY_LEARNING_LR");
  h.lr = lr ? std::atof(lr) : 1e-3;
  test::learns_fashion<models::lsgan<Image<1, 32, 32>, Latent<100>, Width<32>>>("lsgan", h, {.steps = 300, .fd_ratio = 0.75});
}
