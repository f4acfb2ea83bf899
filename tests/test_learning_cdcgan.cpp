// The conditional DCGAN learns Fashion-MNIST's classes (zero-padded to 32x32): the nets at half
// width (NGF = NDF = 32), DCGAN's Adam settings (lr 2e-4, beta1 0.5) at batch 64, as the README's
// first picture (examples/cdcgan_fashion_mnist.cpp, docs/models/dcgan.md) but a CI-sized run.
// GANTRY_LEARNING_STEPS and GANTRY_LEARNING_EVAL_EVERY help calibrate.
#include <doctest/doctest.h>

#include "gantry/models/cdcgan.hpp"
#include "learning_support.hpp"

using namespace gantry;

// Measured (2000 samples, AMD EPYC, 2 threads, 30 s): FD 1134 -> 617 / 327 / 230 and class
// consistency 0.09 -> 0.24 / 0.61 / 0.74 at 100 / 200 / 300 steps.
TEST_CASE("conditional DCGAN on Fashion-MNIST: FD falls and samples take their class") {
  models::AdamGanHyper h;
  h.batch_size = 64;
  test::learns_fashion<models::cdcgan<Image<1, 32, 32>, Classes<10>, Latent<100>, Width<32>>>(
      "cdcgan", h, {.steps = 300, .fd_ratio = 0.35, .class_consistency = 0.5});
}
