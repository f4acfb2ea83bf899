// LOGAN (models/logan.hpp: BigGAN-deep with LeakyReLU(0.2) and z ~ U(-1, 1), and one
// natural-gradient latent step before every D and G update, back-propagated through)
// trained class-conditionally on Fashion-MNIST (zero-padded to 32x32) on the CPU, with the
// settings of examples/biggan_deep_fashion_mnist.cpp (4x the launch script's learning rates)
// and the paper's latent step (α 0.9, β 5, c 0.5, w_r 300), so the two compare like for like
// (docs/models/logan.md). Prints FD / KID / precision / recall / diversity / class consistency
// before and after; writes samples.png (one row per class), losses.png and a checkpoint.
//
//   logan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Ch = 16, latent 128 (BigGAN-deep's; the paper's 256 is the header's default), batch 50.
// A LOGAN step costs about 3x a BigGAN-deep step on the CPU (two more passes through D and G,
// one of them a second-order backward). `gantry train --model logan` offers the same model
// with --lo ngd|gd|off and --latent-steps N.
#include "conditional_fashion_mnist.hpp"
#include "gantry/models/logan.hpp"

int main(int argc, char** argv) {
  const auto o = example::parse(argc, argv, "logan_fashion_mnist", {.steps = 300, .out = "runs/logan_fashion_mnist"});
  using Model = gantry::models::logan<gantry::Image<1, 32, 32>, gantry::Classes<10>, gantry::Width<16>, gantry::Latent<128>>;
  auto h = gantry::models::logan_hyper();
  h.g_lr *= 4;
  h.d_lr *= 4;
  return example::train_conditional<Model>("logan_fashion_mnist", o, h);
}
