#pragma once
// BigGAN-deep's bottleneck residual blocks (BigGAN-PyTorch BigGANdeep.py `GBlock`, `DBlock`;
// SPECS §3c), channel ratio 4. Convolutions are SNConv2d with bias: 1x1 (padding 0) at the
// ends of the bottleneck, 3x3 (padding 1) inside; SN's ε is 10^-EpsExp.
//
// GBlockDeep<Out, Up, Norm, EpsExp>, hidden = In / 4, Out <= In:
//   c = ctx.next_condition()               once, when Norm takes the block's vector
//   h = conv1(ReLU(bn1(x, c)))             1x1, In -> hidden
//   h = ReLU(bn2(h, c))
//   x = x[:, :Out]                         when In != Out (channels dropped: no learnable shortcut)
//   h = up(h); x = up(x)                   when Up (nearest 2x)
//   h = conv2(h); h = conv3(ReLU(bn3(h, c)))
//   h = conv4(ReLU(bn4(h, c)))             1x1, hidden -> Out
//   return h + x
// Names: conv1..conv4, bn1..bn4.
//
// DBlockDeep<Out, Down, EpsExp>, hidden = Out / 4, Out >= In:
//   h = conv1(ReLU(x)); h = conv2(ReLU(h)); h = conv3(ReLU(h)); h = ReLU(h)
//   h = avgpool2(h) when Down; h = conv4(h)
//   shortcut: x = avgpool2(x) when Down; x = cat(x, conv_sc(x)) when In != Out (conv_sc 1x1,
//   In -> Out - In, so the input's channels pass through unchanged)
//   return h + shortcut
// Names: conv1..conv4, conv_sc.
//
// Both take the non-linearity as a last parameter, Act = ReLU (LOGAN uses LeakyReLU<>); every
// ReLU above is Act.
#include <type_traits>
#include <vector>

#include "../../autograd/ops/elementwise.hpp"
#include "../../autograd/ops/layout.hpp"
#include "../framework/absent.hpp"
#include "../layers/activations.hpp"
#include "../layers/pool2d.hpp"
#include "../layers/batch_norm.hpp"
#include "block_norm.hpp"
#include "../framework/module.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"
#include "../layers/spectral_norm.hpp"
#include "../layers/upsample_nearest.hpp"

namespace gantry {

// What the deep blocks expect: an image with at least (G) or at most (D) some channels.
template <int C>
struct ImageWithAtLeastChannels {};
template <int C>
struct ImageWithAtMostChannels {};

template <int Out, class Resample = Up, class Norm = BatchNorm2d<>, int EpsExp = 8, class Act = ReLU>
struct GBlockDeep : detail::block_condition_traits<Norm> {
  static_assert(std::is_same_v<Resample, Up> || std::is_same_v<Resample, None>,
                "gantry: GBlockDeep<Out, Resample>: Resample is Up or None");
  static constexpr bool upsamples = std::is_same_v<Resample, Up>;
  static_assert(Out > 0, "gantry: GBlockDeep<Out> needs a positive channel count");
  static constexpr int scale = upsamples ? 2 : 1;
  // The bottleneck needs In / 4 >= 1 channels, and the shortcut drops channels, so In >= Out.
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return In::channels >= Out && In::channels >= 4;
    else return false;
  }();
  template <class In>
  using expects = ImageWithAtLeastChannels<(Out > 4 ? Out : 4)>;
  template <class In>
  using output = Image<Out, In::height * scale, In::width * scale>;

  template <class In, class T, class D>
  struct module {
    static constexpr int Cin = In::channels, Hid = Cin / 4;
    using Narrow = Image<Hid, In::height, In::width>;
    using Wide = Image<Hid, In::height * scale, In::width * scale>;

    // Declared (so constructed) in BigGAN-deep's order: conv1..conv4, bn1..bn4.
    typename SNConv2d<Hid, 1, 1, 0, Bias::on, EpsExp>::template module<In, T, D> conv1;
    typename SNConv2d<Hid, 3, 1, 1, Bias::on, EpsExp>::template module<Wide, T, D> conv2, conv3;
    typename SNConv2d<Out, 1, 1, 0, Bias::on, EpsExp>::template module<Wide, T, D> conv4;
    typename Norm::template module<In, T, D> bn1;
    typename Norm::template module<Narrow, T, D> bn2;
    typename Norm::template module<Wide, T, D> bn3, bn4;
    typename UpsampleNearest<2>::template module<Narrow, T, D> up;

    explicit module(Init& init)
        : conv1(init), conv2(init), conv3(init), conv4(init), bn1(init), bn2(init), bn3(init), bn4(init), up(init) {}

    Var<T, D> forward(const Var<T, D>& x_in, Context<T, D>& ctx) {
      const auto c = detail::block_condition<Norm>(ctx);
      Var<T, D> h = conv1.forward(activate<Act>(detail::apply_norm<Norm>(bn1, x_in, c, ctx)), ctx);
      h = activate<Act>(detail::apply_norm<Norm>(bn2, h, c, ctx));
      Var<T, D> x = Cin != Out ? slice(x_in, 1, 0, Out) : x_in;
      if constexpr (upsamples) {
        h = up.forward(h, ctx);
        x = up.forward(x, ctx);
      }
      h = conv2.forward(h, ctx);
      h = conv3.forward(activate<Act>(detail::apply_norm<Norm>(bn3, h, c, ctx)), ctx);
      h = conv4.forward(activate<Act>(detail::apply_norm<Norm>(bn4, h, c, ctx)), ctx);
      return add(h, x);
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      conv2.visit(v, join_name(prefix, "conv2"));
      conv3.visit(v, join_name(prefix, "conv3"));
      conv4.visit(v, join_name(prefix, "conv4"));
      bn1.visit(v, join_name(prefix, "bn1"));
      bn2.visit(v, join_name(prefix, "bn2"));
      bn3.visit(v, join_name(prefix, "bn3"));
      bn4.visit(v, join_name(prefix, "bn4"));
    }
  };
};

template <int Out, class Resample = Down, int EpsExp = 8, class Act = ReLU>
struct DBlockDeep {
  static_assert(std::is_same_v<Resample, Down> || std::is_same_v<Resample, None>,
                "gantry: DBlockDeep<Out, Resample>: Resample is Down or None");
  static constexpr bool downsamples = std::is_same_v<Resample, Down>;
  static_assert(Out >= 4, "gantry: DBlockDeep<Out> needs Out >= 4 (a bottleneck of Out / 4 channels)");
  using Pool = AvgPool2d<2>;
  // The shortcut appends Out - In channels to x, so In <= Out.
  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) return In::channels <= Out && (!downsamples || Pool::template accepts<In>);
    else return false;
  }();
  template <class In>
  using expects = ImageWithAtMostChannels<Out>;
  template <class In>
  using output = std::conditional_t<downsamples, typename Pool::template output<Image<Out, In::height, In::width>>,
                                    Image<Out, In::height, In::width>>;

  template <class In, class T, class D>
  struct module {
    static constexpr int Cin = In::channels, Hid = Out / 4;
    static constexpr bool learnable_sc = Cin != Out;
    using Full = Image<Hid, In::height, In::width>;
    using Pooled = std::conditional_t<downsamples, typename Pool::template output<Full>, Full>;
    using ScIn = std::conditional_t<downsamples, typename Pool::template output<In>, In>;
    using ConvSc = typename SNConv2d<(learnable_sc ? Out - Cin : 1), 1, 1, 0, Bias::on, EpsExp>::template module<ScIn, T, D>;

    typename SNConv2d<Hid, 1, 1, 0, Bias::on, EpsExp>::template module<In, T, D> conv1;
    typename SNConv2d<Hid, 3, 1, 1, Bias::on, EpsExp>::template module<Full, T, D> conv2, conv3;
    typename SNConv2d<Out, 1, 1, 0, Bias::on, EpsExp>::template module<Pooled, T, D> conv4;
    std::conditional_t<learnable_sc, ConvSc, detail::Absent<T, D>> conv_sc;
    typename Pool::template module<In, T, D> down;

    explicit module(Init& init) : conv1(init), conv2(init), conv3(init), conv4(init), conv_sc(init), down(init) {}

    Var<T, D> forward(const Var<T, D>& x_in, Context<T, D>& ctx) {
      Var<T, D> h = conv1.forward(activate<Act>(x_in), ctx);
      h = conv2.forward(activate<Act>(h), ctx);
      h = activate<Act>(conv3.forward(activate<Act>(h), ctx));
      if constexpr (downsamples) h = down.forward(h, ctx);
      h = conv4.forward(h, ctx);
      Var<T, D> x = x_in;
      if constexpr (downsamples) x = down.forward(x, ctx);
      if constexpr (learnable_sc) x = concat(std::vector{x, conv_sc.forward(x, ctx)}, 1);
      return add(h, x);
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      conv2.visit(v, join_name(prefix, "conv2"));
      conv3.visit(v, join_name(prefix, "conv3"));
      conv4.visit(v, join_name(prefix, "conv4"));
      conv_sc.visit(v, join_name(prefix, "conv_sc"));
    }
  };
};

}  // namespace gantry
