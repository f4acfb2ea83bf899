#pragma once
// The named settings of parts, so that a part says what it is instead of true/false:
//   Conv2d<64, 4, 2, 1, Bias::off>, BatchNorm2d<Affine::off>, DBlock<128, Down, Preactivation::off>,
//   GBlock<256, Norm, 8, None>, ConditionalBatchNorm<ClassTable<10, Gain::direct>>.
namespace gantry {

// A learnt bias added after a convolution's or a linear map's product.
enum class Bias { off, on };
// A normalisation's learnt per-channel scale and shift.
enum class Affine { off, on };
// BigGAN's DBlock: ReLU before the first convolution (off for the first block, which sees the
// image).
enum class Preactivation { off, on };
// A class table's gain: γ = 1 + table[y] (BigGAN's ccbn, the table initialised like a layer) or
// γ = table[y] (SAGAN's TF code, the table initialised to ones).
enum class Gain { one_plus, direct };

// Resampling in a residual block: nearest 2x upsampling, 2x2 average pooling, or none.
struct Up {};
struct Down {};
struct None {};

}  // namespace gantry
