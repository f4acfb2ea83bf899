#pragma once
// PatchGANHead: the last layer of pix2pix / CycleGAN's 70 x 70 PatchGAN
// (pytorch-CycleGAN-and-pix2pix networks.py NLayerDiscriminator): Conv2d(C -> 1, 4 x 4,
// stride 1, padding 1, with bias), one logit per patch: [B, C, H, W] -> [B, 1, H - 1, W - 1].
// Names: `weight`, `bias` (the conv itself).
#include "../layers/conv2d.hpp"
#include "head.hpp"

namespace gantry {

struct PatchGANHead : Conv2d<1, 4, 1, 1> {
  static constexpr HeadRole role = HeadRole::adversarial;
};

}  // namespace gantry
