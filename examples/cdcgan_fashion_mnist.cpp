// The conditional DCGAN (models/cdcgan.hpp) trained on Fashion-MNIST (zero-padded to 32x32) on
// the CPU: the README's first picture, ten rows of garments, one class a row, in about three
// minutes on 2 cores. The class is concatenated to z and to D's input and inner layers (and
// drives G's batch-norm gains); DCGAN's training: non-saturating loss, Adam lr 2e-4, beta1 0.5.
// Prints FD / KID / precision / recall / diversity / class consistency before and after;
// writes samples.png (one row per class), losses.png and a checkpoint to --out.
//
//   cdcgan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Sized for a few minutes on 2 cores: NGF = NDF = 32 (DCGAN's 32x32 nets use 64), batch 64,
// 2000 steps. `gantry train --model cdcgan --data fashion-mnist` runs the same nets.
#include "conditional_fashion_mnist.hpp"
#include "gantry/models/cdcgan.hpp"

int main(int argc, char** argv) {
  const auto o = example::parse(argc, argv, "cdcgan_fashion_mnist", {.steps = 2000, .out = "runs/cdcgan_fashion_mnist"});
  using Model = gantry::models::cdcgan<gantry::Image<1, 32, 32>, gantry::Classes<10>, gantry::Width<32>>;
  gantry::models::AdamGanHyper h;
  h.batch_size = 64;
  return example::train_conditional<Model>("cdcgan_fashion_mnist", o, h);
}
