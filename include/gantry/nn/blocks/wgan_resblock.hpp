#pragma once
// The residual blocks of WGAN-GP (igul222/improved_wgan_training; SPECS §1b, §1c):
//
// WGANResBlock<Out, Resample, Norm, Layout>, `ResidualBlock`:
//   out = shortcut(x) + conv2(ReLU(norm2(conv1(ReLU(norm1(x))))))
// with, for Layout = WGANCifar (gan_cifar_resnet.py, all convolutions with bias):
//   Up     conv1 = UpsampleConv3x3 (In -> Out), conv2 = Conv3x3 (Out -> Out), shortcut = UpsampleConv1x1
//   Down   conv1 = Conv3x3 (In -> In), conv2 = ConvMeanPool3x3 (In -> Out), shortcut = ConvMeanPool1x1
//   None   conv1 = Conv3x3 (In -> Out), conv2 = Conv3x3 (Out -> Out), shortcut = Conv1x1, or the
//          identity when In == Out
// and for Layout = WGAN64 (gan_64x64.py's ResidualBlock): conv1 without bias; Down's shortcut is
// MeanPoolConv1x1; None's conv1 is In -> In and conv2 In -> Out.
// Norm is the normalisation of both norms: NoNorm (the CIFAR critic), LayerNorm (the 64x64
// critic: tflib's Layernorm over [C, H, W]), BatchNorm2d (the generators),
// ConditionalBatchNorm<ClassTable<K, Gain::direct>> (tflib's cond_batchnorm: per-class scale and offset).
//
// WGANOptimizedBlock<Out>, gan_cifar_resnet.py's `OptimizedResBlockDisc1` (the critic's first
// block, on the image):
//   out = MeanPoolConv1x1(x) + ConvMeanPool3x3(ReLU(Conv3x3(x)))      (In -> Out, all with bias)
//
// tflib's resampling: UpsampleConv is nearest 2x then the convolution (depth_to_space of four
// copies), the mean pool sums four strided slices, so the pooling blocks take even sizes
// (resample_conv.hpp). Names: shortcut, norm1, conv1, norm2, conv2 (tflib's Shortcut, N1 / BN1,
// Conv1, N2 / BN2, Conv2).
#include <type_traits>

#include "../../autograd/ops/elementwise.hpp"
#include "../framework/absent.hpp"
#include "block_norm.hpp"
#include "../layers/conv2d.hpp"
#include "../framework/module.hpp"
#include "../layers/resample_conv.hpp"
#include "../framework/settings.hpp"
#include "../framework/shapes.hpp"

namespace gantry {

// Which of improved_wgan_training's two ResidualBlock definitions a WGANResBlock follows.
struct WGANCifar {};
struct WGAN64 {};

namespace detail {

// gan_64x64.py's conv1 has no bias; gan_cifar_resnet.py's has one.
template <class Layout>
inline constexpr Bias conv1_bias = std::is_same_v<Layout, WGANCifar> ? Bias::on : Bias::off;

template <class Resample, class Layout, int Cin, int Out>
struct wgan_convs;

template <class Layout, int Cin, int Out>
struct wgan_convs<Up, Layout, Cin, Out> {
  using conv1 = UpsampleConv<Out, 3, conv1_bias<Layout>>;
  using conv2 = Conv2d<Out, 3>;
  using shortcut = UpsampleConv<Out, 1>;
  static constexpr bool identity = false;
};
template <class Layout, int Cin, int Out>
struct wgan_convs<Down, Layout, Cin, Out> {
  using conv1 = Conv2d<Cin, 3, 1, 1, conv1_bias<Layout>>;
  using conv2 = ConvMeanPool<Out, 3>;
  using shortcut = std::conditional_t<std::is_same_v<Layout, WGANCifar>, ConvMeanPool<Out, 1>, MeanPoolConv<Out, 1>>;
  static constexpr bool identity = false;
};
template <int Cin, int Out>
struct wgan_convs<None, WGANCifar, Cin, Out> {
  using conv1 = Conv2d<Out, 3>;
  using conv2 = Conv2d<Out, 3>;
  using shortcut = Conv2d<Out, 1>;
  static constexpr bool identity = Cin == Out;
};
template <int Cin, int Out>
struct wgan_convs<None, WGAN64, Cin, Out> {
  using conv1 = Conv2d<Cin, 3, 1, 1, Bias::off>;
  using conv2 = Conv2d<Out, 3>;
  using shortcut = Conv2d<Out, 1>;
  static constexpr bool identity = Cin == Out;
};

}  // namespace detail

template <int Out, class Resample, class Norm = NoNorm, class Layout = WGANCifar>
struct WGANResBlock : detail::block_condition_traits<Norm> {
  static_assert(Out > 0, "gantry: WGANResBlock<Out, Resample> needs a positive channel count");
  static_assert(std::is_same_v<Resample, Up> || std::is_same_v<Resample, Down> || std::is_same_v<Resample, None>,
                "gantry: WGANResBlock<Out, Resample>: Resample is Up, Down or None");
  static_assert(std::is_same_v<Layout, WGANCifar> || std::is_same_v<Layout, WGAN64>,
                "gantry: WGANResBlock<Out, Resample, Norm, Layout>: Layout is WGANCifar or WGAN64");

  template <class In>
  using convs = detail::wgan_convs<Resample, Layout, In::channels, Out>;
  template <class In>
  using hidden = typename convs<In>::conv1::template output<In>;

  template <class In>
  static constexpr bool accepts = [] {
    if constexpr (ImageShape<In>) {
      using C = convs<In>;
      return C::conv1::template accepts<In> && C::shortcut::template accepts<In> &&
             C::conv2::template accepts<hidden<In>>;
    } else {
      return false;
    }
  }();
  template <class In>
  using expects = std::conditional_t<std::is_same_v<Resample, Down>, ImageWithEvenSides, AnyImage>;
  template <class In>
  using output = typename convs<In>::conv2::template output<hidden<In>>;

  template <class In, class T, class D>
  struct module {
    using C = convs<In>;
    using Shortcut = typename C::shortcut::template module<In, T, D>;

    std::conditional_t<C::identity, detail::Absent<T, D>, Shortcut> shortcut;
    typename Norm::template module<In, T, D> norm1;
    typename C::conv1::template module<In, T, D> conv1;
    typename Norm::template module<hidden<In>, T, D> norm2;
    typename C::conv2::template module<hidden<In>, T, D> conv2;

    explicit module(Init& init) : shortcut(init), norm1(init), conv1(init), norm2(init), conv2(init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      const auto c = detail::block_condition<Norm>(ctx);
      auto h = conv1.forward(relu(detail::apply_norm<Norm>(norm1, x, c, ctx)), ctx);
      h = conv2.forward(relu(detail::apply_norm<Norm>(norm2, h, c, ctx)), ctx);
      if constexpr (C::identity) return add(x, h);
      else return add(shortcut.forward(x, ctx), h);
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      shortcut.visit(v, join_name(prefix, "shortcut"));
      norm1.visit(v, join_name(prefix, "norm1"));
      conv1.visit(v, join_name(prefix, "conv1"));
      norm2.visit(v, join_name(prefix, "norm2"));
      conv2.visit(v, join_name(prefix, "conv2"));
    }
  };
};

template <int Out>
struct WGANOptimizedBlock {
  static_assert(Out > 0, "gantry: WGANOptimizedBlock<Out> needs a positive channel count");
  template <class In>
  static constexpr bool accepts = ConvMeanPool<Out, 3>::template accepts<In>;
  template <class In>
  using expects = ImageWithEvenSides;
  template <class In>
  using output = Image<Out, In::height / 2, In::width / 2>;

  template <class In, class T, class D>
  struct module {
    using Hidden = Image<Out, In::height, In::width>;
    typename MeanPoolConv<Out, 1>::template module<In, T, D> shortcut;
    typename Conv2d<Out, 3>::template module<In, T, D> conv1;
    typename ConvMeanPool<Out, 3>::template module<Hidden, T, D> conv2;

    explicit module(Init& init) : shortcut(init), conv1(init), conv2(init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      return add(shortcut.forward(x, ctx), conv2.forward(relu(conv1.forward(x, ctx)), ctx));
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      shortcut.visit(v, join_name(prefix, "shortcut"));
      conv1.visit(v, join_name(prefix, "conv1"));
      conv2.visit(v, join_name(prefix, "conv2"));
    }
  };
};

}  // namespace gantry
