// SAGAN (models/sagan.hpp) trained class-conditionally on Fashion-MNIST (zero-padded to 32x32)
// on the CPU: the paper's hinge loss, TTUR, Adam(0, 0.999), one D step per G step,
// self-attention at 16x16 in G and D. Prints FD / KID / precision / recall / diversity /
// class consistency before and after; writes samples.png (one row per class), losses.png and a
// checkpoint to --out.
//
//   sagan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Sized for a few minutes on 2 cores: Ch = 16 (the paper's 64), batch 64, and 4x the paper's
// learning rates (G 4e-4, D 1.6e-3), which learn much faster in a short run
// (docs/models/sagan.md). `gantry train --model sagan --data fashion-mnist --dim 64` runs the
// paper's settings.
#include "conditional_fashion_mnist.hpp"
#include "gantry/models/sagan.hpp"

int main(int argc, char** argv) {
  const auto o = example::parse(argc, argv, "sagan_fashion_mnist", {.steps = 600, .out = "runs/sagan_fashion_mnist"});
  using Model = gantry::models::sagan<gantry::Image<1, 32, 32>, gantry::Classes<10>, gantry::Width<16>>;
  auto h = gantry::models::sagan_hyper();
  h.g_lr *= 4;
  h.d_lr *= 4;
  return example::train_conditional<Model>("sagan_fashion_mnist", o, h);
}
