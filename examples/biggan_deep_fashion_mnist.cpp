// BigGAN-deep (models/biggan_deep.hpp, BigGANdeep.py's 32x32 layout: bottleneck blocks, two per
// resolution, cat(shared(y), z) to every norm) trained class-conditionally on Fashion-MNIST
// (zero-padded to 32x32) on the CPU with the launch script's settings (Adam(0, 0.999, eps
// 1e-6), one D step per G step, orthogonal init) but 4x its learning rates (G 4e-4, D 1.6e-3),
// which learn faster in a short run (docs/models/biggan_deep.md). Prints FD / KID /
// precision / recall / diversity / class consistency before and after; writes samples.png (one
// row per class), losses.png and a checkpoint to --out.
//
//   biggan_deep_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Sized for a few minutes on 2 cores: Ch = 16, batch 50. `gantry train --model biggan-deep
// --data fashion-mnist --dim 32` runs the header's default width.
#include "conditional_fashion_mnist.hpp"
#include "gantry/models/biggan_deep.hpp"

int main(int argc, char** argv) {
  const auto o =
      example::parse(argc, argv, "biggan_deep_fashion_mnist", {.steps = 600, .out = "runs/biggan_deep_fashion_mnist"});
  using Model = gantry::models::biggan_deep<gantry::Image<1, 32, 32>, gantry::Classes<10>, gantry::Width<16>>;
  auto h = gantry::models::biggan_deep_hyper();
  h.g_lr *= 4;
  h.d_lr *= 4;
  return example::train_conditional<Model>("biggan_deep_fashion_mnist", o, h);
}
