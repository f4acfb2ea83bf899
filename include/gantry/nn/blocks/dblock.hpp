#pragma once
// DBlock<Out, Down, Preact, EpsExp>: BigGAN's discriminator residual block, "wide" (hidden
// channels = Out), as BigGAN-PyTorch layers.py `DBlock` (SPECS §0; also U-Net GAN's encoder
// and SAGAN's TF `block` / `optimized_block`):
//   h = Preact ? ReLU(x) : x
//   h = conv2(ReLU(conv1(h))); h = avgpool2(h) when Down
//   shortcut, learnable when In != Out channels or Down:
//     Preact      avgpool2(conv_sc(x))     (the later blocks)
//     not Preact  conv_sc(avgpool2(x))     (the first block, on the image)
//   return h + shortcut
// conv1 (In -> Out), conv2 (Out -> Out): SNConv2d 3x3 padding 1 with bias; conv_sc: SNConv2d
// 1x1 with bias; avgpool2: 2x2 mean, stride 2 (odd sizes round down, as nn.AvgPool2d(2)).
// SN's ε is 10^-EpsExp. Names: conv1, conv2, conv_sc.
#include <type_traits>

#include "../../autograd/ops/elementwise.hpp"
#include "../framework/absent.hpp"
#include "../layers/pool2d.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"
#include "../layers/spectral_norm.hpp"

namespace gantry {

template <int Out, class Resample = Down, Preactivation P = Preactivation::on, int EpsExp = 8>
struct DBlock {
  static_assert(std::is_same_v<Resample, Down> || std::is_same_v<Resample, None>,
                "gantry: DBlock<Out, Resample>: Resample is Down or None");
  static constexpr bool downsamples = std::is_same_v<Resample, Down>, preact = P == Preactivation::on;
  static_assert(Out > 0, "gantry: DBlock<Out> needs a positive channel count");
  using Pool = AvgPool2d<2>;
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return !downsamples || Pool::template accepts<In>;
    else return false;
  }();
  template <class In>
  using expects = std::conditional_t<downsamples, ImageAtLeast<2, 2>, AnyImage>;
  template <class In>
  using output = std::conditional_t<downsamples, typename Pool::template output<Image<Out, In::height, In::width>>,
                                    Image<Out, In::height, In::width>>;

  template <class In, class T, class D>
  struct module {
    static constexpr int Cin = In::channels, H = In::height, W = In::width;
    static constexpr bool learnable_sc = Cin != Out || downsamples;
    using Hidden = Image<Out, H, W>;
    // The shortcut convolution sees x itself (preactivation) or x pooled (first block).
    using ScIn = std::conditional_t<preact || !downsamples, In, typename Pool::template output<In>>;
    using ConvSc = typename SNConv2d<Out, 1, 1, 0, Bias::on, EpsExp>::template module<ScIn, T, D>;

    typename SNConv2d<Out, 3, 1, 1, Bias::on, EpsExp>::template module<In, T, D> conv1;
    typename SNConv2d<Out, 3, 1, 1, Bias::on, EpsExp>::template module<Hidden, T, D> conv2;
    std::conditional_t<learnable_sc, ConvSc, detail::Absent<T, D>> conv_sc;
    typename Pool::template module<In, T, D> down;

    explicit module(Init& init) : conv1(init), conv2(init), conv_sc(init), down(init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      Var<T, D> h = preact ? relu(x) : x;
      h = conv2.forward(relu(conv1.forward(h, ctx)), ctx);
      if constexpr (downsamples) h = down.forward(h, ctx);
      return add(h, shortcut(x, ctx));
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      conv2.visit(v, join_name(prefix, "conv2"));
      conv_sc.visit(v, join_name(prefix, "conv_sc"));
    }

   private:
    Var<T, D> shortcut(Var<T, D> x, Context<T, D>& ctx) {
      if constexpr (preact) {
        if constexpr (learnable_sc) x = conv_sc.forward(x, ctx);
        if constexpr (downsamples) x = down.forward(x, ctx);
      } else {
        if constexpr (downsamples) x = down.forward(x, ctx);
        if constexpr (learnable_sc) x = conv_sc.forward(x, ctx);
      }
      return x;
    }
  };
};

}  // namespace gantry
