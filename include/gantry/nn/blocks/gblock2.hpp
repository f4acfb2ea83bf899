#pragma once
// GBlock2<Out, EpsExp>: U-Net GAN's decoder block (boschresearch/unetgan layers.py `GBlock2`,
// SPECS §6b): BigGAN's GBlock without batch norm, which is what it is here,
//   h = ReLU(x); h = up(h); x = up(x)
//   h = conv2(ReLU(conv1(h)))
//   x = conv_sc(x)          (always: the block upsamples)
//   return h + x
// conv1 (In -> Out), conv2 (Out -> Out): SNConv2d 3x3 padding 1 with bias; conv_sc: SNConv2d
// 1x1 with bias; up: nearest 2x. SN's ε is 10^-EpsExp (6 in unetgan's scripts). Names:
// conv1, conv2, conv_sc (NoNorm has no parameters, so bn1 and bn2 name nothing).
#include "block_norm.hpp"
#include "gblock.hpp"

namespace gantry {

template <int Out, int EpsExp = 8>
using GBlock2 = GBlock<Out, NoNorm, EpsExp, Up>;

}  // namespace gantry
