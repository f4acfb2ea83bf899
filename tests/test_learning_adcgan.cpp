// ADC-GAN learns Fashion-MNIST (zero-padded to 32x32) class-conditionally: a CI-sized run (Ch 8,
// batch 32, the official CIFAR script's settings but 2 D steps: lr 2e-4, λ_D = λ_G = 1) brings the
// Fréchet distance in the Fashion-MNIST classifier's features well below the untrained
// generator's, and its samples are of the asked class well above chance (10 %): the 2K-way
// classifier is what conditions this D, whose adversarial head is unconditional.
// GANTRY_LEARNING_STEPS / GANTRY_LEARNING_EVAL_EVERY as in learning_support.hpp.
#include <doctest/doctest.h>

#include "gantry/models/adcgan.hpp"
#include "learning_support.hpp"

using namespace gantry;

// Measured here (Intel Xeon, other runs sharing the cores; FD untrained 922, class consistency
// 0.09): FD 408 / 381 / 359 / 352 / 312 and class consistency 0.11 / 0.12 / 0.15 / 0.19 / 0.28 at
// 80 / 120 / 200 / 240 / 280 steps. With 4 D steps a G step costs 5/3 as much and the class
// signal is no earlier in steps (0.15 at 200); with 4x the learning rates it is later (0.12 at
// 160). Chance is 0.10 and 2000 samples give it a standard deviation of 0.007, so 0.14 is far
// above it. docs/models/adcgan.md has the longer runs.
TEST_CASE("ADC-GAN on Fashion-MNIST: FD falls, samples follow their class") {
  auto h = models::adcgan_hyper();
  h.batch_size = 32;
  h.d_steps = 2;  // the class signal arrives after ~200 G steps at this size; 2 D steps keep that CI-sized
  test::learns_fashion<models::adcgan<Image<1, 32, 32>, Classes<10>, Width<8>>>(
      "adcgan", h, {.steps = 240, .fd_ratio = 0.55, .class_consistency = 0.14});
}
