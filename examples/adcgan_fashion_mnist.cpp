// ADC-GAN (models/adcgan.hpp, the official CIFAR-10 script's configuration: BigGAN's G and D
// with an unconditional adversarial head beside a 2K-way classifier over real and generated
// classes, hinge loss + λ = 1 classifier terms, 4 D steps per G step, lr 2e-4, Adam(0, 0.999),
// EMA of G from step 1000) trained class-conditionally on Fashion-MNIST (zero-padded to
// 32x32) on the CPU. Prints FD / intra-class FD / KID / precision / recall / diversity / class
// consistency before and after; writes samples.png (one row per class), losses.png and a
// checkpoint to --out.
//
//   adcgan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Sized for a few minutes on 2 cores: Ch = 16 (the script's 64), batch 50. `gantry train
// --model adcgan|acgan|tacgan|biggan --data fashion-mnist` trains it and its three baselines.
#include "conditional_fashion_mnist.hpp"
#include "gantry/models/adcgan.hpp"

int main(int argc, char** argv) {
  const auto o = example::parse(argc, argv, "adcgan_fashion_mnist", {.steps = 300, .out = "runs/adcgan_fashion_mnist"});
  using Model = gantry::models::adcgan<gantry::Image<1, 32, 32>, gantry::Classes<10>, gantry::Width<16>>;
  return example::train_conditional<Model>("adcgan_fashion_mnist", o, gantry::models::adcgan_hyper());
}
