// U-Net GAN (models/unetgan.hpp: BigGAN's G with self-modulated batch norm, a U-Net D with a
// per-image and a per-pixel decision, the non-saturating loss on both, CutMix with the
// consistency regulariser every batch, the CelebA script's settings) trained unconditionally
// on Fashion-MNIST (zero-padded to 32x32, the 32x32 layout) on the CPU. Prints FD / KID /
// precision / recall / diversity before and after; writes samples.png, losses.png,
// decision_maps.png (real, generated and mixed images beside D's per-pixel maps) and a
// checkpoint to --out.
//
//   unetgan_fashion_mnist [--steps N] [--out DIR] [--threads T] [--resume]
//
// Sized for a few minutes on 2 cores: Ch = 16 (the script's 64), batch 32, 4x the script's
// learning rates (G 2e-4, D 8e-4) and no EMA for a short run. `gantry train --model unetgan
// [--schedule every|warmup|full-batch]` and `--model unetgan-baseline` train it and its baseline.
#include <iostream>

#include "conditional_fashion_mnist.hpp"
#include "gantry/models/unetgan.hpp"
#include "gantry/train/decision_maps.hpp"

int main(int argc, char** argv) {
  using namespace gantry;
  const auto o = example::parse(argc, argv, "unetgan_fashion_mnist", {.steps = 300, .out = "runs/unetgan_fashion_mnist"});
  using Model = models::unetgan<Image<1, 32, 32>, Width<16>>;
  auto h = models::unetgan_hyper();
  h.batch_size = 32;
  h.g_lr = 2e-4;
  h.d_lr = 8e-4;
  h.ema_decay = 0;
  return example::train_conditional<Model>("unetgan_fashion_mnist", o, h, [](Model& m, const std::string& out) {
    Rng rng(7);
    const Tensor<float, cpu> real = ops::slice(train::fashion_mnist_images("test", 32), 0, 0, 8);
    const auto d = train::save_decision_maps(m, real, {}, rng, out + "/decision_maps.png");
    std::cout << "D's decision maps: " << out << "/decision_maps.png (mean P(real) per pixel: real " << d.real_prob
              << ", generated " << d.fake_prob << "; mixed pixels decided as the mask says: " << d.mix_agreement << ")\n";
  });
}
