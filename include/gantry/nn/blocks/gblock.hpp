#pragma once
// GBlock<Out, Norm, EpsExp, Up>: BigGAN's generator residual block (BigGAN-PyTorch layers.py
// `GBlock`, SPECS §0; SAGAN's TF generator block has the same topology):
//   c = ctx.next_condition()            once, when Norm takes the block's vector
//   h = ReLU(bn1(x, c)); h = up(h); x = up(x)
//   h = conv1(h); h = ReLU(bn2(h, c)); h = conv2(h)
//   x = conv_sc(x)                      when In != Out channels or Up
//   return h + x
// conv1, conv2: SNConv2d 3x3 padding 1 with bias; conv_sc: SNConv2d 1x1 with bias; up:
// nearest 2x (skipped when Up is false). Norm is ConditionalBatchNorm<ClassTable<K>> (BigGAN
// without G_shared), ConditionalBatchNorm<Projected<Dim>> (G_shared / hierarchical z),
// SelfModulatedBatchNorm<Dz> (U-Net GAN) or BatchNorm2d (unconditional); see block_norm.hpp.
// SN's ε is 10^-EpsExp (6 in BigGAN's ImageNet scripts). Names: conv1, conv2, conv_sc, bn1, bn2.
#include <type_traits>

#include "../../autograd/ops/elementwise.hpp"
#include "../framework/absent.hpp"
#include "../layers/batch_norm.hpp"
#include "block_norm.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"
#include "../layers/spectral_norm.hpp"
#include "../layers/upsample_nearest.hpp"

namespace gantry {

template <int Out, class Norm = BatchNorm2d<>, int EpsExp = 8, class Resample = Up>
struct GBlock : detail::block_condition_traits<Norm> {
  static_assert(std::is_same_v<Resample, Up> || std::is_same_v<Resample, None>,
                "gantry: GBlock<Out, Norm, EpsExp, Resample>: Resample is Up or None");
  static constexpr bool upsamples = std::is_same_v<Resample, Up>;
  static_assert(Out > 0, "gantry: GBlock<Out> needs a positive channel count");
  static constexpr int scale = upsamples ? 2 : 1;
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<Out, In::height * scale, In::width * scale>;

  template <class In, class T, class D>
  struct module {
    static constexpr int Cin = In::channels;
    static constexpr bool learnable_sc = Cin != Out || upsamples;
    using Upsampled = Image<Cin, In::height * scale, In::width * scale>;
    using Hidden = output<In>;
    using ConvSc = typename SNConv2d<Out, 1, 1, 0, Bias::on, EpsExp>::template module<Upsampled, T, D>;

    // Declared (so constructed) in BigGAN's order: conv1, conv2, conv_sc, bn1, bn2.
    typename SNConv2d<Out, 3, 1, 1, Bias::on, EpsExp>::template module<Upsampled, T, D> conv1;
    typename SNConv2d<Out, 3, 1, 1, Bias::on, EpsExp>::template module<Hidden, T, D> conv2;
    std::conditional_t<learnable_sc, ConvSc, detail::Absent<T, D>> conv_sc;
    typename Norm::template module<In, T, D> bn1;
    typename Norm::template module<Hidden, T, D> bn2;
    typename UpsampleNearest<2>::template module<In, T, D> up;

    explicit module(Init& init) : conv1(init), conv2(init), conv_sc(init), bn1(init), bn2(init), up(init) {}

    Var<T, D> forward(const Var<T, D>& x_in, Context<T, D>& ctx) {
      const auto c = detail::block_condition<Norm>(ctx);
      Var<T, D> x = x_in;
      Var<T, D> h = relu(detail::apply_norm<Norm>(bn1, x, c, ctx));
      if constexpr (upsamples) {
        h = up.forward(h, ctx);
        x = up.forward(x, ctx);
      }
      h = conv1.forward(h, ctx);
      h = conv2.forward(relu(detail::apply_norm<Norm>(bn2, h, c, ctx)), ctx);
      if constexpr (learnable_sc) x = conv_sc.forward(x, ctx);
      return add(h, x);
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      conv2.visit(v, join_name(prefix, "conv2"));
      conv_sc.visit(v, join_name(prefix, "conv_sc"));
      bn1.visit(v, join_name(prefix, "bn1"));
      bn2.visit(v, join_name(prefix, "bn2"));
    }
  };
};

}  // namespace gantry
