// BigGAN (models/biggan.hpp, BigGAN-PyTorch's CIFAR configuration) trained class-conditionally
// on Fashion-MNIST (zero-padded to 32x32) on the CPU: hinge loss, 4 D steps per G step, lr 2e-4
// for both, Adam(0, 0.999), per-class conditional batch norm, projection D, EMA of G from step
// 1000. Prints FD / KID / precision / recall / diversity / class consistency before and after;
// writes samples.png (one row per class), losses.png and a checkpoint to --out.
//
//   biggan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Sized for a few minutes on 2 cores: Ch = 16 (the CIFAR script's 64), batch 50. `gantry train
// --model biggan --data fashion-mnist --dim 64` runs the full width.
#include "conditional_fashion_mnist.hpp"
#include "gantry/models/biggan.hpp"

int main(int argc, char** argv) {
  const auto o = example::parse(argc, argv, "biggan_fashion_mnist", {.steps = 300, .out = "runs/biggan_fashion_mnist"});
  using Model = gantry::models::biggan<gantry::Image<1, 32, 32>, gantry::Classes<10>, gantry::Width<16>>;
  return example::train_conditional<Model>("biggan_fashion_mnist", o, gantry::models::biggan_hyper());
}
