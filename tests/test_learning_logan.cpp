// LOGAN learns Fashion-MNIST (zero-padded to 32x32) class-conditionally: a CI-sized run (Ch 8,
// batch 32, the BigGAN-deep CI run's 4x learning rates, the paper's latent step: NGD, α 0.9,
// β 5, c 0.5, w_r 300, second order on) brings the Fréchet distance in the Fashion-MNIST
// classifier's features well below the untrained generator's. Its own program: a LOGAN step
// costs about 3x a BigGAN-deep step. GANTRY_LEARNING_STEPS / GANTRY_LEARNING_EVAL_EVERY as in
// learning_support.hpp.
#include <doctest/doctest.h>

#include "gantry/models/logan.hpp"
#include "learning_support.hpp"

using namespace gantry;

// Sizes measured here (FD untrained 1047 ->): 604 at 40 steps, 575 at 80, 503 at 120, 483 at 200
// (0.45 s a step on 2 threads); docs/models/logan.md has the longer runs.
TEST_CASE("LOGAN (NGD, second order) on Fashion-MNIST: FD falls") {
  auto h = models::logan_hyper();
  h.batch_size = 32;
  h.g_lr *= 4;  // 4e-4 and 1.6e-3, as the BigGAN-deep CI run
  h.d_lr *= 4;
  test::learns_fashion<models::logan<Image<1, 32, 32>, Classes<10>, Width<8>, Latent<128>>>("logan", h,
                                                                                       {.steps = 100, .fd_ratio = 0.7});
}
