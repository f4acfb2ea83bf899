#pragma once
// GBlock2<Out, EpsExp>: U-Net GAN's decoder block (boschresearch/unetgan layers.py `GBlock2`,
// SPECS §6b): BigGAN's GBlock without batch norm,
//   h = ReLU(x); h = up(h); x = up(x)
//   h = conv2(ReLU(conv1(h)))
//   x = conv_sc(x)          (always: the block upsamples)
//   return h + x
// conv1 (In -> Out), conv2 (Out -> Out): SNConv2d 3x3 padding 1 with bias; conv_sc: SNConv2d
// 1x1 with bias; up: nearest 2x. SN's ε is 10^-EpsExp (6 in unetgan's scripts). Names:
// conv1, conv2, conv_sc.
#include "../autograd/ops/elementwise.hpp"
#include "module.hpp"
#include "shapes.hpp"
#include "spectral_norm.hpp"
#include "upsample_nearest.hpp"

namespace gantry {

template <int Out, int EpsExp = 8>
struct GBlock2 {
  static_assert(Out > 0, "gantry: GBlock2<Out> needs a positive channel count");
  template <class In>
  static constexpr bool accepts = ImageShape<In>;
  template <class In>
  using expects = AnyImage;
  template <class In>
  using output = Image<Out, 2 * In::height, 2 * In::width>;

  template <class In, class T, class D>
  struct module {
    using Upsampled = Image<In::channels, 2 * In::height, 2 * In::width>;

    typename SNConv2d<Out, 3, 1, 1, true, EpsExp>::template module<Upsampled, T, D> conv1;
    typename SNConv2d<Out, 3, 1, 1, true, EpsExp>::template module<output<In>, T, D> conv2;
    typename SNConv2d<Out, 1, 1, 0, true, EpsExp>::template module<Upsampled, T, D> conv_sc;
    typename UpsampleNearest<2>::template module<In, T, D> up;

    explicit module(Init& init) : conv1(init), conv2(init), conv_sc(init), up(init) {}

    Var<T, D> forward(const Var<T, D>& x, Context<T, D>& ctx) {
      const auto h = conv2.forward(relu(conv1.forward(up.forward(relu(x), ctx), ctx)), ctx);
      return add(h, conv_sc.forward(up.forward(x, ctx), ctx));
    }

    void visit(ParamVisitor<T, D>& v, const std::string& prefix) {
      conv1.visit(v, join_name(prefix, "conv1"));
      conv2.visit(v, join_name(prefix, "conv2"));
      conv_sc.visit(v, join_name(prefix, "conv_sc"));
    }
  };
};

}  // namespace gantry
